package io.kessai.provider.payjp;

import com.fasterxml.jackson.databind.JsonNode;
import io.kessai.model.FieldError;
import io.kessai.model.KessaiException;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The documented arguments of the Platform API's basic and additional applications (payjp-platform.txt,
 * "マーチャントの基本情報登録" and "マーチャントの追加情報登録"): each with its type and when it is required (必須, or
 * required given another argument, e.g. "business_type=companyの場合必須"), checked before the call, then sent as
 * {@code multipart/form-data} (files as file parts, arrays as {@code name[]}). What the document states is checked
 * here (presence, type, the enumerations it lists, file extensions, the date forms of its samples); the finer forms
 * (kana, phone, bank codes) are PAY.JP's, whose field errors come back field by field.
 *
 * <p>A file argument is {@code {"filename":"doc.pdf","content":"<base64>"}} (or a Map with a {@code byte[]} content).
 */
final class PayjpApplicationArguments {
    enum Type { TEXT, INTEGER, BOOLEAN, FILE, FILE_ID, MONTH, DATE, BUSINESS_TYPE, PRODUCT_TYPES, CHARGE_TYPES }

    record Arg(String name, Type type, Predicate<Map<String, JsonNode>> required) {
    }

    private static final Predicate<Map<String, JsonNode>> ALWAYS = a -> true;
    private static final Predicate<Map<String, JsonNode>> OPTIONAL = a -> false;
    private static final Predicate<Map<String, JsonNode>> COMPANY = a -> is(a, "business_type", "company");
    private static final Predicate<Map<String, JsonNode>> NO_SCL_URL = a -> is(a, "has_scl_url", "false");
    private static final Predicate<Map<String, JsonNode>> SCL_URL = a -> is(a, "has_scl_url", "true");
    private static final Predicate<Map<String, JsonNode>> SOLE_PROP = a -> is(a, "sole_prop", "true");
    private static final Predicate<Map<String, JsonNode>> NOT_SOLE_PROP = a -> is(a, "sole_prop", "false");
    private static final Predicate<Map<String, JsonNode>> HAS_OTHER_FEE = a -> is(a, "has_other_fee", "true");
    private static final Predicate<Map<String, JsonNode>> UNPUBLISHED = a -> is(a, "site_published", "false");

    static final List<Arg> BASIC = List.of(
            new Arg("product_name", Type.TEXT, ALWAYS), new Arg("product_reading_name", Type.TEXT, ALWAYS),
            new Arg("product_english_name", Type.TEXT, ALWAYS), new Arg("url", Type.TEXT, ALWAYS),
            new Arg("service_start_at", Type.MONTH, ALWAYS), new Arg("using_service", Type.TEXT, OPTIONAL),
            new Arg("product_detail", Type.TEXT, ALWAYS), new Arg("product_detail_document", Type.FILE, OPTIONAL),
            new Arg("delete_product_detail_document", Type.FILE_ID, OPTIONAL),
            new Arg("product_price_min", Type.INTEGER, ALWAYS), new Arg("product_price_max", Type.INTEGER, ALWAYS),
            new Arg("business_type", Type.BUSINESS_TYPE, ALWAYS), new Arg("business_name", Type.TEXT, COMPANY),
            new Arg("business_reading_name", Type.TEXT, COMPANY), new Arg("date_of_establishment", Type.DATE, COMPANY),
            new Arg("business_capital", Type.INTEGER, COMPANY), new Arg("president_lastname", Type.TEXT, ALWAYS),
            new Arg("president_firstname", Type.TEXT, ALWAYS), new Arg("president_reading_lastname", Type.TEXT, ALWAYS),
            new Arg("president_reading_firstname", Type.TEXT, ALWAYS), new Arg("president_birth_at", Type.DATE, ALWAYS),
            new Arg("president_gender", Type.TEXT, ALWAYS), new Arg("address_zip", Type.TEXT, ALWAYS),
            new Arg("address_state", Type.TEXT, ALWAYS), new Arg("address_city", Type.TEXT, ALWAYS),
            new Arg("address_line1", Type.TEXT, ALWAYS), new Arg("address_line2", Type.TEXT, OPTIONAL),
            new Arg("address_reading_state", Type.TEXT, ALWAYS), new Arg("address_reading_city", Type.TEXT, ALWAYS),
            new Arg("address_reading_line1", Type.TEXT, ALWAYS), new Arg("address_reading_line2", Type.TEXT, OPTIONAL),
            new Arg("phone", Type.TEXT, ALWAYS), new Arg("cell_phone", Type.TEXT, OPTIONAL),
            new Arg("has_scl_url", Type.BOOLEAN, ALWAYS), new Arg("scl_business_name", Type.TEXT, NO_SCL_URL),
            new Arg("scl_contact_person_name", Type.TEXT, NO_SCL_URL), new Arg("scl_email", Type.TEXT, NO_SCL_URL),
            new Arg("scl_phone", Type.TEXT, NO_SCL_URL), new Arg("scl_address", Type.TEXT, NO_SCL_URL),
            new Arg("scl_other_fee", Type.TEXT, OPTIONAL), new Arg("scl_payment_method", Type.TEXT, NO_SCL_URL),
            new Arg("scl_time_of_payment", Type.TEXT, NO_SCL_URL), new Arg("scl_time_of_delivery", Type.TEXT, NO_SCL_URL),
            new Arg("scl_return_and_exchange", Type.TEXT, NO_SCL_URL), new Arg("scl_url", Type.TEXT, SCL_URL),
            new Arg("bank_code", Type.TEXT, ALWAYS), new Arg("bank_branch_code", Type.TEXT, ALWAYS),
            new Arg("bank_type", Type.TEXT, ALWAYS), new Arg("bank_account_number", Type.TEXT, ALWAYS),
            new Arg("bank_person_name", Type.TEXT, ALWAYS), new Arg("corporate_number", Type.TEXT, COMPANY),
            new Arg("license_cert", Type.FILE, OPTIONAL), new Arg("delete_license_cert", Type.FILE_ID, OPTIONAL),
            new Arg("dryrun", Type.BOOLEAN, OPTIONAL));

