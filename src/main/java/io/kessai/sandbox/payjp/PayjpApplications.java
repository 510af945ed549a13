package io.kessai.sandbox.payjp;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The arguments of the Platform API's basic and additional applications ({@code POST
 * /v1/platform/merchants/:id/applications/basic} and {@code .../additional}, payjp-platform.txt), every one checked:
 * presence (必須, and the conditional ones: "business_type='company'の場合必須", "has_scl_url=falseの場合必須",
 * "has_scl_url=trueの場合必須", "sole_prop=trueの場合>必須", "sole_prop=falseの場合必須", "has_shop=trueの場合必須",
 * "has_other_fee=trueの場合>必須", "site_published=falseの場合必須") and form, with the Platform Error codes of the
 * document ({@code missing_param}, {@code invalid_param_key}, {@code invalid_string_length}, {@code invalid_character},
 * {@code invalid_url}, {@code invalid_format_string}, {@code invalid_file}, {@code invalid_file_id},
 * {@code invalid_amount}, {@code invalid_business_type}, {@code invalid_numerical_value}, {@code invalid_gender},
 * {@code invalid_address_zip}, {@code invalid_address_state}, {@code invalid_address_city},
 * {@code invalid_address_line}, {@code invalid_phone}, {@code invalid_boolean}, {@code invalid_email},
 * {@code invalid_bank_code}, {@code invalid_bank_branch_code}, {@code invalid_bank_account_type},
 * {@code invalid_bank_account_holder_name}, {@code invalid_bank_account_number}, {@code invalid_product_type},
 * {@code invalid_charge_type}). Every field's error is reported at once as
 * {@code {"errors":{field:[{code,message}]}}}; {@code missing_param}'s message is the document's
 * "Missing required param to platform_merchant_application", {@code invalid_product_type}'s "Invalid product type
 * provided".
 *
 * <p>Where the document gives no rule the sandbox decides (and says so here): strings are at most 255 characters
 * (1000 for the free-text *_detail, scl_* texts, terms_of_service); kana fields take katakana, digits, spaces and
 * dashes; {@code product_english_name} printable ASCII; dates {@code yyyy-MM-dd}, {@code service_start_at}
 * {@code yyyy-MM}; {@code president_gender} {@code men} or {@code women} (the sample's value and its pair);
 * {@code address_zip} {@code NNN-NNNN} or 7 digits; states are the 47 prefectures with or without 都/道/府/県 (the
 * additional sample's {@code shop_address_state=東京}); phones 10 or 11 digits starting with 0, hyphens allowed;
 * {@code bank_code} 4 digits, {@code bank_branch_code} 3, {@code bank_account_number} 7, {@code bank_type}
 * 普通/当座/貯蓄, {@code bank_person_name} katakana; {@code corporate_number} 13 digits; files {@code jpg},
 * {@code jpeg}, {@code png}, {@code pdf} by name (multipart only); {@code product_price_min} ≤
 * {@code product_price_max}. The additional application requires a registered basic one first. Note that the
 * document's additional curl sample omits {@code sole_prop}, which its argument list marks 必須: the sandbox follows
 * the argument list.
 */
final class PayjpApplications {

    static final String MISSING = "Missing required param to platform_merchant_application";

    enum Type {
        STRING, TEXT, KANA, ASCII, URL, MONTH, DATE, AMOUNT, NUMBER, BOOL, GENDER, BUSINESS_TYPE, ZIP, STATE,
        CITY, LINE, PHONE, EMAIL, BANK_CODE, BRANCH_CODE, BANK_TYPE, ACCOUNT_NUMBER, HOLDER, CORPORATE_NUMBER,
        FILE, FILE_ID, PRODUCT_TYPES, CHARGE_TYPES
    }

    /** A documented argument: its name, form and when it is required (given the request's raw values). */
    record Field(String name, Type type, Predicate<PayjpForm> required) {}

    private static final Predicate<PayjpForm> ALWAYS = f -> true;
    private static final Predicate<PayjpForm> OPTIONAL = f -> false;
    private static final Predicate<PayjpForm> COMPANY = f -> "company".equals(f.value("business_type"));
    private static final Predicate<PayjpForm> NO_SCL_URL = f -> "false".equals(f.value("has_scl_url"));
    private static final Predicate<PayjpForm> SCL_URL = f -> "true".equals(f.value("has_scl_url"));
    private static final Predicate<PayjpForm> SOLE_PROP = f -> "true".equals(f.value("sole_prop"));
    private static final Predicate<PayjpForm> NOT_SOLE_PROP = f -> "false".equals(f.value("sole_prop"));
    private static final Predicate<PayjpForm> HAS_OTHER_FEE = f -> "true".equals(f.value("has_other_fee"));
    private static final Predicate<PayjpForm> UNPUBLISHED = f -> "false".equals(f.value("site_published"));

    static final List<Field> BASIC = List.of(
            new Field("product_name", Type.STRING, ALWAYS),
            new Field("product_reading_name", Type.KANA, ALWAYS),
            new Field("product_english_name", Type.ASCII, ALWAYS),
            new Field("url", Type.URL, ALWAYS),
            new Field("service_start_at", Type.MONTH, ALWAYS),
            new Field("using_service", Type.STRING, OPTIONAL),
            new Field("product_detail", Type.TEXT, ALWAYS),
            new Field("product_detail_document", Type.FILE, OPTIONAL),
            new Field("delete_product_detail_document", Type.FILE_ID, OPTIONAL),
            new Field("product_price_min", Type.AMOUNT, ALWAYS),
            new Field("product_price_max", Type.AMOUNT, ALWAYS),
            new Field("business_type", Type.BUSINESS_TYPE, ALWAYS),
            new Field("business_name", Type.STRING, COMPANY),
            new Field("business_reading_name", Type.KANA, COMPANY),
            new Field("date_of_establishment", Type.DATE, COMPANY),
            new Field("business_capital", Type.NUMBER, COMPANY),
            new Field("president_lastname", Type.STRING, ALWAYS),
            new Field("president_firstname", Type.STRING, ALWAYS),
            new Field("president_reading_lastname", Type.KANA, ALWAYS),
            new Field("president_reading_firstname", Type.KANA, ALWAYS),
            new Field("president_birth_at", Type.DATE, ALWAYS),
            new Field("president_gender", Type.GENDER, ALWAYS),
            new Field("address_zip", Type.ZIP, ALWAYS),
            new Field("address_state", Type.STATE, ALWAYS),
            new Field("address_city", Type.CITY, ALWAYS),
            new Field("address_line1", Type.LINE, ALWAYS),
            new Field("address_line2", Type.LINE, OPTIONAL),
            new Field("address_reading_state", Type.KANA, ALWAYS),
            new Field("address_reading_city", Type.KANA, ALWAYS),
            new Field("address_reading_line1", Type.KANA, ALWAYS),
            new Field("address_reading_line2", Type.KANA, OPTIONAL),
            new Field("phone", Type.PHONE, ALWAYS),
            new Field("cell_phone", Type.PHONE, OPTIONAL),
            new Field("has_scl_url", Type.BOOL, ALWAYS),
            new Field("scl_business_name", Type.STRING, NO_SCL_URL),
            new Field("scl_contact_person_name", Type.STRING, NO_SCL_URL),
            new Field("scl_email", Type.EMAIL, NO_SCL_URL),
            new Field("scl_phone", Type.PHONE, NO_SCL_URL),
            new Field("scl_address", Type.STRING, NO_SCL_URL),
            new Field("scl_other_fee", Type.TEXT, OPTIONAL),
            new Field("scl_payment_method", Type.TEXT, NO_SCL_URL),
            new Field("scl_time_of_payment", Type.TEXT, NO_SCL_URL),
            new Field("scl_time_of_delivery", Type.TEXT, NO_SCL_URL),
            new Field("scl_return_and_exchange", Type.TEXT, NO_SCL_URL),
            new Field("scl_url", Type.URL, SCL_URL),
            new Field("bank_code", Type.BANK_CODE, ALWAYS),
            new Field("bank_branch_code", Type.BRANCH_CODE, ALWAYS),
            new Field("bank_type", Type.BANK_TYPE, ALWAYS),
            new Field("bank_account_number", Type.ACCOUNT_NUMBER, ALWAYS),
            new Field("bank_person_name", Type.HOLDER, ALWAYS),
            new Field("corporate_number", Type.CORPORATE_NUMBER, COMPANY),
            new Field("license_cert", Type.FILE, OPTIONAL),
            new Field("delete_license_cert", Type.FILE_ID, OPTIONAL),
            new Field("dryrun", Type.BOOL, OPTIONAL));

    /** The shop fields of the additional application and the basic field each one defaults to. */
    static final Map<String, String> SHOP_DEFAULTS = shopDefaults();

    static final List<Field> ADDITIONAL = List.of(
            new Field("product_type", Type.PRODUCT_TYPES, ALWAYS),
            new Field("charge_type", Type.CHARGE_TYPES, ALWAYS),
            new Field("sole_prop", Type.BOOL, ALWAYS),
            new Field("date_of_establishment", Type.DATE, SOLE_PROP),
            new Field("opening_business_cert", Type.FILE, SOLE_PROP),
            new Field("site_published", Type.BOOL, ALWAYS),
            new Field("business_sales_lastyear", Type.NUMBER, ALWAYS),
            new Field("business_detail", Type.TEXT, ALWAYS),
            new Field("has_shop", Type.BOOL, ALWAYS),
            // "has_shop=trueの場合必須", but "デフォルトでは基本情報の ... が入る": required when basic has no default
            new Field("shop_address_zip", Type.ZIP, OPTIONAL),
            new Field("shop_address_state", Type.STATE, OPTIONAL),
            new Field("shop_address_city", Type.CITY, OPTIONAL),
            new Field("shop_address_line1", Type.LINE, OPTIONAL),
            new Field("shop_address_line2", Type.LINE, OPTIONAL),
            new Field("shop_address_reading_state", Type.KANA, OPTIONAL),
            new Field("shop_address_reading_city", Type.KANA, OPTIONAL),
            new Field("shop_address_reading_line1", Type.KANA, OPTIONAL),
            new Field("shop_address_reading_line2", Type.KANA, OPTIONAL),
            new Field("shop_phone", Type.PHONE, OPTIONAL),
            new Field("privacy_policy_url", Type.URL, ALWAYS),
            new Field("ssl_enabled", Type.BOOL, ALWAYS),
            new Field("has_other_fee", Type.BOOL, ALWAYS),
            new Field("delivery_fee", Type.AMOUNT, HAS_OTHER_FEE),
            new Field("delivery_detail", Type.TEXT, HAS_OTHER_FEE),
            new Field("other_fee", Type.AMOUNT, HAS_OTHER_FEE),
            new Field("other_fee_detail", Type.TEXT, HAS_OTHER_FEE),
            new Field("contact_person_lastname", Type.STRING, NOT_SOLE_PROP),
            new Field("contact_person_firstname", Type.STRING, NOT_SOLE_PROP),
            new Field("contact_phone", Type.PHONE, NOT_SOLE_PROP),
            new Field("terms_of_service", Type.TEXT, UNPUBLISHED),
            new Field("dryrun", Type.BOOL, OPTIONAL));

    private static final Set<String> PREFECTURES = Set.of("北海道", "青森", "岩手", "宮城", "秋田", "山形", "福島",
            "茨城", "栃木", "群馬", "埼玉", "千葉", "東京", "神奈川", "新潟", "富山", "石川", "福井", "山梨", "長野", "岐阜",
            "静岡", "愛知", "三重", "滋賀", "京都", "大阪", "兵庫", "奈良", "和歌山", "鳥取", "島根", "岡山", "広島", "山口",
            "徳島", "香川", "愛媛", "高知", "福岡", "佐賀", "長崎", "熊本", "大分", "宮崎", "鹿児島", "沖縄");
    private static final Pattern KANA = Pattern.compile("[\\u30A1-\\u30FC\\uFF66-\\uFF9F0-9\\uFF10-\\uFF19 \\u3000"
            + "\\-\\uFF0D\\u2212\\u2010\\u30FB]+");
    private static final Pattern HOLDER = Pattern.compile("[\\u30A1-\\u30FC\\uFF66-\\uFF9F \\u3000()（）.．]+");
    private static final Pattern ASCII = Pattern.compile("[\\x20-\\x7e]+");
    private static final Pattern URL = Pattern.compile("https?://[^\\s/?#]+\\.[^\\s/?#]+([/?#]\\S*)?");
    private static final Pattern ZIP = Pattern.compile("[0-9]{3}-?[0-9]{4}");
    private static final Pattern PHONE = Pattern.compile("0[0-9-]+");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s.]+(\\.[^@\\s.]+)+");
    private static final Pattern INTEGER = Pattern.compile("[0-9]{1,12}");
    private static final DateTimeFormatter DATE =
            DateTimeFormatter.ofPattern("uuuu-MM-dd").withResolverStyle(ResolverStyle.STRICT);
    private static final DateTimeFormatter MONTH =
            DateTimeFormatter.ofPattern("uuuu-MM").withResolverStyle(ResolverStyle.STRICT);
    private static final Set<String> FILE_EXTENSIONS = Set.of("jpg", "jpeg", "png", "pdf");

    private PayjpApplications() {
    }

    private static Map<String, String> shopDefaults() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String f : List.of("address_zip", "address_state", "address_city", "address_line1", "address_line2",
                "address_reading_state", "address_reading_city", "address_reading_line1", "address_reading_line2")) {
            m.put("shop_" + f, f);
        }
        m.put("shop_phone", "phone");
        return m;
    }

    /**
     * Checks an application's arguments; throws {@link PayjpError.FieldErrors} with every field's error.
     *
     * @param fields   {@link #BASIC} or {@link #ADDITIONAL}
     * @param existing the merchant's application so far (null before the basic one): file ids and shop defaults
     */
    static void check(List<Field> fields, PayjpForm form, ObjectNode existing) {
        Map<String, List<Map.Entry<String, String>>> errors = new LinkedHashMap<>();
        Map<String, Field> byName = new LinkedHashMap<>();
        fields.forEach(f -> byName.put(f.name(), f));
        Set<String> seen = new HashSet<>();
        for (PayjpForm.Part p : form.parts()) {
            Field f = byName.get(p.base());
            boolean array = f != null && (f.type() == Type.PRODUCT_TYPES || f.type() == Type.CHARGE_TYPES);
            if (f == null || p.subKey() != null || (p.array() && !array) || (!array && !seen.add(p.base()))) {
                add(errors, p.name(), "invalid_param_key", "Invalid param key to platform_merchant_application");
            }
        }
        for (Field f : fields) {
            String error = checkOne(f, form, existing);
            if (error != null) {
                int colon = error.indexOf(':');
                add(errors, f.name(), error.substring(0, colon), error.substring(colon + 1));
            }
        }
        if (fields == ADDITIONAL && "true".equals(form.value("has_shop"))) {
            for (Map.Entry<String, String> e : SHOP_DEFAULTS.entrySet()) {
                boolean optional = e.getKey().endsWith("line2");
                if (!form.has(e.getKey()) && !optional
                        && (existing == null || existing.path(e.getValue()).isNull()
                        || existing.path(e.getValue()).isMissingNode())) {
                    add(errors, e.getKey(), "missing_param", MISSING);
                }
            }
        }
        if (fields == BASIC && !errors.containsKey("product_price_min") && !errors.containsKey("product_price_max")
                && form.value("product_price_min") != null && form.value("product_price_max") != null
                && Long.parseLong(form.value("product_price_min")) > Long.parseLong(form.value("product_price_max"))) {
            add(errors, "product_price_max", "invalid_amount", "product_price_max must not be below product_price_min");
        }
        if (!errors.isEmpty()) {
            throw new PayjpError.FieldErrors(errors);
        }
    }

    private static void add(Map<String, List<Map.Entry<String, String>>> errors, String field, String code,
                            String message) {
        errors.computeIfAbsent(field, k -> new ArrayList<>()).add(new AbstractMap.SimpleImmutableEntry<>(code, message));
    }

    /** "code:message" of the field's error, or null. */
    private static String checkOne(Field f, PayjpForm form, ObjectNode existing) {
        if (f.type() == Type.FILE) {
            PayjpForm.Part file = form.file(f.name());
            if (file == null) {
                if (form.value(f.name()) != null) {
                    return "invalid_file:Invalid file: send it as a multipart file";
                }
                return f.required().test(form) ? "missing_param:" + MISSING : null;
            }
            String name = file.filename().toLowerCase(Locale.ROOT);
            int dot = name.lastIndexOf('.');
            if (dot < 0 || !FILE_EXTENSIONS.contains(name.substring(dot + 1)) || file.content().length == 0) {
                return "invalid_file:Invalid file: jpg, jpeg, png or pdf";
            }
            return null;
        }
        if (f.type() == Type.PRODUCT_TYPES || f.type() == Type.CHARGE_TYPES) {
            List<String> values = form.values(f.name());
            if (values.isEmpty()) {
                return f.required().test(form) ? "missing_param:" + MISSING : null;
            }
            Set<String> allowed = f.type() == Type.PRODUCT_TYPES ? Set.of("goods", "services", "contents")
                    : Set.of("charge", "subscription");
            for (String v : values) {
                if (!allowed.contains(v)) {
                    return f.type() == Type.PRODUCT_TYPES ? "invalid_product_type:Invalid product type provided"
                            : "invalid_charge_type:Invalid charge type provided";
                }
            }
            return null;
        }
        String v = form.value(f.name());
        if (v == null || v.isEmpty()) {
            return f.required().test(form) ? "missing_param:" + MISSING : null;
        }
        int max = f.type() == Type.TEXT ? 1000 : 255;
        if (v.length() > max) {
            return "invalid_string_length:Strings must be within " + max + " characters.";
        }
        return switch (f.type()) {
            case STRING, TEXT -> null;
            case KANA -> KANA.matcher(v).matches() ? null : "invalid_character:Invalid character: katakana only";
            case ASCII -> ASCII.matcher(v).matches() ? null : "invalid_character:Invalid character: ASCII only";
            case URL -> URL.matcher(v).matches() ? null : "invalid_url:Invalid URL";
            case MONTH -> parses(v, MONTH, true) ? null : "invalid_format_string:Invalid format: yyyy-MM";
            case DATE -> parses(v, DATE, false) ? null : "invalid_format_string:Invalid format: yyyy-MM-dd";
            case AMOUNT -> INTEGER.matcher(v).matches() ? null : "invalid_amount:Invalid amount";
            case NUMBER -> INTEGER.matcher(v).matches() ? null : "invalid_numerical_value:Invalid numerical value";
            case BOOL -> "true".equals(v) || "false".equals(v) ? null : "invalid_boolean:Invalid boolean";
            case GENDER -> "men".equals(v) || "women".equals(v) ? null : "invalid_gender:Invalid gender";
            case BUSINESS_TYPE -> "company".equals(v) || "sole_prop".equals(v) ? null
                    : "invalid_business_type:Invalid business type";
            case ZIP -> ZIP.matcher(v).matches() ? null : "invalid_address_zip:Invalid zip code";
            case STATE -> PREFECTURES.contains(v.replaceFirst("[都道府県]$", "")) || "北海道".equals(v) ? null
                    : "invalid_address_state:Invalid prefecture";
            case CITY -> v.isBlank() ? "invalid_address_city:Invalid city" : null;
            case LINE -> v.isBlank() ? "invalid_address_line:Invalid address line" : null;
            case PHONE -> {
                String digits = v.replace("-", "");
                yield PHONE.matcher(v).matches() && !v.endsWith("-") && (digits.length() == 10 || digits.length() == 11)
                        ? null : "invalid_phone:Invalid phone number";
            }
            case EMAIL -> EMAIL.matcher(v).matches() ? null : "invalid_email:Invalid email";
            case BANK_CODE -> v.matches("[0-9]{4}") ? null : "invalid_bank_code:Invalid bank code";
            case BRANCH_CODE -> v.matches("[0-9]{3}") ? null : "invalid_bank_branch_code:Invalid bank branch code";
            case BANK_TYPE -> Set.of("普通", "当座", "貯蓄").contains(v) ? null
                    : "invalid_bank_account_type:Invalid bank account type";
            case ACCOUNT_NUMBER -> v.matches("[0-9]{7}") ? null
                    : "invalid_bank_account_number:Invalid bank account number";
            case HOLDER -> HOLDER.matcher(v).matches() ? null
                    : "invalid_bank_account_holder_name:Invalid bank account holder name";
            case CORPORATE_NUMBER -> v.matches("[0-9]{13}") ? null
                    : "invalid_format_string:Invalid format: 13 digits";
            case FILE_ID -> {
                if (!INTEGER.matcher(v).matches()) {
                    yield "invalid_file_id:Invalid file id";
                }
                String filesField = filesField(f.name().substring("delete_".length()));
                ArrayNode files = existing == null || !(existing.get(filesField) instanceof ArrayNode a) ? null : a;
                boolean found = false;
                if (files != null) {
                    for (var id : files) {
                        found |= id.asText().equals(v);
                    }
                }
                yield found ? null : "invalid_file_id:Invalid file id";
            }
            default -> throw new IllegalStateException(f.type().name());
        };
    }

    private static boolean parses(String v, DateTimeFormatter format, boolean month) {
        try {
            if (month) {
                YearMonth.parse(v, format);
            } else {
                LocalDate.parse(v, format);
            }
            return true;
        } catch (DateTimeParseException e) {
            return false;
        }
    }

    /** The application object's array of file ids for a file argument. */
    static String filesField(String fileArgument) {
        return switch (fileArgument) {
            case "product_detail_document" -> "product_detail_document_files";
            case "license_cert" -> "license_cert_files";
            case "opening_business_cert" -> "opening_business_cert_files";
            default -> throw new IllegalArgumentException(fileArgument);
        };
    }

    /**
     * The merchant's application after this one: the documented arguments (minus {@code dryrun}, files and deletions)
     * with their values, typed (integers, booleans, arrays), files as arrays of ids, {@code contact_person} as
     * "last first" like the additional sample's answer.
     */
    static ObjectNode apply(List<Field> fields, PayjpForm form, ObjectNode existing, java.util.function.IntSupplier fileIds) {
        ObjectNode app = existing == null ? emptyApplication() : existing.deepCopy();
        for (Field f : fields) {
            String n = f.name();
            switch (f.type()) {
                case FILE -> {
                    if (form.file(n) != null) {
                        ((ArrayNode) app.get(filesField(n))).add(fileIds.getAsInt());
                    }
                }
                case FILE_ID -> {
                    if (form.value(n) != null) {
                        ArrayNode files = (ArrayNode) app.get(filesField(n.substring("delete_".length())));
                        for (int i = files.size() - 1; i >= 0; i--) {
                            if (files.get(i).asText().equals(form.value(n))) {
                                files.remove(i);
                            }
                        }
                    }
                }
                case PRODUCT_TYPES, CHARGE_TYPES -> {
                    ArrayNode a = app.putArray(n);
                    form.values(n).forEach(a::add);
                }
                case BOOL -> {
                    if (!n.equals("dryrun") && form.value(n) != null) {
                        app.put(n, Boolean.parseBoolean(form.value(n)));
                    }
                }
                case AMOUNT, NUMBER -> {
                    if (form.value(n) != null && !form.value(n).isEmpty()) {
                        app.put(n, Long.parseLong(form.value(n)));
                    }
                }
                default -> {
                    if (form.value(n) != null) {
                        app.put(n, form.value(n));
                    }
                }
            }
        }
        if (fields == ADDITIONAL) {
            if ("true".equals(form.value("has_shop"))) {
                SHOP_DEFAULTS.forEach((shop, basic) -> {
                    if (form.value(shop) == null && !app.path(basic).isMissingNode()) {
                        app.set(shop, app.get(basic).deepCopy());
                    }
                });
            }
            if (form.value("contact_person_lastname") != null) {
                app.put("contact_person", form.value("contact_person_lastname") + " "
                        + form.value("contact_person_firstname"));
            }
            app.remove(List.of("contact_person_lastname", "contact_person_firstname"));
        }
        return app;
    }

    private static ObjectNode emptyApplication() {
        ObjectNode app = PayjpJson.object();
        for (List<Field> list : List.of(BASIC, ADDITIONAL)) {
            for (Field f : list) {
                switch (f.type()) {
                    case FILE -> app.putArray(filesField(f.name()));
                    case FILE_ID -> { }
                    default -> {
                        if (!f.name().equals("dryrun") && !f.name().startsWith("contact_person_")) {
                            app.putNull(f.name());
                        }
                    }
                }
            }
        }
        app.putNull("contact_person");
        app.put("object", "application");
        return app;
    }
}
