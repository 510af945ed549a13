package io.kessai.provider.payjp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.model.FieldError;
import io.kessai.model.KessaiException;
import io.kessai.provider.ProviderExchange;
import io.kessai.provider.ProviderJson;
import io.kessai.provider.UpstreamFailures;
import org.apache.camel.Exchange;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The PAY.JP Platform merchants for an embedding application ({@code direct:kessai-payjp-merchant-*} in
 * {@code routes/providers/payjp.camel.yaml}): the arguments come as the body (a JSON object, or a {@code Map}),
 * every documented argument is checked before the call (a {@code 400 invalid_request} naming the field; an argument
 * the document does not list is refused too), and the body becomes PAY.JP's answer (JSON text: the account object,
 * the list object, or {@code {"deleted":true,"id"}}). The account object carries the merchant's API keys: the
 * caller gets them, Kessai never logs or stores them.
 */
public final class PayjpMerchants {
    private static final Pattern ACCOUNT_ID = Pattern.compile("acct_[A-Za-z0-9]{1,64}");
    private static final Pattern WHOLE = Pattern.compile("[0-9]{1,18}");
    /** While {@code list-all} walks the pages. */
    static final String WALKING = "kessaiPayjpWalking";
    private static final String COLLECTED = "kessaiPayjpCollected";
    private static final String ARGS = "kessaiPayjpListArgs";
    static final int MAX_DISPLAY_NAME = 255;

    private final ObjectMapper json;

    public PayjpMerchants(ObjectMapper json) {
        this.json = json;
    }

    /** {@code POST /platform/merchants}: {@code display_name} (optional, at most 255 characters). */
    public void create(Exchange exchange) {
        Map<String, JsonNode> args = args(exchange, Set.of("display_name"));
        Map<String, String> form = new LinkedHashMap<>();
        String name = string(args, "display_name", false, MAX_DISPLAY_NAME);
        if (name != null) {
            form.put("display_name", name);
        }
        post(exchange, "/platform/merchants", form);
    }

    /** {@code GET /platform/merchants/:id}. */
    public void retrieve(Exchange exchange) {
        Map<String, JsonNode> args = args(exchange, Set.of("id"));
        PayjpRequests.get(exchange, "/platform/merchants/" + accountId(args), null);
    }

    /** {@code DELETE /platform/merchants/:id}. */
    public void delete(Exchange exchange) {
        Map<String, JsonNode> args = args(exchange, Set.of("id"));
        PayjpRequests.delete(exchange, "/platform/merchants/" + accountId(args));
    }

    /** {@code POST /platform/merchants/:id/keys}: {@code keytype}, {@code accessmode}, {@code timing}, all required. */
    public void rotateKeys(Exchange exchange) {
        Map<String, JsonNode> args = args(exchange, Set.of("id", "keytype", "accessmode", "timing"));
        String id = accountId(args);
        List<FieldError> errors = new ArrayList<>();
        Map<String, String> form = new LinkedHashMap<>();
        oneOf(args, "keytype", Set.of("public", "secret"), form, errors);
        oneOf(args, "accessmode", Set.of("livemode", "testmode"), form, errors);
        oneOf(args, "timing", Set.of("now", "24hours"), form, errors);
        if (!errors.isEmpty()) {
            throw KessaiException.invalid(errors);
        }
        post(exchange, "/platform/merchants/" + id + "/keys", form);
    }

    /** {@code POST /platform/merchants/:id/applications/basic} (multipart, files as file parts, {@code dryrun}). */
    public void applyBasic(Exchange exchange) {
        apply(exchange, "basic", PayjpApplicationArguments.BASIC);
    }

    /** {@code POST /platform/merchants/:id/applications/additional} (multipart, {@code dryrun}). */
    public void applyAdditional(Exchange exchange) {
        apply(exchange, "additional", PayjpApplicationArguments.ADDITIONAL);
    }

