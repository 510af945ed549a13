package io.kessai.payment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kessai.api.JsonBody;
import io.kessai.model.FieldError;
import io.kessai.model.FieldRules;
import io.kessai.model.Money;
import io.kessai.model.PaymentOrder;
import io.kessai.model.PaymentOrder.Address;
import io.kessai.model.PaymentOrder.Capture;
import io.kessai.model.PaymentOrder.Customer;
import io.kessai.model.PaymentOrder.Item;
import io.kessai.model.PaymentOrder.Method;
import io.kessai.model.PaymentOrder.ReturnUrls;
import io.kessai.provider.ProviderCatalog;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns a request body into a {@link PaymentOrder} and checks every rule of contract section 3. Every
 * broken rule is collected; provider rules are added later by the chosen provider. The brands and token types an
 * order may name are those of the installed providers' capability tables.
 */
public final class PaymentOrderReader {
    /** The canonical method types of the contract; what each provider takes of them is its capability table's. */
    public static final List<String> METHOD_TYPES = List.of("card", "konbini", "ewallet", "bank_transfer", "hosted_checkout");
    static final List<String> CAPTURE_MODES = List.of(Capture.IMMEDIATE, Capture.MANUAL, Capture.SCHEDULED);
    static final List<String> ITEM_TYPES = List.of("DIGITAL", "PHYSICAL", "SERVICE");
    /** A provider id; whether it is installed, and what it takes, is decided when the provider is chosen (422). */
    private static final Pattern PROVIDER_ID = io.kessai.provider.ProviderModules.ID;
    private static final Pattern ORDER_ID = Pattern.compile("[0-9A-Za-z_-]{1,48}");
    private static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}|SGP-USD");
    private static final Pattern COUNTRY = Pattern.compile("[A-Z]{2}");
    private static final int METADATA_ENTRIES = 20;
    /**
     * Canonical bounds for what no rule of the chosen provider bounds (a provider's tighter limit is checked by the
     * provider): free text, decimal strings, the number of items, and the whole order, which is stored as JSON
     * text of at most 65,535 characters.
     */
    static final int MAX_TEXT = 255;
    static final int MAX_USER_AGENT = 1024;
    static final int MAX_DECIMAL = 32;
    static final int MAX_ITEMS = 100;
    static final int MAX_ORDER_JSON = 60_000;

    private static final Set<String> ORDER_FIELDS = Set.of("orderId", "provider", "amount", "currency", "method",
            "capture", "customer", "billingAddress", "shippingAddress", "items", "description", "returnUrls",
            "platformFee", "metadata");
    private static final Set<String> METHOD_FIELDS = Set.of("type", "token", "tokenType", "memberId", "cardId", "brand");
    private static final Set<String> CAPTURE_FIELDS = Set.of("mode", "at");
    private static final Set<String> CUSTOMER_FIELDS = Set.of("name", "nameKana", "email", "phone", "ip", "id", "userAgent");
    private static final Set<String> ADDRESS_FIELDS = Set.of("name", "line1", "line2", "city", "state", "postalCode", "country");
    private static final Set<String> ITEM_FIELDS = Set.of("name", "quantity", "unitPrice", "type");
    private static final Set<String> RETURN_URL_FIELDS = Set.of("success", "cancel", "failure");

    private final ObjectMapper json;
    private final Clock clock;
    private final ProviderCatalog catalog;

    /** @param catalog the installed providers' brands and token types */
    public PaymentOrderReader(ObjectMapper json, Clock clock, ProviderCatalog catalog) {
        this.json = json;
        this.clock = clock;
        this.catalog = catalog;
    }

    /** A reader for the brands and token types of every provider module on the classpath. */
    public PaymentOrderReader(ObjectMapper json, Clock clock) {
        this(json, clock, ProviderCatalog.discovered());
    }

    /**
     * Parses one JSON document in UTF-8 ({@link JsonBody#readOne}: nothing after it, no repeated key); a body
     * that breaks that or is not a JSON object is one error on the whole body.
     */
    public JsonNode parse(byte[] body, List<FieldError> errors) {
        if (body == null || body.length == 0) {
            errors.add(new FieldError("", "required", "the request body must be a JSON object"));
            return null;
        }
        int before = errors.size();
        JsonNode node = JsonBody.readOne(json, body, errors);
        if (errors.size() > before) {
            return null;
        }
        if (node == null || !node.isObject()) {
            errors.add(new FieldError("", "type", "the request body must be a JSON object"));
            return null;
        }
        return node;
    }

    public PaymentOrder read(JsonNode node, List<FieldError> errors) {
        FieldRules rules = new FieldRules(errors);
        JsonFields f = new JsonFields(node, "", errors, ORDER_FIELDS);

        String orderId = f.string("orderId", true);
        rules.pattern("orderId", orderId, ORDER_ID, "1 to 48 characters of [0-9A-Za-z_-]");

        String provider = f.string("provider", false);
        rules.pattern("provider", provider, PROVIDER_ID, "a provider id: 1 to 32 of [a-z0-9-]");

        String currency = f.string("currency", true);
        boolean currencyOk = rules.pattern("currency", currency, CURRENCY, "an ISO 4217 code such as JPY or USD");
        if (currencyOk && currency != null && !"SGP-USD".equals(currency) && !isIsoCurrency(currency)) {
            rules.add("currency", "enum", "must be an ISO 4217 currency code");
            currencyOk = false;
        }

        String amount = f.string("amount", true);
        BigDecimal amountValue = rules.decimal("amount", amount);
        if (amountValue != null) {
            if (amountValue.signum() <= 0) {
                rules.add("amount", "range", "must be greater than 0");
            } else if (currencyOk && currency != null && amountValue.scale() > fractionDigits(currency)) {
                rules.add("amount", "scale", fractionDigits(currency) == 0
                        ? currency + " has no decimals: write the amount as a whole number"
                        : currency + " allows at most " + fractionDigits(currency) + " decimals");
            }
        }

        Method method = readMethod(f, rules);
        Capture capture = readCapture(f, rules);
        Customer customer = readCustomer(f, rules);
        Address billing = readAddress(f, "billingAddress", rules);
        Address shipping = readAddress(f, "shippingAddress", rules);
        List<Item> items = readItems(f, rules);

        String description = f.string("description", false);
        rules.maxLength("description", description, 255);

        ReturnUrls returnUrls = null;
        JsonFields r = f.object("returnUrls", false, RETURN_URL_FIELDS);
        if (r != null) {
            returnUrls = new ReturnUrls(r.string("success", false), r.string("cancel", false), r.string("failure", false));
            rules.absoluteUrl("returnUrls.success", returnUrls.success(), 2048);
            rules.absoluteUrl("returnUrls.cancel", returnUrls.cancel(), 2048);
            rules.absoluteUrl("returnUrls.failure", returnUrls.failure(), 2048);
        }

        String platformFee = f.string("platformFee", false);
        if (platformFee != null) {
            BigDecimal fee = rules.decimal("platformFee", platformFee);
            if (fee != null && fee.scale() > 0) {
                rules.add("platformFee", "scale", "must be a whole number of JPY");
            } else if (fee != null && amountValue != null && fee.compareTo(amountValue) > 0) {
                rules.add("platformFee", "range", "must not be above amount");
            }
        }

        Map<String, String> metadata = f.stringMap("metadata");
        if (metadata != null) {
            if (metadata.size() > METADATA_ENTRIES) {
                rules.add("metadata", "max_entries", "must have at most " + METADATA_ENTRIES + " entries");
            }
            metadata.forEach((k, v) -> {
                rules.maxLength("metadata." + k, k, 40);
                rules.maxLength("metadata." + k, v, 500);
            });
        }

        if (!rules.has("amount")) {
            rules.maxLength("amount", amount, MAX_DECIMAL);
        }
        if (!rules.has("platformFee")) {
            rules.maxLength("platformFee", platformFee, MAX_DECIMAL);
        }
        if (errors.isEmpty() && tooLarge(node)) {
            rules.add("", "max_length", "the order is too large: at most " + MAX_ORDER_JSON
                    + " characters of JSON once its strings are escaped");
        }
        return new PaymentOrder(orderId, provider, amount, currency, method, capture, customer, billing, shipping,
                items, description, returnUrls, platformFee, metadata);
    }

    private boolean tooLarge(JsonNode node) {
        try {
            return json.writeValueAsString(node).length() > MAX_ORDER_JSON;
        } catch (java.io.IOException e) {
            return true;
        }
    }

    private Method readMethod(JsonFields f, FieldRules rules) {
        JsonFields m = f.object("method", true, METHOD_FIELDS, List.of("type"));
        if (m == null) {
            return null;
        }
        Method method = new Method(m.string("type", true), m.string("token", false), m.string("tokenType", false),
                m.string("memberId", false), m.string("cardId", false), m.string("brand", false));
        rules.oneOf("method.type", method.type(), METHOD_TYPES);
        if (method.tokenType() != null && catalog.tokenTypes().isEmpty()) {
            rules.add("method.tokenType", "enum", "no installed provider reads a token type");
        } else {
            rules.oneOf("method.tokenType", method.tokenType(), List.copyOf(new java.util.TreeSet<>(catalog.tokenTypes())));
        }
        if ("card".equals(method.type())) {
            boolean token = method.token() != null;
            boolean onFile = method.memberId() != null;
            if (token == onFile) {
                rules.add("method.token", "one_of", "a card payment needs exactly one of method.token or method.memberId");
            }
            if (method.cardId() != null && !onFile) {
                rules.add("method.cardId", "requires", "goes with method.memberId");
            }
            rules.maxLength("method.token", method.token(), 4096);
            rules.maxLength("method.memberId", method.memberId(), MAX_TEXT);
            rules.maxLength("method.cardId", method.cardId(), MAX_TEXT);
        } else if (method.type() != null && !catalog.brandsOf(method.type()).isEmpty()) {
            if (method.brand() == null) {
                rules.add("method.brand", "required", "is required for " + method.type());
            } else {
                rules.oneOf("method.brand", method.brand(), List.copyOf(new java.util.TreeSet<>(catalog.brandsOf(method.type()))));
            }
        }
        if (!rules.has("method.brand")) {
            rules.maxLength("method.brand", method.brand(), MAX_TEXT);
        }
        if (method.tokenType() != null && !"card".equals(method.type())) {
            rules.add("method.tokenType", "requires", "goes with method.type card");
        }
        return method;
    }

    private Capture readCapture(JsonFields f, FieldRules rules) {
        JsonFields c = f.object("capture", false, CAPTURE_FIELDS);
        if (c == null) {
            return new Capture(Capture.IMMEDIATE, null);
        }
        String mode = c.string("mode", false);
        String at = c.string("at", false);
        if (mode == null) {
            mode = Capture.IMMEDIATE;
        }
        rules.oneOf("capture.mode", mode, CAPTURE_MODES);
        if (Capture.SCHEDULED.equals(mode)) {
            if (at == null) {
                rules.add("capture.at", "required", "is required when capture.mode is scheduled");
            } else {
                try {
                    OffsetDateTime when = OffsetDateTime.parse(at);
                    if (!when.isAfter(OffsetDateTime.now(clock))) {
                        rules.add("capture.at", "range", "must be in the future");
                    }
                } catch (DateTimeParseException e) {
                    rules.add("capture.at", "format", "must be an ISO-8601 date-time with offset, e.g. 2026-11-30T10:00:00+09:00");
                }
            }
        } else if (at != null) {
            rules.add("capture.at", "requires", "goes only with capture.mode scheduled");
        }
        return new Capture(mode, at);
    }

    private static Customer readCustomer(JsonFields f, FieldRules rules) {
        JsonFields c = f.object("customer", true, CUSTOMER_FIELDS, List.of("name"));
        if (c == null) {
            return null;
        }
        Customer customer = new Customer(c.string("name", true), c.string("nameKana", false), c.string("email", false),
                c.string("phone", false), c.string("ip", false), c.string("id", false), c.string("userAgent", false));
        if (customer.name() != null && customer.name().isBlank()) {
            rules.add("customer.name", "required", "must not be blank");
        }
        rules.email("customer.email", customer.email());
        rules.ip("customer.ip", customer.ip());
        rules.maxLength("customer.name", customer.name(), MAX_TEXT);
        rules.maxLength("customer.nameKana", customer.nameKana(), MAX_TEXT);
        rules.maxLength("customer.phone", customer.phone(), MAX_TEXT);
        rules.maxLength("customer.id", customer.id(), MAX_TEXT);
        rules.maxLength("customer.userAgent", customer.userAgent(), MAX_USER_AGENT);
        return customer;
    }

    private static Address readAddress(JsonFields f, String name, FieldRules rules) {
        JsonFields a = f.object(name, false, ADDRESS_FIELDS);
        if (a == null) {
            return null;
        }
        Address address = new Address(a.string("name", false), a.string("line1", true), a.string("line2", false),
                a.string("city", true), a.string("state", false), a.string("postalCode", false), a.string("country", true));
        rules.pattern(name + ".country", address.country(), COUNTRY, "an ISO 3166-1 alpha-2 code such as JP");
        rules.maxLength(name + ".name", address.name(), MAX_TEXT);
        rules.maxLength(name + ".line1", address.line1(), MAX_TEXT);
        rules.maxLength(name + ".line2", address.line2(), MAX_TEXT);
        rules.maxLength(name + ".city", address.city(), MAX_TEXT);
        rules.maxLength(name + ".state", address.state(), MAX_TEXT);
        rules.maxLength(name + ".postalCode", address.postalCode(), MAX_TEXT);
        return address;
    }

    private static List<Item> readItems(JsonFields f, FieldRules rules) {
        List<JsonFields> list = f.array("items", ITEM_FIELDS);
        if (list == null) {
            return null;
        }
        List<Item> items = new ArrayList<>();
        if (list.size() > MAX_ITEMS) {
            rules.add("items", "max_items", "must have at most " + MAX_ITEMS + " items");
            return items;
        }
        for (int i = 0; i < list.size(); i++) {
            JsonFields it = list.get(i);
            String p = "items[" + i + "]";
            Item item = new Item(it.string("name", true), it.integer("quantity", true), it.string("unitPrice", true),
                    it.string("type", false));
            if (item.quantity() != null && item.quantity() < 1) {
                rules.add(p + ".quantity", "range", "must be at least 1");
            }
            if (rules.decimal(p + ".unitPrice", item.unitPrice()) != null) {
                rules.maxLength(p + ".unitPrice", item.unitPrice(), MAX_DECIMAL);
            }
            rules.maxLength(p + ".name", item.name(), MAX_TEXT);
            rules.oneOf(p + ".type", item.type(), ITEM_TYPES);
            items.add(item);
        }
        return items;
    }

    private static boolean isIsoCurrency(String code) {
        try {
            Currency.getInstance(code);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Decimals a currency allows: JPY 0, USD 2 (see {@link Money#fractionDigits}). */
    public static int fractionDigits(String currency) {
        return Money.fractionDigits(currency);
    }
}
