package io.kessai.sandbox.itojapan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.kessai.sandbox.LoopbackHttpServer;
import io.kessai.sandbox.LoopbackSandbox;
import io.kessai.sandbox.NotificationSender;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A built-in sandbox of ITO-Japan's hosted payments ({@code ito-japan.txt}, {@code providers.md}). It listens on
 * {@code 127.0.0.1} only.
 *
 * <h2>What it implements</h2>
 * <ul>
 *   <li>{@code POST /payment/process}: {@code Authorization: Bearer <access key>} (else 401 "Invalid API
 *       credentials."); {@code X-Timestamp} (Unix seconds) within {@link Settings#timestampWindow()} of the
 *       sandbox's clock and {@code X-Signature}, the lowercase hex HMAC-SHA256 with the secret key of
 *       timestamp + "." + the exact body bytes (else 401); {@code Content-Type: application/json} (else 415);
 *       the body rules below (else 422 with {@code errors} per field); then
 *       {@code {code:200,status:"ok",payment_id,message,url}}, {@code url} being the checkout page.</li>
 *   <li>{@code GET /process-checkout?payment_id=}: the hosted checkout page, with a Pay and a Cancel form.
 *       {@code POST /process-checkout/pay} (form {@code payment_id}) pays an open payment (a transaction id and
 *       a {@code charge} of {@link Settings#feeRate()} of the amount), sends the signed webhook to
 *       {@code web_hook} and answers {@code 302} to {@code success_url}; {@code POST /process-checkout/cancel}
 *       cancels an open payment and answers {@code 302} to {@code cancel_url}. Paying twice changes nothing and
 *       sends no second webhook; a cancelled payment cannot be paid (409).</li>
 *   <li>Webhooks: {@code {code,status,payment_id,transaction,amount,charge,currency,custom,date}} POSTed as
 *       {@code application/json} with {@code X-Timestamp} and {@code X-Signature: sha256=<hex>} over timestamp
 *       + "." + the raw body; a non-2xx answer or none is re-sent every {@link Settings#webhookRetryInterval()}
 *       up to {@link Settings#webhookRetries()} times, each time with a fresh timestamp and signature.
 *       {@link #sendWebhook(String, Webhook)} lets a test send forged, stale, re-serialized and duplicate ones,
 *       and a genuine one for a payment that was not paid.</li>
 *   <li>{@code POST /payment/check-validity} ({@code payment_id} as JSON or a form): the Bearer key (else 401);
 *       when {@code X-Signature} is present it is checked like the process call. A paid payment answers
 *       {@code {code:200,status:"ok",message:"Transaction is valid"}}; anything else, unknown or not paid (there is
 *       no transaction yet), answers HTTP 404 {@code {code:404,status:"error",message:"Transaction not found"}},
 *       the only two shapes the document shows.</li>
 *   <li>The Marketplace API (orders, order, ship, settlements) and the wallet deposit history under
 *       {@code /api/merchant/}: {@link ItoJapanMarketplaceApi}, over the records of {@link #marketplace()}.</li>
 * </ul>
 *
 * <h2>Body rules of /payment/process</h2>
 * {@code custom} non-blank, at most 255; {@code currency_code} USD, JPY or SGP-USD; {@code amount} a JSON number
 * above 0, no decimals in JPY and at most two in USD and SGP-USD; {@code details} optional, at most 255 characters;
 * {@code web_hook}, {@code cancel_url}, {@code success_url} absolute http(s) URLs; {@code customer_email} an e-mail
 * address. The 422 and 415 shapes are the sandbox's own (the document shows only 200 and 401).
 *
 * <p>The merchant OAuth API ({@code /oauth/token}, {@code /api/oauth/merchant/users…}) is
 * {@link ItoJapanMerchantUsersApi}, reached through {@link #merchantUsers()}.
 *
 * <p>The sandbox never logs keys, signatures, headers or bodies.
 */
public final class ItoJapanSandbox extends LoopbackSandbox<ItoJapanSandbox, ItoJapanSandbox.Settings> {

    private static final System.Logger LOG = System.getLogger(ItoJapanSandbox.class.getName());
    public static final String PROCESS_PATH = "/payment/process";
    public static final String CHECK_VALIDITY_PATH = "/payment/check-validity";
    public static final String CHECKOUT_PATH = "/process-checkout";
    private static final int MAX_BODY = 64 * 1024;
    private static final Set<String> CURRENCIES = Set.of("USD", "JPY", "SGP-USD");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");
    private static final Pattern TIMESTAMP = Pattern.compile("[0-9]{1,12}");
    private static final Pattern ID_CHARS = Pattern.compile("[A-Za-z0-9]+");
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("dd-MM-yyyy");
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /**
     * Sandbox settings.
     *
     * @param accessKey            the Bearer access key
     * @param secretKey            the HMAC secret of requests and webhooks
     * @param port                 listening port on 127.0.0.1; 0 = ephemeral
     * @param timestampWindow      how far X-Timestamp may be from the sandbox's clock
     * @param feeRate              the {@code charge} of a payment as a fraction of its amount
     * @param webhookRetryInterval the pause before re-sending a webhook that was not taken
     * @param webhookRetries       how many times a webhook is re-sent
     */
    public record Settings(String accessKey, String secretKey, int port, Duration timestampWindow, BigDecimal feeRate,
                           Duration webhookRetryInterval, int webhookRetries) implements LoopbackSandbox.Listening {
        public Settings {
            Objects.requireNonNull(accessKey, "accessKey");
            Objects.requireNonNull(secretKey, "secretKey");
            Objects.requireNonNull(timestampWindow, "timestampWindow");
            Objects.requireNonNull(feeRate, "feeRate");
            Objects.requireNonNull(webhookRetryInterval, "webhookRetryInterval");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port);
            }
        }

        /** Port 0, ±300 s, a 5% charge (the document's sample: 5.00 on 100.00), webhooks re-sent every 60 s, 5 times. */
        public static Settings defaults(String accessKey, String secretKey) {
            return new Settings(accessKey, secretKey, 0, Duration.ofSeconds(300), new BigDecimal("0.05"),
                    Duration.ofSeconds(60), 5);
        }

        public Settings withPort(int value) {
            return new Settings(accessKey, secretKey, value, timestampWindow, feeRate, webhookRetryInterval, webhookRetries);
        }

        public Settings withWebhookRetryInterval(Duration value) {
            return new Settings(accessKey, secretKey, port, timestampWindow, feeRate, value, webhookRetries);
        }

        @Override
        public String toString() {
            return "Settings[port=" + port + ", timestampWindow=" + timestampWindow + "]";
        }
    }

    /** The webhooks a test may have the sandbox send. */
    public enum Webhook {
        /** Signed with the secret key, timestamp now: what the provider sends (again: a duplicate). */
        GENUINE,
        /** Signed with another key. */
        FORGED,
        /** Signed correctly, with a timestamp one second older than the window allows (301 s with the default window). */
        STALE,
        /** Signed over the compact body, then sent re-serialized with other whitespace. */
        RESERIALIZED
    }

    /** One attempt to deliver a webhook: the payment, which kind, the attempt number, the HTTP status (0: none), the answer (null: none). */
    public record WebhookAttempt(String paymentId, Webhook kind, int attempt, int status, String answer) {}

    private final ItoJapanPayments payments;
    private final Clock clock;
    private final ObjectMapper json = new ObjectMapper()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private final SecureRandom random = new SecureRandom();
    private final ItoJapanMarketplaceState marketplace;
    private final ItoJapanMarketplaceApi marketplaceApi;
    private final NotificationSender<WebhookAttempt> webhooks =
            closedWithSandbox(new NotificationSender<>(LOG, "ito-japan-sandbox-webhook", "ITO-Japan sandbox: webhook"));
    private final ItoJapanMerchantUsersApi merchantUsers;

    public ItoJapanSandbox(Settings settings) {
        this(settings, new InMemoryItoJapanPayments(), Clock.systemUTC());
    }

    public ItoJapanSandbox(Settings settings, ItoJapanPayments payments, Clock clock) {
        super(LOG, "ITO-Japan sandbox", "ito-japan-sandbox", 64, 8, settings);
        this.payments = Objects.requireNonNull(payments, "payments");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.marketplace = new ItoJapanMarketplaceState(clock);
        this.marketplace.addMerchant(settings.accessKey(), settings.secretKey());
        this.marketplaceApi = new ItoJapanMarketplaceApi(marketplace, json, clock);
        this.merchantUsers = new ItoJapanMerchantUsersApi(json, clock);
    }

    /**
     * The Marketplace and wallet records the sandbox serves under {@code /api/merchant/} (see
     * {@link ItoJapanMarketplaceApi}); the sandbox's own access key is its first merchant.
     */
    public ItoJapanMarketplaceState marketplace() {
        return marketplace;
    }

    /** Every request the Marketplace API answered, oldest first. */
    public List<ItoJapanMarketplaceApi.Request> marketplaceRequests() {
        return marketplaceApi.requests();
    }

    /** The merchant OAuth API (token endpoint and merchant user endpoints) and its test doors. */
    public ItoJapanMerchantUsersApi merchantUsers() {
        return merchantUsers;
    }

    /** Every payment initiated, oldest first. */
    public List<ItoJapanPayments.Payment> payments() {
        return payments.all();
    }

    /** Every webhook attempt, in order. */
    public List<WebhookAttempt> webhookAttempts() {
        return webhooks.attempts();
    }

    /**
     * Sends a webhook of a payment as a test asks: {@link Webhook#GENUINE} again is a duplicate; for a payment that
     * was not paid, a GENUINE webhook names a transaction that check-validity does not know.
     */
    public void sendWebhook(String paymentId, Webhook kind) {
        ItoJapanPayments.Payment p = payments.find(paymentId)
                .orElseThrow(() -> new IllegalArgumentException("no payment " + paymentId));
        if (p.status() != ItoJapanPayments.Status.PAID) {
            BigDecimal charge = fee(p.amount(), p.currency());
            p = p.paid(newId(11), charge);   // not stored: the payment stays unpaid
        }
        notify(p, kind);
    }

    /**
     * Pays an open payment as the checkout page would, but sends no webhook: the customer paid and the notification
     * was lost (only check-validity can tell).
     */
    public void payWithoutWebhook(String paymentId) {
        ItoJapanPayments.Payment p = payments.find(paymentId)
                .orElseThrow(() -> new IllegalArgumentException("no payment " + paymentId));
        payments.pay(paymentId, newId(11), fee(p.amount(), p.currency()));
    }

    // ---- HTTP --------------------------------------------------------------------------------------------

    @Override
    protected void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            if (ItoJapanMerchantUsersApi.serves(path)) {
                merchantUsers.handle(exchange);
                return;
            }
            switch (path) {
                case PROCESS_PATH -> {
                    if (post(exchange, method)) {
                        process(exchange);
                    }
                }
                case CHECK_VALIDITY_PATH -> {
                    if (post(exchange, method)) {
                        checkValidity(exchange);
                    }
                }
                case CHECKOUT_PATH -> checkoutPage(exchange, method);
                case CHECKOUT_PATH + "/pay", CHECKOUT_PATH + "/cancel" -> {
                    if (post(exchange, method)) {
                        checkoutAction(exchange, path.endsWith("/pay"));
                    }
                }
                default -> {
                    if (path.startsWith(ItoJapanMarketplaceApi.PREFIX)) {
                        marketplaceApi.handle(exchange, path, method);
                    } else {
                        error(exchange, 404, "Not found.");
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "ITO-Japan sandbox: internal error " + e.getClass().getSimpleName());
            error(exchange, 500, "Internal server error.");
        }
    }

    private boolean post(HttpExchange exchange, String method) throws IOException {
        if ("POST".equals(method)) {
            return true;
        }
        exchange.getResponseHeaders().set("Allow", "POST");
        error(exchange, 405, "Method not allowed.");
        return false;
    }

    private void process(HttpExchange exchange) throws IOException {
        if (!bearer(exchange)) {
            error(exchange, 401, "Invalid API credentials.");
            return;
        }
        byte[] raw = body(exchange);
        if (raw == null) {
            error(exchange, 413, "Payload too large.");
            return;
        }
        String refused = signatureProblem(exchange, raw, true);
        if (refused != null) {
            error(exchange, 401, refused);
            return;
        }
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            error(exchange, 415, "Content-Type must be application/json.");
            return;
        }
        JsonNode body;
        try {
            body = json.readTree(raw);
        } catch (IOException e) {
            body = null;
        }
        if (body == null || !body.isObject()) {
            error(exchange, 400, "The body is not a JSON object.");
            return;
        }
        Map<String, String> errors = validate(body);
        if (!errors.isEmpty()) {
            ObjectNode e = json.createObjectNode().put("code", 422).put("status", "error")
                    .put("message", "The given data was invalid.");
            ObjectNode fields = e.putObject("errors");
            errors.forEach((f, m) -> fields.putArray(f).add(m));
            send(exchange, 422, e);
            return;
        }
        String paymentId = newId(25);
        payments.create(new ItoJapanPayments.Payment(paymentId, text(body, "custom"), text(body, "currency_code"),
                body.get("amount").decimalValue(), text(body, "details"), text(body, "web_hook"),
                text(body, "success_url"), text(body, "cancel_url"), text(body, "customer_email"),
                ItoJapanPayments.Status.OPEN, null, null));
        send(exchange, 200, json.createObjectNode().put("code", 200).put("status", "ok").put("payment_id", paymentId)
                .put("message", "Your payment has been processed. Please follow the URL to complete the payment.")
                .put("url", baseUrl() + CHECKOUT_PATH + "?payment_id=" + paymentId));
    }

    private void checkValidity(HttpExchange exchange) throws IOException {
        if (!bearer(exchange)) {
            error(exchange, 401, "Invalid API credentials.");
            return;
        }
        byte[] raw = body(exchange);
        if (raw == null) {
            error(exchange, 413, "Payload too large.");
            return;
        }
        String refused = signatureProblem(exchange, raw, false);
        if (refused != null) {
            error(exchange, 401, refused);
            return;
        }
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        String paymentId;
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            JsonNode body;
            try {
                body = json.readTree(raw);
            } catch (IOException e) {
                body = null;
            }
            paymentId = body == null ? null : text(body, "payment_id");
        } else {
            paymentId = form(new String(raw, StandardCharsets.UTF_8)).get("payment_id");
        }
        if (paymentId == null || paymentId.isBlank()) {
            ObjectNode e = json.createObjectNode().put("code", 422).put("status", "error")
                    .put("message", "The given data was invalid.");
            e.putObject("errors").putArray("payment_id").add("The payment id field is required.");
            send(exchange, 422, e);
            return;
        }
        boolean valid = payments.find(paymentId).map(p -> p.status() == ItoJapanPayments.Status.PAID).orElse(false);
        if (valid) {
            send(exchange, 200, json.createObjectNode().put("code", 200).put("status", "ok")
                    .put("message", "Transaction is valid"));
        } else {
            error(exchange, 404, "Transaction not found");
        }
    }

    private void checkoutPage(HttpExchange exchange, String method) throws IOException {
        if (!"GET".equals(method) && !"HEAD".equals(method)) {
            exchange.getResponseHeaders().set("Allow", "GET, HEAD");
            error(exchange, 405, "Method not allowed.");
            return;
        }
        String query = exchange.getRequestURI().getRawQuery();
        String paymentId = form(query == null ? "" : query).get("payment_id");
        ItoJapanPayments.Payment p = paymentId == null ? null : payments.find(paymentId).orElse(null);
        if (p == null) {
            html(exchange, 404, "<p>Payment not found.</p>");
            return;
        }
        String id = escape(p.paymentId());
        String page = "<h1>ITO-Japan sandbox checkout</h1>"
                + "<p>" + escape(p.amount().setScale(decimals(p.currency()), RoundingMode.UNNECESSARY).toPlainString()) + " " + escape(p.currency()) + "</p>"
                + "<p>" + escape(p.details() == null ? "" : p.details()) + "</p>"
                + "<p>Status: " + p.status().name().toLowerCase(Locale.ROOT) + "</p>"
                + "<form method=\"post\" action=\"" + CHECKOUT_PATH + "/pay\"><input type=\"hidden\" name=\"payment_id\" value=\""
                + id + "\"><button type=\"submit\">Pay</button></form>"
                + "<form method=\"post\" action=\"" + CHECKOUT_PATH + "/cancel\"><input type=\"hidden\" name=\"payment_id\" value=\""
                + id + "\"><button type=\"submit\">Cancel</button></form>";
        html(exchange, 200, page);
    }

    private void checkoutAction(HttpExchange exchange, boolean pay) throws IOException {
        byte[] raw = body(exchange);
        String paymentId = raw == null ? null : form(new String(raw, StandardCharsets.UTF_8)).get("payment_id");
        ItoJapanPayments.Payment before = paymentId == null ? null : payments.find(paymentId).orElse(null);
        if (before == null) {
            html(exchange, 404, "<p>Payment not found.</p>");
            return;
        }
        if (pay) {
            ItoJapanPayments.Payment after = payments.pay(paymentId, newId(11), fee(before.amount(), before.currency()))
                    .orElseThrow();
            if (after.status() == ItoJapanPayments.Status.CANCELLED) {
                html(exchange, 409, "<p>This payment was cancelled.</p>");
                return;
            }
            if (before.status() == ItoJapanPayments.Status.OPEN) {
                notify(after, Webhook.GENUINE);
            }
            redirect(exchange, after.successUrl());
        } else {
            ItoJapanPayments.Payment after = payments.cancel(paymentId).orElseThrow();
            if (after.status() == ItoJapanPayments.Status.PAID) {
                html(exchange, 409, "<p>This payment was paid.</p>");
                return;
            }
            redirect(exchange, after.cancelUrl());
        }
    }

    // ---- rules -------------------------------------------------------------------------------------------

    private boolean bearer(HttpExchange exchange) {
        return equal(exchange.getRequestHeaders().getFirst("Authorization"), "Bearer " + settings().accessKey());
    }

    /** Null when the signature headers verify (or, when not required, are both absent); else the refusal. */
    private String signatureProblem(HttpExchange exchange, byte[] raw, boolean required) {
        String timestamp = exchange.getRequestHeaders().getFirst("X-Timestamp");
        String signature = exchange.getRequestHeaders().getFirst("X-Signature");
        if (!required && timestamp == null && signature == null) {
            return null;
        }
        if (timestamp == null || signature == null || !TIMESTAMP.matcher(timestamp).matches()) {
            return "Missing or invalid signature headers.";
        }
        long age = clock.instant().getEpochSecond() - Long.parseLong(timestamp);
        if (Math.abs(age) > settings().timestampWindow().toSeconds()) {
            return "Request timestamp is outside the allowed window.";
        }
        if (!equal(signature, hmacHex(settings().secretKey(), timestamp, raw))) {
            return "Invalid signature.";
        }
        return null;
    }

    private Map<String, String> validate(JsonNode body) {
        Map<String, String> errors = new LinkedHashMap<>();
        String custom = text(body, "custom");
        if (custom == null || custom.isBlank() || custom.length() > 255) {
            errors.put("custom", "The custom field is required and may not be greater than 255 characters.");
        }
        String currency = text(body, "currency_code");
        if (currency == null || !CURRENCIES.contains(currency)) {
            errors.put("currency_code", "The currency code must be one of USD, JPY, SGP-USD.");
        }
        JsonNode amount = body.get("amount");
        if (amount == null || !amount.isNumber() || amount.decimalValue().signum() <= 0) {
            errors.put("amount", "The amount must be a number above 0.");
        } else if (currency != null && CURRENCIES.contains(currency)
                && amount.decimalValue().stripTrailingZeros().scale() > decimals(currency)) {
            errors.put("amount", "The amount may have at most " + decimals(currency) + " decimals in " + currency + ".");
        }
        JsonNode details = body.get("details");
        if (details != null && !details.isNull() && (!details.isTextual() || details.asText().length() > 255)) {
            errors.put("details", "The details may not be greater than 255 characters.");
        }
        for (String f : List.of("web_hook", "cancel_url", "success_url")) {
            if (!absoluteUrl(text(body, f))) {
                errors.put(f, "The " + f.replace('_', ' ') + " must be a valid URL.");
            }
        }
        String email = text(body, "customer_email");
        if (email == null || !EMAIL.matcher(email).matches()) {
            errors.put("customer_email", "The customer email must be a valid email address.");
        }
        return errors;
    }

    private static int decimals(String currency) {
        return "JPY".equals(currency) ? 0 : 2;
    }

    private BigDecimal fee(BigDecimal amount, String currency) {
        return amount.multiply(settings().feeRate()).setScale(decimals(currency), RoundingMode.HALF_UP);
    }

    // ---- webhooks ----------------------------------------------------------------------------------------

    /** A webhook as the provider signs it: the exact body sent, its {@code X-Timestamp} and {@code X-Signature}. */
    public record SignedWebhook(String body, String timestamp, String signature) {}

    /**
     * The genuine webhook of a paid payment, signed now, without sending it (a load generator sends it at its own
     * pace; the sandbox's check-validity confirms it).
     */
    public SignedWebhook signedWebhook(String paymentId) {
        ItoJapanPayments.Payment p = payments.find(paymentId)
                .orElseThrow(() -> new IllegalArgumentException("no payment " + paymentId));
        if (p.status() != ItoJapanPayments.Status.PAID) {
            throw new IllegalStateException("payment " + paymentId + " is not paid");
        }
        return sign(p, Webhook.GENUINE);
    }

    private SignedWebhook sign(ItoJapanPayments.Payment p, Webhook kind) {
        ObjectNode body = json.createObjectNode().put("code", 200).put("status", "ok").put("payment_id", p.paymentId())
                .put("transaction", p.transaction());
        // as written, with their decimals (100.00, 5.00), as the document shows them
        body.set("amount", DecimalNode.valueOf(p.amount().setScale(decimals(p.currency()), RoundingMode.UNNECESSARY)));
        body.set("charge", DecimalNode.valueOf(p.charge()));
        body.put("currency", p.currency()).put("custom", p.custom())
                .put("date", DATE.format(clock.instant().atZone(ZoneId.of("Asia/Tokyo"))));
        String compact;
        try {
            compact = json.writeValueAsString(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        long now = clock.instant().getEpochSecond();
        long timestamp = kind == Webhook.STALE ? now - settings().timestampWindow().toSeconds() - 1 : now;
        String key = kind == Webhook.FORGED ? settings().secretKey() + "-forged" : settings().secretKey();
        String signature = "sha256=" + hmacHex(key, String.valueOf(timestamp), compact.getBytes(StandardCharsets.UTF_8));
        String sent;
        try {
            sent = kind == Webhook.RESERIALIZED ? json.writerWithDefaultPrettyPrinter().writeValueAsString(body) : compact;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return new SignedWebhook(sent, String.valueOf(timestamp), signature);
    }

    private void notify(ItoJapanPayments.Payment p, Webhook kind) {
        SignedWebhook signed = sign(p, kind);
        // a forged, stale or re-serialized webhook is refused every time: it is sent once
        int retries = kind == Webhook.GENUINE ? settings().webhookRetries() : 0;
        webhooks.send(p.webHook(), signed.body(), "application/json",
                Map.of("X-Timestamp", signed.timestamp(), "X-Signature", signed.signature()),
                settings().webhookRetryInterval(), retries, "payment " + p.paymentId(),
                attempt -> attempt.status() >= 200 && attempt.status() < 300,
                attempt -> new WebhookAttempt(p.paymentId(), kind, attempt.number(), attempt.status(), attempt.answer()));
    }

    /** Lowercase hex HMAC-SHA256 of timestamp + "." + body. */
    public static String hmacHex(String key, String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    private String newId(int length) {
        StringBuilder b = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            b.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return b.toString();
    }

    private static byte[] body(HttpExchange exchange) throws IOException {
        return LoopbackHttpServer.readBody(exchange, MAX_BODY);
    }

    private static Map<String, String> form(String encoded) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String pair : encoded.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            values.putIfAbsent(k, v);
        }
        String id = values.get("payment_id");
        if (id != null && !ID_CHARS.matcher(id).matches()) {
            values.remove("payment_id");
        }
        return values;
    }

    private static boolean equal(String given, String expected) {
        return given != null && MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8),
                expected.getBytes(StandardCharsets.UTF_8));
    }

    private void error(HttpExchange exchange, int status, String message) throws IOException {
        send(exchange, status, json.createObjectNode().put("code", status).put("status", "error").put("message", message));
    }

    private void send(HttpExchange exchange, int status, ObjectNode body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        LoopbackHttpServer.respond(exchange, status, json.writeValueAsBytes(body));
    }

    private static void html(HttpExchange exchange, int status, String body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
        LoopbackHttpServer.respond(exchange, status,
                ("<!doctype html><html><body>" + body + "</body></html>").getBytes(StandardCharsets.UTF_8));
    }

    private static void redirect(HttpExchange exchange, String location) throws IOException {
        exchange.getResponseHeaders().set("Location", location);
        LoopbackHttpServer.respond(exchange, 302, new byte[0]);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        return v == null || v.isNull() || !v.isValueNode() ? null : v.asText();
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