    private void apply(Exchange exchange, String kind, List<PayjpApplicationArguments.Arg> spec) {
        Set<String> allowed = new java.util.HashSet<>();
        spec.forEach(a -> allowed.add(a.name()));
        allowed.add("id");
        Map<String, JsonNode> args = args(exchange, allowed);
        String id = accountId(args);
        PayjpApplicationArguments.Multipart body = PayjpApplicationArguments.check(spec, args);
        post(exchange, "/platform/merchants/" + id + "/applications/" + kind, Map.of());
        exchange.setProperty(PayjpRequests.MULTIPART, body.body());
        exchange.setProperty(PayjpRequests.MULTIPART_TYPE, body.contentType());
    }

    /** {@code GET /platform/merchants}: {@code limit} 1..100, {@code offset} ≥ 0, {@code since}/{@code until} Unix timestamps. */
    public void list(Exchange exchange) {
        Map<String, JsonNode> args = args(exchange, Set.of("limit", "offset", "since", "until"));
        PayjpRequests.get(exchange, "/platform/merchants", query(listArgs(args)));
    }

    /** The first page of {@code list-all} (the arguments of {@link #list} but {@code offset}; 100 a page by default). */
    public void listAllStart(Exchange exchange) {
        Map<String, JsonNode> args = args(exchange, Set.of("limit", "since", "until"));
        Map<String, Long> q = listArgs(args);
        q.putIfAbsent("limit", 100L);
        exchange.setProperty(ARGS, q);
        exchange.setProperty(COLLECTED, json.createArrayNode());
        exchange.setProperty(WALKING, true);
        page(exchange, 0);
    }

    /** Adds a page's accounts; asks for the next page while PAY.JP has more. */
    public void listAllPage(Exchange exchange) {
        JsonNode list = readList(exchange.getMessage().getBody(String.class));
        ArrayNode all = exchange.getProperty(COLLECTED, ArrayNode.class);
        all.addAll((ArrayNode) list.get("data"));
        if (list.get("has_more").asBoolean() && !list.get("data").isEmpty()) {
            page(exchange, all.size());
        } else {
            exchange.setProperty(WALKING, false);
        }
    }

    /** Every account as one list object ({@code has_more} false). */
    public String listAllResult(Exchange exchange) {
        ArrayNode all = exchange.getProperty(COLLECTED, ArrayNode.class);
        ObjectNode list = json.createObjectNode();
        list.put("count", all.size());
        list.set("data", all);
        list.put("has_more", false);
        list.put("object", "list");
        list.put("url", "/v1/platform/merchants");
        return list.toString();
    }

    /** PAY.JP's 2xx answer as JSON text (an object, or a failure whose outcome is unknown). */
    public String answer(Exchange exchange) {
        String body = exchange.getMessage().getBody(String.class);
        JsonNode node = ProviderJson.parseOrNull(json, body);
        if (node == null || !node.isObject()) {
            throw UpstreamFailures.unreadable("PAY.JP", "a Platform answer that is not a JSON object");
        }
        return body;
    }

    private void page(Exchange exchange, long offset) {
        @SuppressWarnings("unchecked")
        Map<String, Long> q = new LinkedHashMap<>(exchange.getProperty(ARGS, Map.class));
        q.put("offset", offset);
        PayjpRequests.get(exchange, "/platform/merchants", query(q));
    }

    private JsonNode readList(String body) {
        JsonNode list = ProviderJson.parseOrNull(json, body);
        if (list == null || !"list".equals(ProviderJson.text(list, "object")) || list.get("data") == null
                || !list.get("data").isArray() || list.get("has_more") == null || !list.get("has_more").isBoolean()) {
            throw UpstreamFailures.unreadable("PAY.JP", "a merchant list without data or has_more");
        }
        return list;
    }

