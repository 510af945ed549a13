package io.kessai.provider.itojapan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kessai.model.ErrorCode;
import io.kessai.model.FieldError;
import io.kessai.model.KessaiException;
import io.kessai.provider.ProviderExchange;
import io.kessai.provider.ProviderJson;
import io.kessai.provider.RetryableUpstreamAnswer;
import io.kessai.provider.UpstreamFailures;
import org.apache.camel.Exchange;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * ITO-Japan's Marketplace API (and the wallet deposit history) for an embedding application
 * ({@code direct:kessai-ito-japan-marketplace-*} in {@code routes/providers/ito-japan.camel.yaml}): orders list and
 * detail, ship, settlements, wallet deposits. The arguments are the body (a JSON object, or a {@code Map}); every
 * argument is checked before the call (a {@code 400 invalid_request} naming the field; one the operation does not
 * take is refused too), and the body becomes ITO-Japan's answer as JSON text ({@code {code,status,data[,meta]}}).
 *
 * <p>Each send ({@link #prepare}, in the attempt route {@code ito-japan-marketplace-attempt}) carries the access key
 * as Bearer and, when {@code marketplace.signed}, the document's optional {@code X-Timestamp} and {@code X-Signature}
 * (lowercase hex HMAC-SHA256 with the secret key of timestamp + "." + the exact body bytes, an empty body for a GET),
 * fresh on each send. ITO-Japan's answers ({@link #check}): 401/403 provider_auth_failed, 404 not_found, 409
 * invalid_state, 400/422 invalid_request with ITO-Japan's fields mapped to the arguments, 429 sent again, a 5xx of a
 * GET sent again (a read changes nothing) and of a ship left unknown (provider_timeout). A ship repeated after an
 * unknown outcome is safe: ITO-Japan's 409 for an order already shipped with the same tracking number and carrier is
 * answered with that order ({@link #shipRefused}).
 */
public final class ItoJapanMarketplace {
    /** Set on an exchange whose upstream call is a marketplace call (the attempt route hands it on). */
    public static final String MARKETPLACE = "kessaiItoJapanMarketplace";
    static final String METHOD = "kessaiItoJapanMethod";
    static final String QUERY = "kessaiItoJapanQuery";
    /** Set by {@link #check} when ITO-Japan answered a ship 409: the message, for {@link #shipRefused}. */
    static final String SHIP_REFUSED = "kessaiItoJapanShipRefused";
    private static final String SHIP_ARGS = "kessaiItoJapanShipArgs";
    static final String ORDERS = "/api/merchant/orders";
    static final String SETTLEMENTS = "/api/merchant/settlements";
    static final String DEPOSITS = "/api/merchant/wallet/deposits";
    static final Set<String> ORDER_STATUSES = Set.of("pending", "paid", "cancelled", "refunded");
    static final Set<String> ESCROW_STATUSES = Set.of("holding", "shipped", "delivered", "released", "disputed");
    private static final Pattern NUMBER = Pattern.compile("[A-Za-z0-9-]{1,64}");
    private static final Pattern TRACKING = Pattern.compile("[A-Za-z0-9-]{1,64}");
    private static final Pattern WHOLE = Pattern.compile("[0-9]{1,9}");
    static final int MAX_CARRIER = 50;

    private final ItoJapanSettings settings;
    private final ItoJapanMarketplaceSettings marketplace;
    private final ObjectMapper json;
    private final Clock clock;

    public ItoJapanMarketplace(ItoJapanSettings settings, ItoJapanMarketplaceSettings marketplace, ObjectMapper json,
                               Clock clock) {
        this.settings = settings;
        this.marketplace = marketplace;
        this.json = json;
        this.clock = clock;
    }

    // ------------------------------------------------------------------ operations

    /** {@code GET /api/merchant/orders}: {@code status}, {@code escrow_status}, {@code per_page} 1..100, {@code page}. */
    public void orders(Exchange exchange) {
        Map<String, JsonNode> args = args(exchange, Set.of("status", "escrow_status", "per_page", "page"));
        List<FieldError> errors = new ArrayList<>();
        Map<String, String> q = new LinkedHashMap<>();
        oneOf(args, "status", ORDER_STATUSES, q, errors);
        oneOf(args, "escrow_status", ESCROW_STATUSES, q, errors);
        paging(args, q, errors);
        get(exchange, ORDERS, q, errors);
    }

    /** {@code GET /api/merchant/orders/{number}}. */
    public void order(Exchange exchange) {
        Map<String, JsonNode> args = args(exchange, Set.of("number"));
        get(exchange, ORDERS + "/" + number(args), Map.of(), List.of());
    }

    /** {@code POST /api/merchant/orders/{number}/ship}: {@code tracking_number} and {@code carrier}, both required. */
    public void ship(Exchange exchange) {
        Map<String, JsonNode> args = args(exchange, Set.of("number", "tracking_number", "carrier"));
        List<FieldError> errors = new ArrayList<>();
        String number = null;
        try {
            number = number(args);
        } catch (KessaiException e) {
            errors.addAll(e.errors());
        }
        JsonNode tracking = args.get("tracking_number");
        if (tracking == null) {
            errors.add(new FieldError("tracking_number", "required", "tracking_number is required"));
        } else if (!tracking.isTextual() || !TRACKING.matcher(tracking.asText()).matches()) {
            errors.add(new FieldError("tracking_number", "pattern",
                    "tracking_number is 1 to 64 letters, digits and dashes"));
        }
        JsonNode carrier = args.get("carrier");
        if (carrier == null) {
            errors.add(new FieldError("carrier", "required", "carrier is required"));
        } else if (!carrier.isTextual() || carrier.asText().isBlank()) {
            errors.add(new FieldError("carrier", "type", "carrier is a non-blank string"));
        } else if (carrier.asText().codePointCount(0, carrier.asText().length()) > MAX_CARRIER) {
            errors.add(new FieldError("carrier", "max_length", "carrier is at most " + MAX_CARRIER + " characters"));
        }
        if (!errors.isEmpty()) {
            throw KessaiException.invalid(errors);
        }
        Map<String, String> body = new LinkedHashMap<>();
        body.put("tracking_number", tracking.asText());
        body.put("carrier", carrier.asText());
        exchange.setProperty(SHIP_ARGS, body);
        try {
            set(exchange, "POST", ORDERS + "/" + number + "/ship", null, json.writeValueAsString(body));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code GET /api/merchant/settlements}: {@code per_page} 1..100, {@code page}. */
    public void settlements(Exchange exchange) {
        Map<String, JsonNode> args = args(exchange, Set.of("per_page", "page"));
        List<FieldError> errors = new ArrayList<>();
        Map<String, String> q = new LinkedHashMap<>();
        paging(args, q, errors);
        get(exchange, SETTLEMENTS, q, errors);
    }

    /** {@code GET /api/merchant/wallet/deposits}: {@code per_page} 1..100, {@code page}. */
    public void walletDeposits(Exchange exchange) {
        Map<String, JsonNode> args = args(exchange, Set.of("per_page", "page"));
        List<FieldError> errors = new ArrayList<>();
        Map<String, String> q = new LinkedHashMap<>();
        paging(args, q, errors);
        get(exchange, DEPOSITS, q, errors);
    }

    /**
     * ITO-Japan refused a ship with 409: the order is asked for ({@code GET /api/merchant/orders/{number}}), so that
     * a ship whose first answer was lost is recognised ({@link #shipRefusedAnswer}).
     */
    public void shipRefused(Exchange exchange) {
        String path = exchange.getProperty(ProviderExchange.UPSTREAM_PATH, String.class);
        exchange.setProperty(SHIP_ARGS + ".message", exchange.getProperty(SHIP_REFUSED));
        exchange.removeProperty(SHIP_REFUSED);
        get(exchange, path.substring(0, path.length() - "/ship".length()), Map.of(), List.of());
    }

    /** The order already shipped with this tracking number and carrier: the ship is done; anything else: 409. */
    public String shipRefusedAnswer(Exchange exchange) {
        String body = answer(exchange);
        JsonNode order = ProviderJson.parseOrNull(json, body).path("data");
        @SuppressWarnings("unchecked")
        Map<String, String> asked = exchange.getProperty(SHIP_ARGS, Map.class);
        if ("shipped".equals(ProviderJson.text(order, "escrow_status"))
                && asked.get("tracking_number").equals(ProviderJson.text(order, "tracking_number"))
                && asked.get("carrier").equals(ProviderJson.text(order, "carrier"))) {
            return body;
        }
        Object message = exchange.getProperty(SHIP_ARGS + ".message");
        throw new KessaiException(ErrorCode.INVALID_STATE, "ito-japan refused to ship the order"
                + (message == null ? "" : ": " + message) + " (status " + ProviderJson.text(order, "status")
                + ", escrow_status " + ProviderJson.text(order, "escrow_status") + ")", List.of(), "409", null);
    }

    // ------------------------------------------------------------------ one send

    /** One send: the Bearer key, the method and query, and (when {@code marketplace.signed}) a fresh signature. */
    public void prepare(Exchange exchange) {
        String body = exchange.getProperty(ProviderExchange.UPSTREAM_BODY, String.class);
        byte[] bytes = (body == null ? "" : body).getBytes(StandardCharsets.UTF_8);
        var message = exchange.getMessage();
        message.removeHeader(ProviderExchange.IDEMPOTENCY_KEY_HEADER);
        message.setHeader("Authorization", "Bearer " + settings.accessKey());
        message.setHeader("Accept", "application/json");
        String query = exchange.getProperty(QUERY, String.class);
        if (query != null) {
            message.setHeader(Exchange.HTTP_QUERY, query);
        }
        if ("POST".equals(exchange.getProperty(METHOD))) {
            message.setHeader(Exchange.CONTENT_TYPE, "application/json");
            message.setBody(bytes);
        } else {
            message.setBody(null);
        }
        if (marketplace.signed()) {
            String timestamp = String.valueOf(clock.instant().getEpochSecond());
            message.setHeader("X-Timestamp", timestamp);
            message.setHeader("X-Signature", ItoJapanSignature.hex(settings.secretKey(), timestamp, bytes));
        }
    }

    /** Judges each marketplace answer (see the class comment). */
    public void check(Exchange exchange) {
        int status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        String body = exchange.getMessage().getBody(String.class);
        exchange.getMessage().setBody(body);
        JsonNode answer = ProviderJson.parseOrNull(json, body);
        String code = answer == null || !answer.isObject() ? String.valueOf(status)
                : answer.path("code").asText(String.valueOf(status));
        String message = ProviderJson.text(answer, "message");
        String path = exchange.getProperty(ProviderExchange.UPSTREAM_PATH, String.class);
        boolean post = "POST".equals(exchange.getProperty(METHOD));
        String what = exchange.getProperty(METHOD) + " " + path;
        if (status >= 200 && status < 300) {
            if (answer == null || !answer.isObject()) {
                throw post ? UpstreamFailures.unreadable(ItoJapanProvider.ID, "HTTP " + status + " without a JSON object")
                        : new KessaiException(ErrorCode.PROVIDER_ERROR, "ito-japan answered " + what
                        + " with something that is not a JSON object", List.of(), code, null);
            }
            return;
        }
        if (status == 429) {
            throw new RetryableUpstreamAnswer(status, code, true);
        }
        if (status >= 500) {
            if (post) {
                throw UpstreamFailures.unknown("ito-japan failed with HTTP " + status + " to " + what
                        + "; whether it registered the shipment is not known: ask for the order, or ship again", code);
            }
            throw new RetryableUpstreamAnswer(status, code, true);   // a read changes nothing
        }
        String said = message == null ? "" : ": " + message;
        if (status == 401 || status == 403) {
            throw new KessaiException(ErrorCode.PROVIDER_AUTH_FAILED, "ito-japan refused Kessai's credentials or signature"
                    + said, List.of(), code, null);
        }
        if (status == 404) {
            throw new KessaiException(ErrorCode.NOT_FOUND, "ito-japan has no " + (path.startsWith(ORDERS + "/")
                    ? "order " + path.substring(ORDERS.length() + 1).replace("/ship", "") + " of this merchant"
                    : "such resource (" + path + ")") + said, List.of(), code, null);
        }
        if (status == 409 && post) {
            exchange.setProperty(SHIP_REFUSED, message == null ? "HTTP 409" : message);
            return;
        }
        if (status == 409) {
            throw new KessaiException(ErrorCode.INVALID_STATE, "ito-japan refused " + what + said, List.of(), code, null);
        }
        if (status == 400 || status == 422) {
            List<FieldError> fields = fieldErrors(answer);
            StringBuilder detail = new StringBuilder("ito-japan refused the request").append(said);
            for (FieldError f : fields) {
                detail.append(" ").append(f.field()).append(": ").append(f.message());
            }
            throw new KessaiException(ErrorCode.INVALID_REQUEST, detail.toString(), fields, code, null);
        }
        throw new KessaiException(ErrorCode.PROVIDER_ERROR, "ito-japan answered HTTP " + status + " to " + what + said,
                List.of(), code, null);
    }

    /** ITO-Japan's 2xx answer as JSON text. */
    public String answer(Exchange exchange) {
        String body = exchange.getMessage().getBody(String.class);
        JsonNode node = ProviderJson.parseOrNull(json, body);
        if (node == null || !node.isObject()) {
            throw new KessaiException(ErrorCode.PROVIDER_ERROR, "ito-japan answered something that is not a JSON object");
        }
        exchange.removeProperty(MARKETPLACE);
        return body;
    }

    private static List<FieldError> fieldErrors(JsonNode answer) {
        List<FieldError> errors = new ArrayList<>();
        JsonNode e = answer == null ? null : answer.get("errors");
        if (e != null && e.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = e.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                String text = f.getValue().isArray() && !f.getValue().isEmpty() ? f.getValue().get(0).asText() : f.getValue().asText();
                errors.add(new FieldError(f.getKey(), "provider_rule", text));   // the arguments carry ITO-Japan's names
            }
        }
        return errors;
    }

    // ------------------------------------------------------------------ arguments

    /** The body as arguments; an argument the operation does not take is refused. */
    private Map<String, JsonNode> args(Exchange exchange, Set<String> allowed) {
        return io.kessai.provider.ActionArguments.read(json, exchange, allowed, Set.of());
    }

    private static String number(Map<String, JsonNode> args) {
        JsonNode n = args.get("number");
        if (n == null) {
            throw KessaiException.invalid("number", "required", "the order number (ORD-...) is required");
        }
        if (!n.isTextual() || !NUMBER.matcher(n.asText()).matches()) {
            throw KessaiException.invalid("number", "pattern", "an order number is 1 to 64 letters, digits and dashes");
        }
        return n.asText();
    }

    private static void oneOf(Map<String, JsonNode> args, String field, Set<String> values, Map<String, String> q,
                              List<FieldError> errors) {
        JsonNode v = args.get(field);
        if (v == null) {
            return;
        }
        if (!v.isTextual() || !values.contains(v.asText())) {
            errors.add(new FieldError(field, "enum", field + " is one of " + String.join(", ", new TreeSet<>(values))));
        } else {
            q.put(field, v.asText());
        }
    }

    private static void paging(Map<String, JsonNode> args, Map<String, String> q, List<FieldError> errors) {
        whole(args, "per_page", 1, 100, q, errors);
        whole(args, "page", 1, 999_999_999, q, errors);
    }

    private static void whole(Map<String, JsonNode> args, String field, long min, long max, Map<String, String> q,
                              List<FieldError> errors) {
        JsonNode v = args.get(field);
        if (v == null) {
            return;
        }
        String text = v.isIntegralNumber() || v.isTextual() ? v.asText() : "";
        if (!WHOLE.matcher(text).matches()) {
            errors.add(new FieldError(field, "type", field + " is a whole number"));
            return;
        }
        long n = Long.parseLong(text);
        if (n < min || n > max) {
            errors.add(new FieldError(field, "range", field + " is " + min + (max >= 999_999_999 ? " or more" : " to " + max)));
            return;
        }
        q.put(field, Long.toString(n));
    }

    private void get(Exchange exchange, String path, Map<String, String> q, List<FieldError> errors) {
        if (!errors.isEmpty()) {
            throw KessaiException.invalid(errors);
        }
        StringJoiner query = new StringJoiner("&");
        q.forEach((k, v) -> query.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        set(exchange, "GET", path, q.isEmpty() ? null : query.toString(), "");
    }

    private static void set(Exchange exchange, String method, String path, String query, String body) {
        exchange.setProperty(MARKETPLACE, true);
        exchange.setProperty(METHOD, method);
        if (query == null) {
            exchange.removeProperty(QUERY);
        } else {
            exchange.setProperty(QUERY, query);
        }
        exchange.setProperty(ProviderExchange.UPSTREAM_PATH, path);
        // one in-flight group per operation: /api/merchant/orders/{number}/ship counts as ship, not per order
        String group = path.startsWith(ORDERS + "/") ? (path.endsWith("/ship") ? ORDERS + "/ship" : ORDERS + "/detail") : path;
        exchange.setProperty(ProviderExchange.UPSTREAM_GROUP, ItoJapanProvider.ID + group);
        exchange.setProperty(ProviderExchange.UPSTREAM_BODY, body);
        exchange.getMessage().setBody(body);
    }
}
