package io.kessai.sandbox.itojapan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.kessai.sandbox.LoopbackHttpServer;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The ITO-Japan sandbox's Marketplace API and Crypto Wallet deposit history ({@code ito-japan.txt}, "Marketplace API"
 * and "Crypto Wallet API"), served by {@link ItoJapanSandbox} under {@code /api/merchant/}.
 *
 * <h2>What it implements</h2>
 * <ul>
 *   <li>Every request: {@code Authorization: Bearer <access key>} of a known merchant (else 401
 *       {@code {code:401,status:"error",message:"Invalid API credentials."}}). The HMAC headers are optional, as the
 *       document says: when either {@code X-Timestamp} or {@code X-Signature} is present, both must be, the timestamp
 *       (Unix seconds) within 5 minutes of the sandbox's clock either way, and the signature the lowercase hex
 *       HMAC-SHA256 with the merchant's secret key of timestamp + "." + the exact body bytes (empty for a GET);
 *       else 401. {@link #requests()} records whether each request came signed.</li>
 *   <li>{@code GET /api/merchant/orders}: the merchant's orders, newest first; {@code status} (pending, paid,
 *       cancelled, refunded) and {@code escrow_status} (holding, shipped, delivered, released, disputed) filter;
 *       {@code per_page} 1..100 (default 20, as the document says of listings) and {@code page} 1 or more.</li>
 *   <li>{@code GET /api/merchant/orders/{number}}: one order; another merchant's order or an unknown number is
 *       404 {@code "Order not found."} (the document: verify that the order belongs to the authenticated
 *       merchant).</li>
 *   <li>{@code POST /api/merchant/orders/{number}/ship} ({@code application/json}, else 415): the order must be the
 *       merchant's (404); {@code tracking_number} (required, 1..64 of letters, digits and {@code -}) and
 *       {@code carrier} (required, 1..50 characters) (else 422 per field); the order {@code paid}, physically
 *       shipped and still {@code holding} in escrow (else 409). Its escrow becomes {@code shipped}.</li>
 *   <li>{@code GET /api/merchant/settlements} and {@code GET /api/merchant/wallet/deposits}: the merchant's records,
 *       newest first, {@code per_page} and {@code page} as above. A deposit has exactly the document's fields.</li>
 * </ul>
 * Answers: {@code {code:200,status:"success",data}} (the document's wallet answer shape); lists add
 * {@code meta {current_page,last_page,per_page,total}}; errors {@code {code,status:"error",message}} with
 * {@code errors {field:[message]}} on a 422, as the sandbox's /payment/process answers them. A path the sandbox does
 * not model (listings, inquiries, the USDT balance) answers 404.
 */
public final class ItoJapanMarketplaceApi {
    static final String PREFIX = "/api/merchant/";
    private static final Duration WINDOW = Duration.ofMinutes(5);
    private static final int MAX_BODY = 64 * 1024;
    private static final Pattern ORDER = Pattern.compile("/api/merchant/orders/([A-Za-z0-9-]{1,64})");
    private static final Pattern SHIP = Pattern.compile("/api/merchant/orders/([A-Za-z0-9-]{1,64})/ship");
    private static final Pattern TRACKING = Pattern.compile("[A-Za-z0-9-]{1,64}");
    private static final Pattern TIMESTAMP = Pattern.compile("[0-9]{1,12}");
    private static final Pattern WHOLE = Pattern.compile("[0-9]{1,9}");

    /** One request the API answered: whether it carried verified signature headers, and its HTTP status. */
    public record Request(String method, String path, String query, boolean signed, int status) {
    }

    private final ItoJapanMarketplaceState state;
    private final ObjectMapper json;
    private final Clock clock;
    private final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
    /** Whether the request this thread serves came signed (the JDK server shares exchange attributes across requests). */
    private final ThreadLocal<Boolean> signed = ThreadLocal.withInitial(() -> Boolean.FALSE);

    ItoJapanMarketplaceApi(ItoJapanMarketplaceState state, ObjectMapper json, Clock clock) {
        this.state = state;
        this.json = json;
        this.clock = clock;
    }

    /** Every request answered, oldest first. */
    public List<Request> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    void handle(HttpExchange exchange, String path, String method) throws IOException {
        signed.set(Boolean.FALSE);
        try {
            serve(exchange, path, method);
        } finally {
            signed.remove();
        }
    }

    private int serve(HttpExchange exchange, String path, String method) throws IOException {
        ItoJapanMarketplaceState.Merchant merchant = merchant(exchange);
        if (merchant == null) {
            return error(exchange, 401, "Invalid API credentials.");
        }
        byte[] raw = LoopbackHttpServer.readBody(exchange, MAX_BODY);
        if (raw == null) {
            return error(exchange, 413, "Payload too large.");
        }
        String timestamp = exchange.getRequestHeaders().getFirst("X-Timestamp");
        String signature = exchange.getRequestHeaders().getFirst("X-Signature");
        if (timestamp != null || signature != null) {
            String refused = signatureProblem(merchant, timestamp, signature, raw);
            if (refused != null) {
                return error(exchange, 401, refused);
            }
            signed.set(Boolean.TRUE);
        }
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        Matcher ship = SHIP.matcher(path);
        Matcher order = ORDER.matcher(path);
        if (ship.matches()) {
            return "POST".equals(method) ? ship(exchange, merchant, ship.group(1), raw) : notAllowed(exchange, "POST");
        }
        if (!"GET".equals(method) && (order.matches() || path.equals(PREFIX + "orders")
                || path.equals(PREFIX + "settlements") || path.equals(PREFIX + "wallet/deposits"))) {
            return notAllowed(exchange, "GET");
        }
        if (order.matches()) {
            return state.order(order.group(1)).filter(o -> o.merchantId() == merchant.id())
                    .map(o -> send(exchange, 200, success().set("data", order(o))))
                    .orElseGet(() -> error(exchange, 404, "Order not found."));
        }
        return switch (path) {
            case PREFIX + "orders" -> orders(exchange, merchant, query);
            case PREFIX + "settlements" -> page(exchange, query, Map.of(), state.settlements(merchant.id()), this::settlement);
            case PREFIX + "wallet/deposits" -> page(exchange, query, Map.of(), state.deposits(merchant.id()), this::deposit);
            default -> error(exchange, 404, "Not found.");
        };
    }

    private ItoJapanMarketplaceState.Merchant merchant(HttpExchange exchange) {
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        if (auth == null || !auth.startsWith("Bearer ")) {
            return null;
        }
        String given = auth.substring("Bearer ".length());
        for (ItoJapanMarketplaceState.Merchant m : state.merchants()) {
            if (equal(given, m.accessKey())) {
                return m;
            }
        }
        return null;
    }

    private String signatureProblem(ItoJapanMarketplaceState.Merchant m, String timestamp, String signature, byte[] raw) {
        if (timestamp == null || signature == null || !TIMESTAMP.matcher(timestamp).matches()) {
            return "Missing or invalid signature headers.";
        }
        long age = clock.instant().getEpochSecond() - Long.parseLong(timestamp);
        if (Math.abs(age) > WINDOW.toSeconds()) {
            return "Request timestamp is outside the allowed window.";
        }
        if (!equal(signature, ItoJapanSandbox.hmacHex(m.secretKey(), timestamp, raw))) {
            return "Invalid signature.";
        }
        return null;
    }

    // ---- operations ------------------------------------------------------------------------------------

    private int orders(HttpExchange exchange, ItoJapanMarketplaceState.Merchant merchant, Map<String, String> query) {
        Map<String, String> errors = new LinkedHashMap<>();
        String status = query.get("status");
        if (status != null && !ItoJapanMarketplaceState.ORDER_STATUSES.contains(status)) {
            errors.put("status", "The selected status is invalid.");
        }
        String escrow = query.get("escrow_status");
        if (escrow != null && !ItoJapanMarketplaceState.ESCROW_STATUSES.contains(escrow)) {
            errors.put("escrow_status", "The selected escrow status is invalid.");
        }
        return page(exchange, query, errors, state.orders(merchant.id(), status, escrow), this::order);
    }

    private int ship(HttpExchange exchange, ItoJapanMarketplaceState.Merchant merchant, String number, byte[] raw) {
        if (state.order(number).filter(o -> o.merchantId() == merchant.id()).isEmpty()) {
            return error(exchange, 404, "Order not found.");
        }
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            return error(exchange, 415, "Content-Type must be application/json.");
        }
        JsonNode body;
        try {
            body = json.readTree(raw);
        } catch (IOException e) {
            body = null;
        }
        if (body == null || !body.isObject()) {
            return error(exchange, 400, "The body is not a JSON object.");
        }
        Map<String, String> errors = new LinkedHashMap<>();
        JsonNode tracking = body.get("tracking_number");
        if (tracking == null || tracking.isNull() || (tracking.isTextual() && tracking.asText().isEmpty())) {
            errors.put("tracking_number", "The tracking number field is required.");
        } else if (!tracking.isTextual() || !TRACKING.matcher(tracking.asText()).matches()) {
            errors.put("tracking_number", "The tracking number may only contain letters, numbers and dashes, and may not be greater than 64 characters.");
        }
        JsonNode carrier = body.get("carrier");
        if (carrier == null || carrier.isNull() || (carrier.isTextual() && carrier.asText().isBlank())) {
            errors.put("carrier", "The carrier field is required.");
        } else if (!carrier.isTextual() || carrier.asText().codePointCount(0, carrier.asText().length()) > 50) {
            errors.put("carrier", "The carrier must be a string and may not be greater than 50 characters.");
        }
        if (!errors.isEmpty()) {
            return invalid(exchange, errors);
        }
        ItoJapanMarketplaceState.ShipResult result = state.ship(merchant.id(), number, tracking.asText(), carrier.asText());
        if (result.refusal() != null) {
            return error(exchange, result.status(), result.refusal());
        }
        return send(exchange, 200, success().put("message", "Shipment registered.").set("data", order(result.order())));
    }

    private <T> int page(HttpExchange exchange, Map<String, String> query, Map<String, String> errors, List<T> all,
                         Function<T, ObjectNode> view) {
        Map<String, String> e = new LinkedHashMap<>(errors);
        int perPage = whole(query, "per_page", 20, 1, 100, "The per page must be between 1 and 100.", e);
        int page = whole(query, "page", 1, 1, Integer.MAX_VALUE, "The page must be at least 1.", e);
        if (!e.isEmpty()) {
            return invalid(exchange, e);
        }
        ObjectNode answer = success();
        ArrayNode data = answer.putArray("data");
        long from = (long) (page - 1) * perPage;
        for (long i = from; i < Math.min(all.size(), from + perPage); i++) {
            data.add(view.apply(all.get((int) i)));
        }
        answer.putObject("meta").put("current_page", page).put("last_page", Math.max(1, (all.size() + perPage - 1) / perPage))
                .put("per_page", perPage).put("total", all.size());
        return send(exchange, 200, answer);
    }

    private static int whole(Map<String, String> query, String field, int dflt, int min, int max, String message,
                             Map<String, String> errors) {
        String v = query.get(field);
        if (v == null) {
            return dflt;
        }
        if (!WHOLE.matcher(v).matches() || Long.parseLong(v) < min || Long.parseLong(v) > max) {
            errors.put(field, message);
            return dflt;
        }
        return Integer.parseInt(v);
    }

    // ---- views -----------------------------------------------------------------------------------------

    private ObjectNode order(ItoJapanMarketplaceState.Order o) {
        ObjectNode n = json.createObjectNode().put("number", o.number()).put("status", o.status())
                .put("escrow_status", o.escrowStatus()).put("listing_id", o.listingId()).put("title", o.title())
                .put("quantity", o.quantity());
        n.set("amount", DecimalNode.valueOf(o.amount()));
        n.put("currency", o.currency()).put("is_shippable", o.shippable()).put("tracking_number", o.trackingNumber())
                .put("carrier", o.carrier());
        time(n, "shipped_at", o.shippedAt());
        time(n, "created_at", o.createdAt());
        time(n, "updated_at", o.updatedAt());
        return n;
    }

    private ObjectNode settlement(ItoJapanMarketplaceState.Settlement s) {
        ObjectNode n = json.createObjectNode().put("id", s.id()).put("period_from", s.periodFrom())
                .put("period_to", s.periodTo()).put("order_count", s.orderCount());
        n.set("gross_amount", DecimalNode.valueOf(s.grossAmount()));
        n.set("fee_amount", DecimalNode.valueOf(s.feeAmount()));
        n.set("net_amount", DecimalNode.valueOf(s.netAmount()));
        n.put("currency", s.currency()).put("status", s.status());
        time(n, "paid_at", s.paidAt());
        time(n, "created_at", s.createdAt());
        time(n, "updated_at", s.updatedAt());
        return n;
    }

    private ObjectNode deposit(ItoJapanMarketplaceState.Deposit d) {
        ObjectNode n = json.createObjectNode().put("tx_hash", d.txHash()).put("from_address", d.fromAddress())
                .put("to_address", d.toAddress());
        n.set("usdt_amount", DecimalNode.valueOf(d.usdtAmount()));
        n.set("sgpusd_amount", d.sgpusdAmount() == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : DecimalNode.valueOf(d.sgpusdAmount()));
        n.set("fee_amount", d.feeAmount() == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : DecimalNode.valueOf(d.feeAmount()));
        n.put("status", d.status()).put("etherscan_url", d.etherscanUrl());
        time(n, "confirmed_at", d.confirmedAt());
        return n;
    }

    private static void time(ObjectNode n, String field, Instant t) {
        if (t == null) {
            n.putNull(field);
        } else {
            n.put(field, t.toString());
        }
    }

    // ---- answers ---------------------------------------------------------------------------------------

    private ObjectNode success() {
        return json.createObjectNode().put("code", 200).put("status", "success");
    }

    private int invalid(HttpExchange exchange, Map<String, String> errors) {
        ObjectNode e = json.createObjectNode().put("code", 422).put("status", "error")
                .put("message", "The given data was invalid.");
        ObjectNode fields = e.putObject("errors");
        errors.forEach((f, m) -> fields.putArray(f).add(m));
        return send(exchange, 422, e);
    }

    private int notAllowed(HttpExchange exchange, String allow) {
        exchange.getResponseHeaders().set("Allow", allow);
        return error(exchange, 405, "Method not allowed.");
    }

    private int error(HttpExchange exchange, int status, String message) {
        return send(exchange, status, json.createObjectNode().put("code", status).put("status", "error").put("message", message));
    }

    private int send(HttpExchange exchange, int status, ObjectNode body) {
        // recorded before the answer leaves: a client that got its answer finds its request here
        requests.add(new Request(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                exchange.getRequestURI().getRawQuery(), signed.get(), status));
        try {
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            LoopbackHttpServer.respond(exchange, status, json.writeValueAsBytes(body));
            return status;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> values = new LinkedHashMap<>();
        if (raw == null) {
            return values;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            values.putIfAbsent(k, v);
        }
        return values;
    }

    private static boolean equal(String given, String expected) {
        return given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8),
                expected.getBytes(StandardCharsets.UTF_8));
    }
}
