package io.kessai.sandbox.paymentoptions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.kessai.sandbox.LoopbackHttpServer;
import io.kessai.sandbox.LoopbackSandbox;
import io.kessai.sandbox.NotificationSender;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * A built-in sandbox of paymentoptions.com's server-to-server card payment with a stored card token
 * ({@code paymentoptions.txt}, {@code providers.md}). It listens on {@code 127.0.0.1} only.
 *
 * <h2>What it implements</h2>
 * <ul>
 *   <li>{@code POST /api/v1/server-to-server-interface/payment} ({@link #baseUrl()} ends with {@code /api/v1}):
 *       both headers {@code Authorization: Basic <api-key>} and {@code x-api-key: <api-key>} must carry the API
 *       key (else 401); {@code Content-Type: application/json} (else 415); the body rules below (else 400);
 *       then 201 with the document's answer, the card number {@code 4000000000001091} echoed in
 *       {@code payment_details.card.number} exactly as the document shows it, a new
 *       {@code transaction_details.id} (UUID) and {@code ref}.</li>
 *   <li>Webhooks: after each payment (captured or declined) the answer's body is POSTed as
 *       {@code application/json} to {@code return_url.webhook_url} from a background thread; a non-2xx answer or
 *       no answer is re-sent every {@link Settings#webhookRetryInterval()} up to {@link Settings#webhookRetries()}
 *       times. The document names webhooks but gives neither format nor signature: the shape of the answer is
 *       the decision of {@code providers.md}.</li>
 *   <li>No status endpoint: the document has none.</li>
 * </ul>
 *
 * <h2>Body rules</h2>
 * {@code amount} a string of digits above 0 (JPY has no decimals); {@code currency} {@code JPY};
 * {@code payment_method} an object with {@code type "scheme"}, boolean {@code store_payment_method} and a non-blank
 * {@code stored_payment_method_id} (the curl sample's {@code store_payment_method_id} is refused as the typo it
 * is); {@code merchant_txn_ref} 1 to 64 characters; {@code customer_ip} an IPv4 or IPv6 literal;
 * {@code merchant_id} the sandbox's merchant id; {@code return_url} with absolute http(s) {@code webhook_url},
 * {@code success_url} and {@code decline_url}; {@code billing_address} required and {@code shipping_address}
 * optional, each with {@code country} (ISO 3166 alpha-2, upper case), {@code email}, {@code phone_number} (6 to 15
 * digits, country code first), {@code address1}, {@code city}, {@code state}, {@code postal_code}, all non-blank;
 * {@code time_zone} an IANA zone id. Every broken rule is listed in {@code errors[]} of the 400 answer.
 *
 * <h2>Test tokens</h2>
 * Chosen by words contained (case-insensitively) in {@code stored_payment_method_id}:
 * {@code decline} answers 402, {@code success:false}, {@code gateway_response.code DECL0005} "Do not honour";
 * {@code insufficient} 402 with {@code DECL0051} "Insufficient funds"; {@code slow} is performed at once but
 * answered only after {@link Settings#slowTime()}. Anything else is captured ({@code INFO0000}). The error
 * answers' shape and codes are the sandbox's own: the document shows only the 201.
 *
 * <p>The sandbox never logs keys, tokens, card numbers, headers or bodies.
 */
public final class PaymentOptionsSandbox
        extends LoopbackSandbox<PaymentOptionsSandbox, PaymentOptionsSandbox.Settings> {

    private static final System.Logger LOG = System.getLogger(PaymentOptionsSandbox.class.getName());
    /** The card number the document's answer echoes. */
    public static final String CARD_NUMBER = "4000000000001091";
    public static final String API_ROOT = "/api/v1";
    public static final String PAYMENT_PATH = API_ROOT + "/server-to-server-interface/payment";
    private static final int MAX_BODY = 256 * 1024;
    private static final Pattern DIGITS = Pattern.compile("[0-9]+");
    private static final Pattern PHONE = Pattern.compile("[0-9]{6,15}");
    private static final Pattern COUNTRY = Pattern.compile("[A-Z]{2}");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");
    private static final List<String> ADDRESS_FIELDS = List.of("country", "email", "phone_number", "address1", "city",
            "state", "postal_code");

    /**
     * Sandbox settings.
     *
     * @param apiKey               the API key both headers must carry
     * @param merchantId           the merchant id the body must name
     * @param legalName            {@code merchant_details.legal_name} of the answers
     * @param port                 listening port on 127.0.0.1; 0 = ephemeral
     * @param slowTime             the delay of the answer for the {@code slow} test token
     * @param webhookRetryInterval the pause before re-sending a webhook that was not taken
     * @param webhookRetries       how many times a webhook is re-sent
     */
    public record Settings(String apiKey, String merchantId, String legalName, int port, Duration slowTime,
                           Duration webhookRetryInterval, int webhookRetries) implements LoopbackSandbox.Listening {
        public Settings {
            Objects.requireNonNull(apiKey, "apiKey");
            Objects.requireNonNull(merchantId, "merchantId");
            Objects.requireNonNull(legalName, "legalName");
            Objects.requireNonNull(slowTime, "slowTime");
            Objects.requireNonNull(webhookRetryInterval, "webhookRetryInterval");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port);
            }
        }

        /** Port 0, the document's legal name, slow answers after 3 s, webhooks re-sent every 60 s, 5 times. */
        public static Settings defaults(String apiKey, String merchantId) {
            return new Settings(apiKey, merchantId, "アイベック株式会社", 0, Duration.ofSeconds(3), Duration.ofSeconds(60), 5);
        }

        public Settings withPort(int value) {
            return new Settings(apiKey, merchantId, legalName, value, slowTime, webhookRetryInterval, webhookRetries);
        }

        public Settings withSlowTime(Duration value) {
            return new Settings(apiKey, merchantId, legalName, port, value, webhookRetryInterval, webhookRetries);
        }

        public Settings withWebhookRetryInterval(Duration value) {
            return new Settings(apiKey, merchantId, legalName, port, slowTime, value, webhookRetries);
        }

        @Override
        public String toString() {
            return "Settings[port=" + port + ", slowTime=" + slowTime + "]";
        }
    }

    /** One attempt to deliver a webhook: the transaction, the HTTP status answered (0: none). */
    public record WebhookAttempt(String transactionId, String url, int attempt, int status) {}

    private final PaymentOptionsState state;
    private final ObjectMapper json = new ObjectMapper();
    private final Clock clock;
    private final NotificationSender<WebhookAttempt> webhooks =
            closedWithSandbox(new NotificationSender<>(LOG, "paymentoptions-sandbox-webhook",
                    "paymentoptions sandbox: webhook"));

    public PaymentOptionsSandbox(Settings settings) {
        this(settings, new PaymentOptionsState(), Clock.systemUTC());
    }

    public PaymentOptionsSandbox(Settings settings, PaymentOptionsState state, Clock clock) {
        super(LOG, "paymentoptions sandbox", "paymentoptions-sandbox", 64, 8, settings);
        this.state = Objects.requireNonNull(state, "state");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The API root, {@code http://127.0.0.1:<port>/api/v1} (the base-url of the provider). */
    @Override
    public String baseUrl() {
        return serverUrl() + API_ROOT;
    }

    /** Every transaction made, oldest first. */
    public List<PaymentOptionsState.Transaction> transactions() {
        return state.all();
    }

    /** Every webhook attempt, in order. */
    public List<WebhookAttempt> webhookAttempts() {
        return webhooks.attempts();
    }

    /** Sends a transaction's webhook once more, as providers do. */
    public void resendWebhook(String transactionId) {
        PaymentOptionsState.Transaction t = state.find(transactionId)
                .orElseThrow(() -> new IllegalArgumentException("no transaction " + transactionId));
        notify(t);
    }

    // ---- HTTP --------------------------------------------------------------------------------------------

    @Override
    protected void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (!PAYMENT_PATH.equals(path)) {
                error(exchange, 404, "ERR0404", "Not Found.", null);
                return;
            }
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().set("Allow", "POST");
                error(exchange, 405, "ERR0405", "Method Not Allowed.", null);
                return;
            }
            if (!authorized(exchange)) {
                error(exchange, 401, "ERR0401", "Unauthorized.", null);
                return;
            }
            String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
            if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
                error(exchange, 415, "ERR0415", "Content-Type must be application/json.", null);
                return;
            }
            byte[] raw = LoopbackHttpServer.readBody(exchange, MAX_BODY);
            if (raw == null) {
                error(exchange, 413, "ERR0413", "Payload Too Large.", null);
                return;
            }
            JsonNode body;
            try {
                body = json.readTree(raw);
            } catch (IOException e) {
                body = null;
            }
            if (body == null || !body.isObject()) {
                error(exchange, 400, "ERR0400", "The body is not a JSON object.", null);
                return;
            }
            ArrayNode errors = json.createArrayNode();
            validate(body, errors);
            if (!errors.isEmpty()) {
                error(exchange, 400, "ERR0400", "Invalid request.", errors);
                return;
            }
            pay(exchange, body);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "paymentoptions sandbox: internal error " + e.getClass().getSimpleName());
            error(exchange, 500, "ERR0500", "Internal Server Error.", null);
        }
    }

    private boolean authorized(HttpExchange exchange) {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        String apiKey = exchange.getRequestHeaders().getFirst("x-api-key");
        return equal(authorization, "Basic " + settings().apiKey()) && equal(apiKey, settings().apiKey());
    }

    private static boolean equal(String given, String expected) {
        return given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8),
                expected.getBytes(StandardCharsets.UTF_8));
    }

    private void validate(JsonNode body, ArrayNode errors) {
        JsonNode amount = body.get("amount");
        if (amount == null || !amount.isTextual() || !DIGITS.matcher(amount.asText()).matches()
                || new BigDecimal(amount.asText()).signum() <= 0) {
            fieldError(errors, "amount", "must be a string of digits above 0");
        }
        if (!"JPY".equals(text(body, "currency"))) {
            fieldError(errors, "currency", "must be JPY");
        }
        JsonNode method = body.get("payment_method");
        if (method == null || !method.isObject()) {
            fieldError(errors, "payment_method", "is required");
        } else {
            if (!"scheme".equals(text(method, "type"))) {
                fieldError(errors, "payment_method.type", "must be scheme");
            }
            if (method.has("store_payment_method") && !method.get("store_payment_method").isBoolean()) {
                fieldError(errors, "payment_method.store_payment_method", "must be a boolean");
            }
            if (blank(text(method, "stored_payment_method_id"))) {
                fieldError(errors, "payment_method.stored_payment_method_id", "is required");
            }
        }
        String ref = text(body, "merchant_txn_ref");
        if (blank(ref) || ref.length() > 64) {
            fieldError(errors, "merchant_txn_ref", "must be 1 to 64 characters");
        }
        if (!ipLiteral(text(body, "customer_ip"))) {
            fieldError(errors, "customer_ip", "must be an IPv4 or IPv6 address");
        }
        if (!equal(text(body, "merchant_id"), settings().merchantId())) {
            fieldError(errors, "merchant_id", "is not a merchant of this API key");
        }
        JsonNode urls = body.get("return_url");
        if (urls == null || !urls.isObject()) {
            fieldError(errors, "return_url", "is required");
        } else {
            for (String f : List.of("webhook_url", "success_url", "decline_url")) {
                if (!absoluteUrl(text(urls, f))) {
                    fieldError(errors, "return_url." + f, "must be an absolute http(s) URL");
                }
            }
        }
        address(body, "billing_address", true, errors);
        address(body, "shipping_address", false, errors);
        String zone = text(body, "time_zone");
        try {
            if (zone == null) {
                throw new IllegalArgumentException();
            }
            ZoneId.of(zone);
        } catch (RuntimeException e) {
            fieldError(errors, "time_zone", "must be an IANA time zone such as Asia/Tokyo");
        }
    }

    private void address(JsonNode body, String field, boolean required, ArrayNode errors) {
        JsonNode a = body.get(field);
        if (a == null || a.isNull()) {
            if (required) {
                fieldError(errors, field, "is required");
            }
            return;
        }
        if (!a.isObject()) {
            fieldError(errors, field, "must be an object");
            return;
        }
        for (String f : ADDRESS_FIELDS) {
            if (blank(text(a, f))) {
                fieldError(errors, field + "." + f, "is required");
            }
        }
        String country = text(a, "country");
        if (country != null && !COUNTRY.matcher(country).matches()) {
            fieldError(errors, field + ".country", "must be an ISO 3166-1 alpha-2 code");
        }
        String email = text(a, "email");
        if (email != null && !EMAIL.matcher(email).matches()) {
            fieldError(errors, field + ".email", "must be an e-mail address");
        }
        String phone = text(a, "phone_number");
        if (phone != null && !PHONE.matcher(phone).matches()) {
            fieldError(errors, field + ".phone_number", "must be 6 to 15 digits, country code first");
        }
    }

    private void pay(HttpExchange exchange, JsonNode body) throws IOException {
        String token = text(body.get("payment_method"), "stored_payment_method_id");
        String words = token.toLowerCase(Locale.ROOT);
        String code;
        String message;
        if (words.contains("insufficient")) {
            code = "DECL0051";
            message = "Insufficient funds.";
        } else if (words.contains("decline")) {
            code = "DECL0005";
            message = "Do not honour.";
        } else {
            code = "INFO0000";
            message = "Payment Successful.";
        }
        boolean success = "INFO0000".equals(code);
        int status = success ? 201 : 402;
        String id = UUID.randomUUID().toString();
        long ref = state.nextRef();
        ObjectNode answer = answer(body, success, status, code, message, id, ref, token);
        String text = json.writeValueAsString(answer);
        PaymentOptionsState.Transaction t = new PaymentOptionsState.Transaction(id, ref, text(body, "merchant_txn_ref"),
                new BigDecimal(text(body, "amount")), text(body, "currency"), success, code,
                text(body.get("return_url"), "webhook_url"), text);
        state.record(t);
        notify(t);
        if (words.contains("slow")) {
            try {
                Thread.sleep(settings().slowTime().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        send(exchange, status, text.getBytes(StandardCharsets.UTF_8));
    }

    /** The document's answer, with this request's values. */
    private ObjectNode answer(JsonNode body, boolean success, int status, String code, String message, String id,
                              long ref, String token) {
        ObjectNode a = json.createObjectNode();
        a.put("success", success).put("status_code", status).put("is_live", false).put("transaction_type", "CAPTURE");
        a.putObject("gateway_response").put("version", "1").put("type", success ? "INFO" : "ERROR")
                .put("message", message).put("code", code);
        ObjectNode merchant = a.putObject("merchant_details");
        merchant.put("legal_name", settings().legalName()).put("mid", settings().merchantId())
                .put("merchant_txn_ref", text(body, "merchant_txn_ref"));
        merchant.putObject("billing_details").set("billing_address", body.get("billing_address").deepCopy());
        merchant.putObject("device_details").put("visited_ip", text(body, "customer_ip"))
                .put("customer_ip", text(body, "customer_ip"));
        ObjectNode payment = a.putObject("payment_details");
        payment.put("amount", new BigDecimal(text(body, "amount"))).put("response_code", success ? 0 : Integer.parseInt(code.substring(4)))
                .put("auth_code", success ? String.valueOf(200000 + ref % 100000) : null)
                .put("currency", text(body, "currency")).put("payment_method", "ECMC-SSL").put("scheme", "MASTERCARD");
        payment.putObject("card").put("name", "John Doe").put("number", CARD_NUMBER).put("exp_month", "12")
                .put("exp_year", "24");
        payment.putObject("additional_data").putObject("payment_data_source").put("type", "card");
        a.putObject("transaction_details").put("id", id).put("ref", ref)
                .put("timestamp", Instant.now(clock).truncatedTo(ChronoUnit.MILLIS).toString())
                .put("merchant_txn_ref", text(body, "merchant_txn_ref"))
                .put("stored_payment_method_id", token);
        a.putObject("risk-details").putNull("risk_score");
        return a;
    }

    private void notify(PaymentOptionsState.Transaction t) {
        webhooks.send(t.webhookUrl(), t.answer(), "application/json", settings().webhookRetryInterval(),
                settings().webhookRetries(), "transaction " + t.id(),
                attempt -> attempt.status() >= 200 && attempt.status() < 300,
                attempt -> new WebhookAttempt(t.id(), t.webhookUrl(), attempt.number(), attempt.status()));
    }

    private void error(HttpExchange exchange, int status, String code, String message, ArrayNode errors) throws IOException {
        ObjectNode e = json.createObjectNode();
        e.put("success", false).put("status_code", status);
        e.putObject("gateway_response").put("version", "1").put("type", "ERROR").put("message", message).put("code", code);
        if (errors != null) {
            e.set("errors", errors);
        }
        send(exchange, status, json.writeValueAsBytes(e));
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        LoopbackHttpServer.respond(exchange, status, body);
    }

    private static void fieldError(ArrayNode errors, String field, String message) {
        errors.addObject().put("field", field).put("message", message);
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        return v == null || v.isNull() || !v.isValueNode() ? null : v.asText();
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static boolean ipLiteral(String s) {
        if (s == null || !s.matches("[0-9.]{7,15}|[0-9A-Fa-f:.]{2,45}")) {
            return false;
        }
        try {
            InetAddress.getByName(s);   // literals only (the pattern): no DNS lookup
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean absoluteUrl(String s) {
        try {
            URI u = s == null ? null : new URI(s);
            return u != null && u.getHost() != null && ("http".equals(u.getScheme()) || "https".equals(u.getScheme()));
        } catch (Exception e) {
            return false;
        }
    }
}
