package io.kessai.provider.itojapan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.model.ErrorCode;
import io.kessai.model.FieldError;
import io.kessai.model.KessaiException;
import io.kessai.provider.ProviderExchange;
import io.kessai.provider.ProviderJson;
import io.kessai.provider.RetryableUpstreamAnswer;
import io.kessai.provider.UpstreamFailures;
import org.apache.camel.Exchange;

import java.io.IOException;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * ITO-Japan's merchant user endpoints for an embedding application ({@code direct:kessai-ito-japan-merchant-*} in
 * {@code routes/providers/ito-japan.camel.yaml}, {@code ito-japan.txt} "Merchant OAuth API Endpoints"). The
 * arguments come as the body (a JSON object or a {@code Map}); each is checked before any call (a {@code 400
 * invalid_request} naming the field; an argument the operation does not take is refused too), and the body becomes
 * ITO-Japan's answer as JSON text ({@code {"code","status","data"[,"meta"]}}).
 *
 * <p>ITO-Japan's refusals come back as {@link KessaiException} with its {@code code} as providerCode: 422 (and
 * 400) → {@code invalid_request} with its {@code errors} field by field (its field names are the arguments' names;
 * KYC values are {@code values.<name>}); 403 on a user → {@code not_found} with the error on {@code user}, code
 * {@code not_owned} (the user was created by another merchant client: the document's ownership rule); 404 →
 * {@code not_found} on {@code user}; 409 → {@code invalid_state} (a submitted KYC is locked); 401 after the one
 * renewal of the token → {@code provider_auth_failed}; 429 is sent again. ITO-Japan takes no idempotency key: a
 * create or change whose answer was lost (a timeout, a 5xx) is {@code provider_timeout} and is never sent again by
 * Kessai; the caller reads the user back.
 */
public final class ItoJapanMerchantUsers {
    static final String USERS = "/api/oauth/merchant/users";
    /** The HTTP method of the merchant call. */
    static final String METHOD = "kessaiItoJapanMethod";
    /** The query string of the merchant call (transactions' paging), or absent. */
    static final String QUERY = "kessaiItoJapanQuery";
    static final int MAX_TEXT = 255;
    static final int MAX_KYC_VALUES = 100;
    static final int MAX_KYC_TEXT = 1000;
    private static final Pattern USER_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");
    private static final Pattern PHONE = Pattern.compile("\\+?[0-9-]{6,20}");
    private static final Pattern COUNTRY = Pattern.compile("[A-Z]{2}");
    private static final Pattern KYC_NAME = Pattern.compile("[a-z][a-z0-9_]{0,63}");
    private static final Pattern WHOLE = Pattern.compile("[0-9]{1,9}");
    private static final Set<String> PROFILE = Set.of("name", "email", "phone", "date_of_birth", "country", "address");

    private final ObjectMapper json;

    public ItoJapanMerchantUsers(ObjectMapper json) {
        this.json = json;
    }

    /** {@code POST /users}: {@code name} and {@code email} required, {@code phone} optional. */
    public void create(Exchange exchange) {
        Map<String, JsonNode> args = args(exchange, Set.of("name", "email", "phone"));
        List<FieldError> errors = new ArrayList<>();
        ObjectNode body = json.createObjectNode();
        text(args, "name", true, errors, body);
        email(args, true, errors, body);
        phone(args, errors, body);
        failOn(errors);
        call(exchange, "POST", USERS, body, null);
    }

    /** {@code PATCH /users/{user}/profile}: one or more of name, email, phone, date_of_birth, country, address. */
    public void profilePatch(Exchange exchange) {
        Set<String> allowed = new TreeSet<>(PROFILE);
        allowed.add("user");
        Map<String, JsonNode> args = args(exchange, allowed);
        String user = user(args);
        List<FieldError> errors = new ArrayList<>();
        ObjectNode body = json.createObjectNode();
        text(args, "name", false, errors, body);
        email(args, false, errors, body);
        phone(args, errors, body);
        JsonNode birth = args.get("date_of_birth");
        if (birth != null) {
            if (!birth.isTextual() || !pastDate(birth.asText())) {
                errors.add(new FieldError("date_of_birth", "format", "date_of_birth is a date before today, yyyy-MM-dd"));
            } else {
                body.put("date_of_birth", birth.asText());
            }
        }
        JsonNode country = args.get("country");
        if (country != null) {
            if (!country.isTextual() || !COUNTRY.matcher(country.asText()).matches()) {
                errors.add(new FieldError("country", "format", "country is an ISO 3166-1 alpha-2 code in capitals (JP)"));
            } else {
                body.put("country", country.asText());
            }
        }
        text(args, "address", false, errors, body);
        if (errors.isEmpty() && body.isEmpty()) {
            errors.add(new FieldError("profile", "required", "at least one of " + String.join(", ", new TreeSet<>(PROFILE))
                    + " is required"));
        }
        failOn(errors);
        call(exchange, "PATCH", USERS + "/" + user + "/profile", body, null);
    }

    /** {@code GET /users/{user}/balance}. */
    public void balance(Exchange exchange) {
        call(exchange, "GET", USERS + "/" + user(args(exchange, Set.of("user"))) + "/balance", null, null);
    }

    /** {@code GET /users/{user}/transactions}: {@code page} ≥ 1 and {@code per_page} 1..100, both optional. */
    public void transactions(Exchange exchange) {
        Map<String, JsonNode> args = args(exchange, Set.of("user", "page", "per_page"));
        String user = user(args);
        List<FieldError> errors = new ArrayList<>();
        Map<String, Long> query = new LinkedHashMap<>();
        whole(args, "page", 1, 1_000_000, query, errors);
        whole(args, "per_page", 1, 100, query, errors);
        failOn(errors);
        StringBuilder q = new StringBuilder();
        query.forEach((k, v) -> q.append(q.isEmpty() ? "" : "&").append(k).append('=').append(v));
        call(exchange, "GET", USERS + "/" + user + "/transactions", null, q.isEmpty() ? null : q.toString());
    }

    /** {@code GET /users/{user}/cards}. */
    public void cards(Exchange exchange) {
        call(exchange, "GET", USERS + "/" + user(args(exchange, Set.of("user"))) + "/cards", null, null);
    }

    /** {@code GET /users/{user}/kyc}: the KYC form's schema and the values saved so far. */
    public void kycGet(Exchange exchange) {
        call(exchange, "GET", USERS + "/" + user(args(exchange, Set.of("user"))) + "/kyc", null, null);
    }

    /** {@code PATCH /users/{user}/kyc}: a draft of some {@code values}. */
    public void kycPatch(Exchange exchange) {
        kycSave(exchange, "PATCH");
    }

    /** {@code PUT /users/{user}/kyc}: every value (ITO-Japan checks that the form is complete). */
    public void kycPut(Exchange exchange) {
        kycSave(exchange, "PUT");
    }

    /** {@code POST /users/{user}/kyc/submit}: locks the KYC for review. */
    public void kycSubmit(Exchange exchange) {
        call(exchange, "POST", USERS + "/" + user(args(exchange, Set.of("user"))) + "/kyc/submit",
                json.createObjectNode(), null);
    }

    /**
     * The form's fields are ITO-Japan's (GET kyc gives the schema), so Kessai checks the shape only: an object of
     * 1 to 100 values named in lower case, each a string of at most 1000 characters, a number, a boolean or null (a
     * draft's null clears the value). ITO-Japan checks each against its form and answers field by field.
     */
    private void kycSave(Exchange exchange, String method) {
        Map<String, JsonNode> args = args(exchange, Set.of("user", "values"));
        String user = user(args);
        JsonNode values = args.get("values");
        List<FieldError> errors = new ArrayList<>();
        if (values == null) {
            errors.add(new FieldError("values", "required", "values (the KYC form's fields by name) is required"));
        } else if (!values.isObject() || values.isEmpty() || values.size() > MAX_KYC_VALUES) {
            errors.add(new FieldError("values", "type", "values is an object of 1 to " + MAX_KYC_VALUES + " form fields"));
        } else {
            for (Iterator<Map.Entry<String, JsonNode>> it = values.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                String field = "values." + f.getKey();
                JsonNode v = f.getValue();
                if (!KYC_NAME.matcher(f.getKey()).matches()) {
                    errors.add(new FieldError(field, "name", "a KYC field's name is a lower-case letter and up to 63"
                            + " lower-case letters, digits and _"));
                } else if (!(v.isNull() || v.isTextual() || v.isNumber() || v.isBoolean())) {
                    errors.add(new FieldError(field, "type", "a KYC value is a string, a number, a boolean or null"));
                } else if (v.isTextual() && v.asText().length() > MAX_KYC_TEXT) {
                    errors.add(new FieldError(field, "max_length", "a KYC value is at most " + MAX_KYC_TEXT + " characters"));
                }
            }
        }
        failOn(errors);
        ObjectNode body = json.createObjectNode();
        body.set("values", values);
        call(exchange, method, USERS + "/" + user + "/kyc", body, null);
    }

    // ------------------------------------------------------------------ the call and its answer

    private void call(Exchange exchange, String method, String path, ObjectNode body, String query) {
        String text;
        try {
            text = body == null ? null : json.writeValueAsString(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        exchange.setProperty(METHOD, method);
        exchange.setProperty(QUERY, query);
        exchange.setProperty(ProviderExchange.UPSTREAM_PATH, path);
        // one in-flight group for the merchant user endpoints
        exchange.setProperty(ProviderExchange.UPSTREAM_GROUP, ItoJapanProvider.ID + USERS);
        exchange.setProperty(ProviderExchange.UPSTREAM_BODY, text);
        exchange.getMessage().setBody(text);
    }

    /** The headers of one send: JSON in and out, and the paging query. */
    public void headers(Exchange exchange) {
        var message = exchange.getMessage();
        message.setHeader("Accept", "application/json");
        if (exchange.getProperty(ProviderExchange.UPSTREAM_BODY) != null) {
            message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        } else {
            message.removeHeader(Exchange.CONTENT_TYPE);
        }
        String query = exchange.getProperty(QUERY, String.class);
        if (query != null) {
            message.setHeader(Exchange.HTTP_QUERY, query);
        } else {
            message.removeHeader(Exchange.HTTP_QUERY);
        }
    }

    /** Judges ITO-Japan's answer to one merchant call (after the token's one renewal). */
    public void check(Exchange exchange) {
        int status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        String body = exchange.getMessage().getBody(String.class);
        exchange.getMessage().setBody(body);
        JsonNode answer = ProviderJson.parseOrNull(json, body);
        boolean object = answer != null && answer.isObject();
        String code = object ? answer.path("code").asText(String.valueOf(status)) : String.valueOf(status);
        String message = object ? ProviderJson.text(answer, "message") : null;
        String said = message == null ? "" : ": " + message;
        String operation = exchange.getProperty(METHOD, String.class) + " " + exchange.getProperty(ProviderExchange.UPSTREAM_PATH, String.class);
        boolean read = "GET".equals(exchange.getProperty(METHOD, String.class));
        String user = userOf(exchange.getProperty(ProviderExchange.UPSTREAM_PATH, String.class));
        if (status == 200 || status == 201) {
            if (!object) {
                if (read) {
                    throw new KessaiException(ErrorCode.PROVIDER_ERROR, "ito-japan answered " + operation
                            + " with something that is not a JSON object", List.of(), UpstreamFailures.UNREADABLE, null);
                }
                throw UpstreamFailures.unknown("ito-japan answered " + operation + " with something that is not a JSON"
                        + " object; whether it acted is not known: read the user back before sending it again",
                        UpstreamFailures.UNREADABLE);
            }
            return;
        }
        if (status == 429) {
            throw new RetryableUpstreamAnswer(status, code, true);
        }
        if (status == 401) {
            throw new KessaiException(ErrorCode.PROVIDER_AUTH_FAILED, "ito-japan refused Kessai's merchant OAuth token"
                    + " for " + operation + " (a freshly fetched token too)" + said, List.of(), code, null);
        }
        if (status == 403 && user != null) {
            throw new KessaiException(ErrorCode.NOT_FOUND, "ito-japan user " + user + " does not belong to this"
                    + " merchant: it was created by another OAuth client" + said,
                    List.of(new FieldError("user", "not_owned", "user " + user + " belongs to another merchant client"
                            + " (ito-japan answered 403" + said + ")")), code, null);
        }
        if (status == 403) {
            throw new KessaiException(ErrorCode.PROVIDER_AUTH_FAILED, "ito-japan refused " + operation + said,
                    List.of(), code, null);
        }
        if (status == 404 && user != null) {
            throw new KessaiException(ErrorCode.NOT_FOUND, "ito-japan has no user " + user + said,
                    List.of(new FieldError("user", "not_found", "ito-japan has no user " + user + said)), code, null);
        }
        if (status == 409) {
            throw new KessaiException(ErrorCode.INVALID_STATE, "ito-japan refused " + operation + " in the user's"
                    + " present state" + said, List.of(), code, null);
        }
        if (status == 422 || status == 400) {
            List<FieldError> fields = fieldErrors(answer);
            StringBuilder detail = new StringBuilder("ito-japan refused ").append(operation).append(said);
            for (FieldError f : fields) {
                detail.append(" ").append(f.field()).append(": ").append(f.message());
            }
            throw new KessaiException(ErrorCode.INVALID_REQUEST, detail.toString(), fields, code, null);
        }
        if (status >= 500 && !read) {
            throw UpstreamFailures.unknown("ito-japan failed " + operation + " with HTTP " + status + "; whether it"
                    + " acted is not known: read the user back before sending it again", code);
        }
        throw new KessaiException(ErrorCode.PROVIDER_ERROR, "ito-japan answered " + operation + " with HTTP " + status
                + said, List.of(), code, null);
    }

    /**
     * A failed merchant call: an unknown outcome is told in terms of the user (the shared template speaks of
     * payments); everything else is passed on as it is.
     */
    public void failed(Exchange exchange) {
        KessaiException e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, KessaiException.class);
        if (e == null) {
            throw new IllegalStateException("a merchant call failed without a KessaiException");
        }
        if (e.code() == ErrorCode.PROVIDER_TIMEOUT && !e.getMessage().contains("read the user back")) {
            String operation = exchange.getProperty(METHOD, String.class) + " "
                    + exchange.getProperty(ProviderExchange.UPSTREAM_PATH, String.class);
            boolean read = "GET".equals(exchange.getProperty(METHOD, String.class));
            throw new KessaiException(ErrorCode.PROVIDER_TIMEOUT, "ito-japan sent no answer to " + operation + " in time"
                    + (read ? "; nothing was changed" : "; whether it acted is not known: read the user back before"
                    + " sending it again"), e.errors(), e.providerCode(), null);
        }
        throw e;
    }

    /** The answer as JSON text; no header of the call (the Authorization among them) reaches the caller. */
    public String answer(Exchange exchange) {
        exchange.getMessage().removeHeaders("*");
        return exchange.getMessage().getBody(String.class);
    }

    private static String userOf(String path) {
        if (path == null || !path.startsWith(USERS + "/")) {
            return null;
        }
        String rest = path.substring(USERS.length() + 1);
        int slash = rest.indexOf('/');
        return slash < 0 ? rest : rest.substring(0, slash);
    }

    private static List<FieldError> fieldErrors(JsonNode answer) {
        List<FieldError> errors = new ArrayList<>();
        JsonNode e = answer == null ? null : answer.get("errors");
        if (e != null && e.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = e.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                JsonNode v = f.getValue();
                if (v.isArray() && !v.isEmpty()) {
                    v.forEach(m -> errors.add(new FieldError(f.getKey(), "provider_rule", m.asText())));
                } else {
                    errors.add(new FieldError(f.getKey(), "provider_rule", v.asText()));
                }
            }
        }
        return errors;
    }

    // ------------------------------------------------------------------ arguments

    /** The body as arguments; an argument the operation does not take is refused. */
    private Map<String, JsonNode> args(Exchange exchange, Set<String> allowed) {
        return io.kessai.provider.ActionArguments.read(json, exchange, allowed, Set.of("values"));
    }

    private static void failOn(List<FieldError> errors) {
        if (!errors.isEmpty()) {
            throw KessaiException.invalid(errors);
        }
    }

    /** ITO-Japan's user id (the document's example: 123): a whole number, or 1 to 64 letters, digits, - and _. */
    private static String user(Map<String, JsonNode> args) {
        JsonNode v = args.get("user");
        if (v == null) {
            throw KessaiException.invalid("user", "required", "user (ito-japan's user id) is required");
        }
        String id = v.isIntegralNumber() && v.asLong() > 0 ? v.asText() : v.isTextual() ? v.asText() : "";
        if (!USER_ID.matcher(id).matches()) {
            throw KessaiException.invalid("user", "pattern", "user is ito-japan's user id: a whole number above 0, or"
                    + " 1 to 64 letters, digits, - and _");
        }
        return id;
    }

    private static void text(Map<String, JsonNode> args, String field, boolean required, List<FieldError> errors,
                             ObjectNode body) {
        JsonNode v = args.get(field);
        if (v == null) {
            if (required) {
                errors.add(new FieldError(field, "required", field + " is required"));
            }
            return;
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            errors.add(new FieldError(field, "type", field + " is a non-blank string"));
        } else if (v.asText().codePointCount(0, v.asText().length()) > MAX_TEXT) {
            errors.add(new FieldError(field, "max_length", field + " is at most " + MAX_TEXT + " characters"));
        } else {
            body.put(field, v.asText());
        }
    }

    private static void email(Map<String, JsonNode> args, boolean required, List<FieldError> errors, ObjectNode body) {
        JsonNode v = args.get("email");
        if (v == null) {
            if (required) {
                errors.add(new FieldError("email", "required", "email is required"));
            }
            return;
        }
        if (!v.isTextual() || !EMAIL.matcher(v.asText()).matches() || v.asText().length() > MAX_TEXT) {
            errors.add(new FieldError("email", "format", "email is an e-mail address of at most " + MAX_TEXT + " characters"));
        } else {
            body.put("email", v.asText());
        }
    }

    private static void phone(Map<String, JsonNode> args, List<FieldError> errors, ObjectNode body) {
        JsonNode v = args.get("phone");
        if (v == null) {
            return;
        }
        if (!v.isTextual() || !PHONE.matcher(v.asText()).matches()) {
            errors.add(new FieldError("phone", "format", "phone is 6 to 20 digits and -, with an optional leading +"));
        } else {
            body.put("phone", v.asText());
        }
    }

    private static void whole(Map<String, JsonNode> args, String field, long min, long max, Map<String, Long> q,
                              List<FieldError> errors) {
        JsonNode v = args.get(field);
        if (v == null) {
            return;
        }
        String text = v.isIntegralNumber() || v.isTextual() ? v.asText() : "";
        if (!WHOLE.matcher(text).matches() || Long.parseLong(text) < min || Long.parseLong(text) > max) {
            errors.add(new FieldError(field, "range", field + " is a whole number from " + min + " to " + max));
            return;
        }
        q.put(field, Long.parseLong(text));
    }

    private static boolean pastDate(String s) {
        try {
            return s.length() == 10 && LocalDate.parse(s).isBefore(LocalDate.now(java.time.ZoneOffset.UTC));
        } catch (DateTimeParseException e) {
            return false;
        }
    }
}