    static final List<Arg> ADDITIONAL = List.of(
            new Arg("product_type", Type.PRODUCT_TYPES, ALWAYS), new Arg("charge_type", Type.CHARGE_TYPES, ALWAYS),
            new Arg("sole_prop", Type.BOOLEAN, ALWAYS), new Arg("date_of_establishment", Type.DATE, SOLE_PROP),
            new Arg("opening_business_cert", Type.FILE, SOLE_PROP), new Arg("site_published", Type.BOOLEAN, ALWAYS),
            new Arg("business_sales_lastyear", Type.INTEGER, ALWAYS), new Arg("business_detail", Type.TEXT, ALWAYS),
            new Arg("has_shop", Type.BOOLEAN, ALWAYS),
            // the shop_* default to the basic application's address and phone
            new Arg("shop_address_zip", Type.TEXT, OPTIONAL), new Arg("shop_address_state", Type.TEXT, OPTIONAL),
            new Arg("shop_address_city", Type.TEXT, OPTIONAL), new Arg("shop_address_line1", Type.TEXT, OPTIONAL),
            new Arg("shop_address_line2", Type.TEXT, OPTIONAL), new Arg("shop_address_reading_state", Type.TEXT, OPTIONAL),
            new Arg("shop_address_reading_city", Type.TEXT, OPTIONAL),
            new Arg("shop_address_reading_line1", Type.TEXT, OPTIONAL),
            new Arg("shop_address_reading_line2", Type.TEXT, OPTIONAL), new Arg("shop_phone", Type.TEXT, OPTIONAL),
            new Arg("privacy_policy_url", Type.TEXT, ALWAYS), new Arg("ssl_enabled", Type.BOOLEAN, ALWAYS),
            new Arg("has_other_fee", Type.BOOLEAN, ALWAYS), new Arg("delivery_fee", Type.INTEGER, HAS_OTHER_FEE),
            new Arg("delivery_detail", Type.TEXT, HAS_OTHER_FEE), new Arg("other_fee", Type.INTEGER, HAS_OTHER_FEE),
            new Arg("other_fee_detail", Type.TEXT, HAS_OTHER_FEE),
            new Arg("contact_person_lastname", Type.TEXT, NOT_SOLE_PROP),
            new Arg("contact_person_firstname", Type.TEXT, NOT_SOLE_PROP),
            new Arg("contact_phone", Type.TEXT, NOT_SOLE_PROP), new Arg("terms_of_service", Type.TEXT, UNPUBLISHED),
            new Arg("dryrun", Type.BOOLEAN, OPTIONAL));

    private static final Pattern WHOLE = Pattern.compile("[0-9]{1,15}");
    private static final Pattern MONTH = Pattern.compile("[0-9]{4}-(0[1-9]|1[0-2])");
    private static final Pattern DATE = Pattern.compile("[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])");
    private static final Set<String> FILE_TYPES = Set.of("jpg", "jpeg", "png", "pdf");

    /** A multipart body and its Content-Type. */
    record Multipart(byte[] body, String contentType) {
    }

    private PayjpApplicationArguments() {
    }

    private static boolean is(Map<String, JsonNode> a, String name, String value) {
        JsonNode v = a.get(name);
        return v != null && value.equals(v.asText());
    }