    private static void post(Exchange exchange, String path, Map<String, String> form) {
        String key = exchange.getMessage().getHeader(ProviderExchange.IDEMPOTENCY_KEY_HEADER, String.class);
        exchange.setProperty(PayjpRequests.IDEMPOTENCY_KEY, key != null && !key.isBlank() ? key : UUID.randomUUID().toString());
        PayjpRequests.post(exchange, path, form);
    }

    // ------------------------------------------------------------------ arguments

    /** The body as arguments; an argument the operation does not document is refused. */
    private Map<String, JsonNode> args(Exchange exchange, Set<String> allowed) {
        return io.kessai.provider.ActionArguments.read(json, exchange, allowed, java.util.Set.of());
    }

    private static String accountId(Map<String, JsonNode> args) {
        JsonNode id = args.get("id");
        if (id == null) {
            throw KessaiException.invalid("id", "required", "the merchant's account id (acct_...) is required");
        }
        if (!id.isTextual() || !ACCOUNT_ID.matcher(id.asText()).matches()) {
            throw KessaiException.invalid("id", "pattern", "an account id is acct_ followed by letters and digits");
        }
        return id.asText();
    }

    private static String string(Map<String, JsonNode> args, String field, boolean required, int max) {
        JsonNode v = args.get(field);
        if (v == null) {
            if (required) {
                throw KessaiException.invalid(field, "required", field + " is required");
            }
            return null;
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            throw KessaiException.invalid(field, "type", field + " is a non-blank string");
        }
        if (v.asText().codePointCount(0, v.asText().length()) > max) {
            throw KessaiException.invalid(field, "max_length", field + " is at most " + max + " characters");
        }
        return v.asText();
    }

    private static void oneOf(Map<String, JsonNode> args, String field, Set<String> values, Map<String, String> form,
                              List<FieldError> errors) {
        JsonNode v = args.get(field);
        String allowed = String.join(" or ", new java.util.TreeSet<>(values));
        if (v == null) {
            errors.add(new FieldError(field, "required", field + " is required (" + allowed + ")"));
        } else if (!v.isTextual() || !values.contains(v.asText())) {
            errors.add(new FieldError(field, "enum", field + " is " + allowed));
        } else {
            form.put(field, v.asText());
        }
    }

    private static Map<String, Long> listArgs(Map<String, JsonNode> args) {
        List<FieldError> errors = new ArrayList<>();
        Map<String, Long> q = new LinkedHashMap<>();
        whole(args, "limit", 1, 100, q, errors);
        whole(args, "offset", 0, Long.MAX_VALUE, q, errors);
        whole(args, "since", 0, Long.MAX_VALUE, q, errors);
        whole(args, "until", 0, Long.MAX_VALUE, q, errors);
        if (errors.isEmpty() && q.containsKey("since") && q.containsKey("until") && q.get("since") > q.get("until")) {
            errors.add(new FieldError("until", "range", "until is not before since"));
        }
        if (!errors.isEmpty()) {
            throw KessaiException.invalid(errors);
        }
        return q;
    }

    private static void whole(Map<String, JsonNode> args, String field, long min, long max, Map<String, Long> q,
                              List<FieldError> errors) {
        JsonNode v = args.get(field);
        if (v == null) {
            return;
        }
        String text = v.isIntegralNumber() ? v.asText() : v.isTextual() ? v.asText() : "";
        if (!WHOLE.matcher(text).matches()) {
            errors.add(new FieldError(field, "type", field + " is a whole number" + (field.equals("since")
                    || field.equals("until") ? " (a Unix timestamp in seconds)" : "")));
            return;
        }
        long n = Long.parseLong(text);
        if (n < min || n > max) {
            errors.add(new FieldError(field, "range", field + " is " + min + (max == Long.MAX_VALUE ? " or more" : " to " + max)));
            return;
        }
        q.put(field, n);
    }

    private static String query(Map<String, Long> q) {
        if (q.isEmpty()) {
            return null;
        }
        StringJoiner j = new StringJoiner("&");
        q.forEach((k, v) -> j.add(k + "=" + v));
        return j.toString();
    }
}