    /** Checks every argument (all errors at once) and builds the multipart body. */
    static Multipart check(List<Arg> spec, Map<String, JsonNode> args) {
        List<FieldError> errors = new ArrayList<>();
        Map<String, Arg> byName = new LinkedHashMap<>();
        spec.forEach(a -> byName.put(a.name(), a));
        for (String name : args.keySet()) {
            if (!byName.containsKey(name) && !name.equals("id")) {
                errors.add(new FieldError(name, "unknown", "not an argument of this application"));
            }
        }
        String boundary = "kessai-" + UUID.randomUUID();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Arg a : spec) {
            JsonNode v = args.get(a.name());
            if (v == null) {
                if (a.required().test(args)) {
                    errors.add(new FieldError(a.name(), "required", a.name() + " is required"
                            + (a.required() == ALWAYS ? "" : " here")));
                }
                continue;
            }
            String problem = check(a, v);
            if (problem != null) {
                errors.add(new FieldError(a.name(), problem.substring(0, problem.indexOf(':')),
                        problem.substring(problem.indexOf(':') + 1)));
                continue;
            }
            switch (a.type()) {
                case PRODUCT_TYPES, CHARGE_TYPES -> v.forEach(e -> part(out, boundary, a.name() + "[]", e.asText()));
                case FILE -> {
                    String filename = v.get("filename").asText();
                    byte[] content = v.get("content").isBinary() ? binary(v.get("content"))
                            : Base64.getDecoder().decode(v.get("content").asText());
                    file(out, boundary, a.name(), filename, content);
                }
                default -> part(out, boundary, a.name(), v.asText());
            }
        }
        if (!errors.isEmpty()) {
            throw KessaiException.invalid(errors);
        }
        write(out, "--" + boundary + "--\r\n");
        return new Multipart(out.toByteArray(), "multipart/form-data; boundary=" + boundary);
    }

    private static byte[] binary(JsonNode n) {
        try {
            return n.binaryValue();
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** null, or "code:message". */
    private static String check(Arg a, JsonNode v) {
        String text = v.isValueNode() ? v.asText() : null;
        return switch (a.type()) {
            case TEXT -> text == null || !(v.isTextual() || v.isNumber()) || text.isBlank() ? "type:a non-blank string" : null;
            case INTEGER, FILE_ID -> text == null || !WHOLE.matcher(text).matches() || v.isBoolean()
                    ? "type:a whole number (0 or more)" : null;
            case BOOLEAN -> v.isBoolean() || "true".equals(text) || "false".equals(text) ? null : "type:true or false";
            case MONTH -> text != null && MONTH.matcher(text).matches() ? null : "format:a month as yyyy-MM";
            case DATE -> text != null && DATE.matcher(text).matches() ? null : "format:a date as yyyy-MM-dd";
            case BUSINESS_TYPE -> "company".equals(text) || "sole_prop".equals(text) ? null : "enum:company or sole_prop";
            case PRODUCT_TYPES -> values(v, Set.of("goods", "services", "contents"));
            case CHARGE_TYPES -> values(v, Set.of("charge", "subscription"));
            case FILE -> file(v);
        };
    }

    private static String values(JsonNode v, Set<String> allowed) {
        String list = String.join(", ", new java.util.TreeSet<>(allowed));
        if (!v.isArray() || v.isEmpty()) {
            return "type:a non-empty array of " + list;
        }
        for (JsonNode e : v) {
            if (!e.isTextual() || !allowed.contains(e.asText())) {
                return "enum:each one of " + list;
            }
        }
        return null;
    }

    private static String file(JsonNode v) {
        JsonNode name = v.get("filename");
        JsonNode content = v.get("content");
        if (!v.isObject() || name == null || !name.isTextual() || content == null || !(content.isTextual() || content.isBinary())) {
            return "type:a file {filename, content (base64)}";
        }
        String n = name.asText();
        int dot = n.lastIndexOf('.');
        if (dot < 0 || !FILE_TYPES.contains(n.substring(dot + 1).toLowerCase(Locale.ROOT)) || n.contains("\"")
                || n.contains("\r") || n.contains("\n")) {
            return "file_type:a jpg, jpeg, png or pdf file";
        }
        if (content.isTextual()) {
            try {
                Base64.getDecoder().decode(content.asText());
            } catch (IllegalArgumentException e) {
                return "type:the file's content in base64";
            }
        }
        return null;
    }

    private static void part(ByteArrayOutputStream out, String boundary, String name, String value) {
        write(out, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n"
                + "Content-Type: text/plain; charset=UTF-8\r\n\r\n" + value + "\r\n");
    }

    private static void file(ByteArrayOutputStream out, String boundary, String name, String filename, byte[] content) {
        String ext = filename.substring(filename.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        String type = ext.equals("pdf") ? "application/pdf" : ext.equals("png") ? "image/png" : "image/jpeg";
        write(out, "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\""
                + filename + "\"\r\nContent-Type: " + type + "\r\n\r\n");
        out.writeBytes(content);
        write(out, "\r\n");
    }

    private static void write(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }
}
