package io.kessai.sandbox.gmo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import io.kessai.sandbox.LoopbackHttpServer;
import io.kessai.sandbox.LoopbackSandbox;
import io.kessai.sandbox.NotificationSender;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A built-in sandbox of the GMO Payment Gateway "PG Multipayment OpenAPI type" (credit-card and cash parts), faithful
 * to the reference text and the OAS 1.3.1 document on the classpath. It listens on {@code 127.0.0.1} only.
 *
 * <h2>What it implements</h2>
 * <ul>
 *   <li>{@code POST /token} (OAuth2 client credentials, Basic auth, form body) issuing Bearer tokens.</li>
 *   <li>{@code POST /credit/charge}, {@code /credit/on-file/charge}, {@code /tds2/finalizeCharge},
 *       {@code /cash/charge}, {@code /order/capture}, {@code /order/cancel}, {@code /order/inquiry}: Basic or
 *       Bearer auth,
 *       {@code application/json}, bodies validated against the OAS request schemas, RFC 9457 problem answers
 *       with GMO's titles, optional {@code Idempotency-Key} (≤ 36 chars, 24 h, per shop; replays byte for byte,
 *       409 {@code conflict} while the first request is still running, re-processing after 409/429/500/502),
 *       concurrency limits per shop and endpoint (429 {@code too_many_requests}).</li>
 *   <li>{@code GET /sandbox/tds2/{accessId}[?result=success|failure]}: the fake 3-D Secure (ACS) page a browser
 *       visits; answers 302 to {@code merchant.callbackUrl?p=<base64url JSON>}.</li>
 *   <li>{@code GET /sandbox/cash/{accessId}}: an HTML page with a cash order's payment information (the
 *       {@code voucherUrl} / {@code bankUrl} of the answers).</li>
 *   <li>Cash webhooks ({@code CASH_PAID}) POSTed to {@code merchant.webhookUrl}, triggered by {@link #payCash}.</li>
 * </ul>
 *
 * <h2>Test cards</h2>
 * The sandbox has no card numbers: the behaviour is chosen by words contained (case-insensitively) in
 * {@code creditInformation.tokenizedCard.token} — or, for {@code /credit/on-file/charge}, in
 * {@code creditOnfileInformation.onfileCard.memberId}:
 * <table>
 *   <caption>test tokens</caption>
 *   <tr><th>token contains</th><th>result</th></tr>
 *   <tr><td>(anything else)</td><td>approved: 201, AUTH (nextAction CAPTURE) or CAPTURE (NO_ACTION), card
 *       {@code 4111********1111}</td></tr>
 *   <tr><td>{@code decline}</td><td>402 {@code card_declined} "This card cannot be used for transactions.(G12)"</td></tr>
 *   <tr><td>{@code insufficient}</td><td>402 {@code insufficient_balance}</td></tr>
 *   <tr><td>{@code limit}</td><td>402 {@code amount_limit_exceeded}</td></tr>
 *   <tr><td>{@code tds}</td><td>3-D Secure required unless {@code creditChargeOptions.useTds2} is false: 202,
 *       status AUTHENTICATED, nextAction REDIRECT to {@code /sandbox/tds2/{accessId}}
 *       ({@code merchant.callbackUrl} is then mandatory). The decline words apply at authorization time
 *       (finalize / automatic authorization).</td></tr>
 *   <tr><td>{@code slow}</td><td>the charge is performed once, but its answer is sent only after
 *       {@link Settings#slowTime()} (the Idempotency-Key stays "in progress" meanwhile)</td></tr>
 *   <tr><td>{@code flaky}</td><td>the first attempt for a given Idempotency-Key (or, without a key, for a given
 *       orderId) answers 502 {@code bad_gateway} and charges nothing; later attempts proceed normally</td></tr>
 * </table>
 * Words combine ({@code tds-decline}, {@code slow-flaky}, ...). Token type {@code APPLE_PAY_TOKEN} needs
 * {@code useTds2: false} (and no fraud detection), else 400 {@code invalid_parameter}. Direct card numbers
 * ({@code creditInformation.card}) answer 400 {@code invalid_contract} like a non-PCI-DSS shop.
 *
 * <h2>Test members (on-file)</h2>
 * Member {@code member-001} has card {@code cardId "0"} (VISA {@code 4111********1111}, the default, also
 * {@code index "0"}) and {@code cardId "1"} (Mastercard {@code 5555********4444}, {@code index "1"}); type must be
 * {@code CREDIT_CARD}. Any member ID containing one of the words above exists too, has the same cards and behaves
 * as that word says ({@code member-decline}, {@code member-tds}, ...). Other members: 400 {@code invalid_request};
 * other cardIds: 400 {@code invalid_parameter} "(creditOnfileInformation.onfileCard.cardId)".
 *
 * <h2>3-D Secure</h2>
 * A browser (or a test) GETs the redirectUrl; {@code ?result=failure} simulates a failed authentication, the default
 * is success ({@code Accept: text/html} without {@code result} shows a page with both links). With
 * {@code tds2Options.autoAuthorization=false} the callback event is {@code TDS_FINISHED} and money is authorized by
 * {@code /tds2/finalizeCharge}; otherwise the visit authorizes and the event is {@code TDS_CHARGE_FINISHED}.
 *
 * <h2>Cash payments ({@code /cash/charge})</h2>
 * Besides the schema ({@code CashChargeRequest}) and the checks of the card charge (amount, currency, item prices,
 * unique orderId), the sandbox enforces: {@code cashOptions.konbiniCode} for {@code KONBINI}; {@code payer.nameKana}
 * and a {@code payer.phones[].number} for {@code KONBINI} and {@code PAYEASY} (400 {@code missing_parameter}
 * "(payer.nameKana)" / "(payer.phones[0].number)"); {@code paymentPeriod} / {@code paymentExpiryDateTime} per
 * CashOptions' tables (400 {@code invalid_parameter}, or {@code missing_parameter} for BANK_TRANSFER_SMBC without
 * paymentPeriod). The payment deadline is 23:59:59+09:00 of the last day:
 * <table>
 *   <caption>payment periods (days, 0 = today)</caption>
 *   <tr><th>type</th><th>max</th><th>{@code 999}</th><th>omitted</th></tr>
 *   <tr><td>SEVEN_ELEVEN</td><td>150</td><td>150</td><td>7</td></tr>
 *   <tr><td>LAWSON, MINISTOP, SEICOMART</td><td>180</td><td>180</td><td>7</td></tr>
 *   <tr><td>FAMILYMART</td><td>60</td><td>60</td><td>7</td></tr>
 *   <tr><td>PAYEASY</td><td>60</td><td>error</td><td>7</td></tr>
 *   <tr><td>BANK_TRANSFER_SMBC</td><td>99</td><td>error</td><td>error (required)</td></tr>
 *   <tr><td>BANK_TRANSFER_GMO_AOZORA</td><td>999</td><td>999</td><td>no deadline (no
 *       {@code paymentExpiryDateTime} in the answer)</td></tr>
 * </table>
 * ("7" stands for GMO's "デフォルト値" of the shop management screen.) The answer is 202, nextAction {@code AWAIT},
 * status {@code REQSUCCESS} (KONBINI, PAYEASY) or {@code TRADING} (bank transfers), chargeType {@code CASH}, with
 * generated numbers in {@code konbiniPaymentInformation} (voucherUrl for SEVEN_ELEVEN only),
 * {@code pay-easyPaymentInformation} or {@code bankTransferPaymentInformation} (also for BANK_TRANSFER_SMBC, whose
 * OAS example wrongly uses the pay-easy field name). A {@code payer.name} containing {@code decline} answers 402
 * {@code processing_failure}; that order stays {@code UNPROCESSED} with errorInformation.
 * {@code /order/inquiry} answers {@code OrderInquiryResponseCash}; {@code /order/cancel} cancels REQSUCCESS/TRADING
 * (else 400 {@code invalid_status}); {@code /order/capture} is 400 {@code invalid_request}. An order still awaiting
 * payment after its deadline (sandbox clock) reads as {@code EXPIRED}.
 *
 * <p>Test hooks: {@link #payCash} (status PAYSUCCESS, then the {@code CASH_PAID} webhook
 * {@code {"accessId","event","csrfToken"}} is POSTed as {@code application/json} to the order's
 * {@code merchant.webhookUrl} from a background thread; any non-2xx answer or connection failure is retried every
 * {@link Settings#webhookRetryInterval()} up to 5 times, 6 attempts in all, like GMO), {@link #expireCash} (status
 * EXPIRED, no webhook — GMO sends none), {@link #resendWebhook} (the same notification once more, as providers do),
 * {@link #webhookDeliveries()} (every attempt, in order).
 *
 * <p>Fault hooks: {@link #failNext} answers the next requests to an endpoint with a given problem without
 * processing them; {@link #holdNextAnswer} processes the next request about an order at once but sends its answer
 * only when the test releases it (an answer overtaken by later events: a stale outcome).
 *
 * <p>Orders (with what later requests, the 3-D Secure page and the webhooks need) and the answers kept for
 * Idempotency-Key replays live in a {@link GmoOrders} store: in memory by default, in Kessai's database when Kessai
 * starts the sandbox, so that a new sandbox on the same store carries on where the last one stopped. Access tokens,
 * counters, recorded requests, fault hooks and pending webhook retries are not kept.
 *
 * <p>The sandbox never logs card tokens, passwords, headers or bodies.
 */
public final class GmoSandbox extends LoopbackSandbox<GmoSandbox, GmoSandbox.Settings> {

    private static final System.Logger LOG = System.getLogger(GmoSandbox.class.getName());
    private static final String ACS_PREFIX = "/sandbox/tds2/";
    private static final String CASH_PREFIX = GmoPayments.CASH_PAGE_PREFIX;
    /** "リトライは一定間隔で正常応答をするまで最大5回送信されます。" */
    private static final int WEBHOOK_RETRIES = 5;
    private static final int MAX_BODY = 1024 * 1024;
    private static final Duration IDEMPOTENCY_TTL = Duration.ofHours(24);
    private static final String JSON = "application/json";
    private static final String PROBLEM_JSON = "application/problem+json";
    private static final String FORM = "application/x-www-form-urlencoded";
    /**
     * The request body of the exchange this thread handles, once read (the hold hook looks at it after the answer
     * was made). Not an exchange attribute: on Java 17 those are shared by every exchange of the context.
     */
    private static final ThreadLocal<Map.Entry<HttpExchange, byte[]>> READ_BODY = new ThreadLocal<>();

    /**
     * Sandbox settings.
     *
     * @param shopId                  the shop ID accepted in Basic auth
     * @param shopPass                the shop password accepted in Basic auth
     * @param port                    listening port on 127.0.0.1; 0 = ephemeral
     * @param paymentConcurrencyLimit concurrent requests per shop on /token, /credit/*, /tds2/* (GMO: 5)
     * @param orderConcurrencyLimit   concurrent requests per shop on /order/* (GMO: 10)
     * @param tokenTtl                access token lifetime (GMO: 3600 s)
     * @param processingTime          minimum time every API request takes (so concurrency is observable)
     * @param slowTime                extra delay of the answer for the {@code slow} test token
     * @param webhookRetryInterval    pause before re-sending a webhook that failed (GMO: 60 min by default)
     */
    public record Settings(String shopId, String shopPass, int port, int paymentConcurrencyLimit,
                           int orderConcurrencyLimit, Duration tokenTtl, Duration processingTime, Duration slowTime,
                           Duration webhookRetryInterval) implements LoopbackSandbox.Listening {

        /** GMO's default webhook retry interval ("間隔の初期設定は60分"). */
        public static final Duration DEFAULT_WEBHOOK_RETRY_INTERVAL = Duration.ofMinutes(60);

        public Settings {
            Objects.requireNonNull(shopId, "shopId");
            Objects.requireNonNull(shopPass, "shopPass");
            Objects.requireNonNull(tokenTtl, "tokenTtl");
            Objects.requireNonNull(processingTime, "processingTime");
            Objects.requireNonNull(slowTime, "slowTime");
            Objects.requireNonNull(webhookRetryInterval, "webhookRetryInterval");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port);
            }
            if (paymentConcurrencyLimit < 1 || orderConcurrencyLimit < 1) {
                throw new IllegalArgumentException("concurrency limits must be at least 1");
            }
            if (tokenTtl.isNegative() || processingTime.isNegative() || slowTime.isNegative()
                    || webhookRetryInterval.isNegative()) {
                throw new IllegalArgumentException("durations must not be negative");
            }
        }

        /** The settings without a webhook retry interval: it is {@link #DEFAULT_WEBHOOK_RETRY_INTERVAL}. */
        public Settings(String shopId, String shopPass, int port, int paymentConcurrencyLimit,
                        int orderConcurrencyLimit, Duration tokenTtl, Duration processingTime, Duration slowTime) {
            this(shopId, shopPass, port, paymentConcurrencyLimit, orderConcurrencyLimit, tokenTtl, processingTime,
                    slowTime, DEFAULT_WEBHOOK_RETRY_INTERVAL);
        }

        /** Port 0, limits 5/10, token TTL 1 h, processing time 20 ms, slow time 3 s, webhook retry interval 60 min. */
        public static Settings defaults(String shopId, String shopPass) {
            return new Settings(shopId, shopPass, 0, 5, 10, Duration.ofHours(1), Duration.ofMillis(20),
                    Duration.ofSeconds(3), DEFAULT_WEBHOOK_RETRY_INTERVAL);
        }

        public Settings withPort(int port) {
            return new Settings(shopId, shopPass, port, paymentConcurrencyLimit, orderConcurrencyLimit, tokenTtl,
                    processingTime, slowTime, webhookRetryInterval);
        }

        public Settings withProcessingTime(Duration processingTime) {
            return new Settings(shopId, shopPass, port, paymentConcurrencyLimit, orderConcurrencyLimit, tokenTtl,
                    processingTime, slowTime, webhookRetryInterval);
        }

        public Settings withSlowTime(Duration slowTime) {
            return new Settings(shopId, shopPass, port, paymentConcurrencyLimit, orderConcurrencyLimit, tokenTtl,
                    processingTime, slowTime, webhookRetryInterval);
        }

        public Settings withTokenTtl(Duration tokenTtl) {
            return new Settings(shopId, shopPass, port, paymentConcurrencyLimit, orderConcurrencyLimit, tokenTtl,
                    processingTime, slowTime, webhookRetryInterval);
        }

        public Settings withLimits(int payment, int order) {
            return new Settings(shopId, shopPass, port, payment, order, tokenTtl, processingTime, slowTime,
                    webhookRetryInterval);
        }

        public Settings withWebhookRetryInterval(Duration webhookRetryInterval) {
            return new Settings(shopId, shopPass, port, paymentConcurrencyLimit, orderConcurrencyLimit, tokenTtl,
                    processingTime, slowTime, webhookRetryInterval);
        }

        @Override
        public String toString() {
            return "Settings[shopId=" + shopId + ", shopPass=***, port=" + port + ", paymentConcurrencyLimit="
                    + paymentConcurrencyLimit + ", orderConcurrencyLimit=" + orderConcurrencyLimit + ", tokenTtl="
                    + tokenTtl + ", processingTime=" + processingTime + ", slowTime=" + slowTime
                    + ", webhookRetryInterval=" + webhookRetryInterval + "]";
        }
    }

    /**
     * One request as the sandbox saw it.
     *
     * @param path           request path
     * @param idempotencyKey the Idempotency-Key header or null
     * @param authScheme     {@code Basic}, {@code Bearer} or null (absent or another scheme)
     * @param status         HTTP status answered
     * @param title          problem title, or null for non-problem answers
     * @param orderId        the order the request concerned ({@code order.orderId} or {@code orderId} of the body, or
     *                       the order of its {@code accessId}), or null (no JSON body, an unknown accessId)
     */
    public record RecordedRequest(String path, String idempotencyKey, String authScheme, int status, String title,
                                  String orderId) {
        public RecordedRequest(String path, String idempotencyKey, String authScheme, int status, String title) {
            this(path, idempotencyKey, authScheme, status, title, null);
        }
    }

    /**
     * One attempt to deliver a webhook.
     *
     * @param accessId the order's accessId
     * @param url      the merchant's webhookUrl
     * @param attempt  1 for the first attempt of a notification, 2..6 for its retries
     * @param status   the HTTP status answered, 0 = no answer (connection failure, timeout)
     */
    public record WebhookDelivery(String accessId, String url, int attempt, int status) {}

    private enum Endpoint {
        TOKEN("/token", null, false, false),
        CREDIT_CHARGE("/credit/charge", "CreditChargeRequest", true, false),
        CREDIT_ONFILE_CHARGE("/credit/on-file/charge", "CreditOnfileChargeRequest", true, false),
        CASH_CHARGE("/cash/charge", "CashChargeRequest", true, false),
        TDS2_FINALIZE_CHARGE("/tds2/finalizeCharge", "Tds2FinalizeChargeRequest", true, false),
        ORDER_CAPTURE("/order/capture", "OrderCaptureRequest", true, true),
        ORDER_CANCEL("/order/cancel", "OrderCancelRequest", true, true),
        ORDER_INQUIRY("/order/inquiry", "OrderInquiryRequest", false, true);

        final String path;
        final String schema;
        final boolean idempotent;
        final boolean orderLimit;

        Endpoint(String path, String schema, boolean idempotent, boolean orderLimit) {
            this.path = path;
            this.schema = schema;
            this.idempotent = idempotent;
            this.orderLimit = orderLimit;
        }

        static Endpoint of(String path) {
            for (Endpoint e : values()) {
                if (e.path.equals(path)) {
                    return e;
                }
            }
            return null;
        }
    }

    /** A complete HTTP answer (kept byte for byte for idempotent replays). */
    private record Reply(int status, String contentType, byte[] body, String title, Map<String, String> headers) {}

    private static final class KeyEntry {
        final String path;
        final Instant created;
        volatile Reply reply; // null while in progress

        KeyEntry(String path, Instant created) {
            this.path = path;
            this.created = created;
        }
    }

    private final GmoPayments payments;
    private final GmoOrders store;
    private volatile Clock clock = Clock.systemUTC();

    private final Map<String, Instant> tokens = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> maxInFlight = new ConcurrentHashMap<>();
    private final AtomicInteger tooManyRequests = new AtomicInteger();
    private final AtomicLong sequence = new AtomicLong();
    private final ConcurrentSkipListMap<Long, RecordedRequest> recorded = new ConcurrentSkipListMap<>();
    private final Map<String, KeyEntry> keys = new HashMap<>();
    private final List<Injected> injected = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<Hold> holds = new java.util.concurrent.CopyOnWriteArrayList<>();

    private final NotificationSender<WebhookDelivery> webhooks =
            closedWithSandbox(new NotificationSender<>(LOG, "gmo-sandbox-webhook", "GMO-PG sandbox: webhook"));

    /** A sandbox that keeps its orders in memory ({@link InMemoryGmoOrders}): they end with it. */
    public GmoSandbox(Settings settings) {
        this(settings, new InMemoryGmoOrders());
    }

    /**
     * A sandbox that keeps its orders and the answers for Idempotency-Key replays in {@code store}, and starts with
     * those already there, e.g. Kessai's database ({@link JdbcGmoOrders}), so that they outlive this sandbox.
     */
    public GmoSandbox(Settings settings, GmoOrders store) {
        super(LOG, "GMO-PG sandbox", "gmo-sandbox", 256, 64, settings);
        this.store = Objects.requireNonNull(store, "store");
        this.payments = new GmoPayments(() -> clock.instant(), this::baseUrl, store);
        for (GmoOrders.StoredReply r : store.replies()) {
            KeyEntry entry = new KeyEntry(r.path(), r.created());
            entry.reply = new Reply(r.status(), r.contentType(), r.body().getBytes(StandardCharsets.UTF_8), r.title(),
                    Map.of());
            keys.put(r.shopId() + "\u0000" + r.idempotencyKey(), entry);
        }
    }

    /** {@code baseUrl() + "/token"}. */
    public String tokenUrl() {
        return baseUrl() + "/token";
    }

    @Override
    public synchronized void close() {
        holds.forEach(Hold::release);
        super.close();
    }

    // ------------------------------------------------------------------ observation

    /**
     * How many times a charge/finalize actually authorized (or captured) money for that orderId — or, for a cash
     * order, issued its payment number; replays don't count.
     */
    public int authorizations(String orderId) {
        return payments.authorizations(orderId);
    }

    /** Highest number of concurrent in-flight (admitted) requests observed on that endpoint path. */
    public int maxInFlight(String path) {
        AtomicInteger max = maxInFlight.get(settings().shopId() + " " + path);
        return max == null ? 0 : max.get();
    }

    /** Total 429 answers. */
    public int tooManyRequestsAnswered() {
        return tooManyRequests.get();
    }

    /** Every answered request, in order of arrival. */
    public List<RecordedRequest> requests() {
        return List.copyOf(recorded.values());
    }

    /** Makes every access token issued so far answer 401 from now on. */
    public void expireAllTokens() {
        tokens.clear();
    }

    /**
     * Clears transactions, idempotency keys, counters, recorded requests and webhook deliveries, and stops pending
     * webhook retries; keeps settings and access tokens.
     */
    public void reset() {
        injected.clear();
        holds.forEach(Hold::release);
        holds.clear();
        webhooks.reset();
        payments.reset();
        synchronized (keys) {
            keys.clear();
        }
        maxInFlight.clear();
        tooManyRequests.set(0);
        recorded.clear();
    }

    // ------------------------------------------------------------------ fault hooks

    /** An answer {@link #failNext} put in place of processing. */
    private static final class Injected {
        final String path;
        final GmoProblem problem;
        final AtomicInteger remaining;

        Injected(String path, GmoProblem problem, int times) {
            this.path = path;
            this.problem = problem;
            this.remaining = new AtomicInteger(times);
        }
    }

    /**
     * The next {@code times} authenticated requests to {@code path} (e.g. {@code /credit/charge}) are answered with
     * this problem ({@code application/problem+json}, GMO's shape) without being processed: nothing is charged and
     * no Idempotency-Key is remembered. For answers the test cards cannot produce (403, 404, 422, a 401 that a
     * renewed token does not cure, ...).
     */
    public void failNext(String path, int status, String title, int times) {
        if (Endpoint.of(path) == null || status < 400 || status > 599 || times < 1) {
            throw new IllegalArgumentException("failNext(" + path + ", " + status + ", " + times + ")");
        }
        injected.add(new Injected(path, new GmoProblem(status, Objects.requireNonNull(title, "title"),
                "Injected by the sandbox's failNext test hook."), times));
    }

    private GmoProblem takeInjected(String path) {
        for (Injected i : injected) {
            if (i.path.equals(path) && i.remaining.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
                return i.problem;
            }
        }
        return null;
    }

    /**
     * An answer held back by {@link #holdNextAnswer}: the request was processed when it arrived (its effect and
     * its answer are those of that moment); the answer leaves when the test releases it, or after a minute.
     */
    public static final class Hold implements AutoCloseable {
        private final String path;
        private final String about;
        private final java.util.concurrent.atomic.AtomicBoolean taken = new java.util.concurrent.atomic.AtomicBoolean();
        private final java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        private final java.util.concurrent.CountDownLatch released = new java.util.concurrent.CountDownLatch(1);
        private volatile int status;

        private Hold(String path, String about) {
            this.path = path;
            this.about = about;
        }

        /** Waits until a matching request was answered and its answer is being held. */
        public boolean awaitHeld(Duration timeout) throws InterruptedException {
            return held.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        }

        public boolean isHeld() {
            return held.getCount() == 0 && released.getCount() > 0;
        }

        /** The HTTP status of the held answer (0 until one is held). */
        public int status() {
            return status;
        }

        /** Lets the held answer (if any, or the next one) go. */
        public void release() {
            released.countDown();
        }

        @Override
        public void close() {
            release();
        }
    }

    /**
     * Holds the answer to the next API request on {@code path} (null: any endpoint) that is about the order
     * {@code orderIdOrAccessId} (its orderId or accessId, as the request body names it). The request is processed
     * on arrival as usual (money moves, the Idempotency-Key keeps the answer for replays); only its answer is
     * delayed until {@link Hold#release()} (at most one minute), so that later events overtake it.
     */
    public Hold holdNextAnswer(String path, String orderIdOrAccessId) {
        if (path != null && Endpoint.of(path) == null) {
            throw new IllegalArgumentException("no endpoint " + path);
        }
        Hold hold = new Hold(path, Objects.requireNonNull(orderIdOrAccessId, "orderIdOrAccessId"));
        holds.add(hold);
        return hold;
    }

    private void holdIfAsked(HttpExchange exchange, String path, Reply reply) {
        if (holds.isEmpty() || Endpoint.of(path) == null || Endpoint.of(path) == Endpoint.TOKEN) {
            return;
        }
        JsonNode body;
        try {
            body = GmoOpenApi.MAPPER.readTree(readBody(exchange));
        } catch (IOException | RuntimeException e) {
            return;
        }
        if (body == null) {
            return;
        }
        java.util.Set<String> about = new java.util.HashSet<>();
        for (JsonNode n : List.of(body.path("orderId"), body.path("order").path("orderId"))) {
            if (n.isTextual()) {
                about.add(n.asText());
            }
        }
        if (body.path("accessId").isTextual()) {
            String accessId = body.path("accessId").asText();
            about.add(accessId);
            String orderId = payments.orderIdOf(accessId);
            if (orderId != null) {
                about.add(orderId);
            }
        }
        for (Hold hold : holds) {
            if ((hold.path == null || hold.path.equals(path)) && about.contains(hold.about)
                    && hold.taken.compareAndSet(false, true)) {
                holds.remove(hold);
                hold.status = reply.status();
                hold.held.countDown();
                try {
                    hold.released.await(1, java.util.concurrent.TimeUnit.MINUTES);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
        }
    }

    // ------------------------------------------------------------------ cash test hooks & webhooks

    /**
     * The customer paid the cash order: its status becomes PAYSUCCESS and, when the charge had a
     * {@code merchant.webhookUrl}, the {@code CASH_PAID} webhook is sent from a background thread (this method never
     * waits for it), with retries (see {@link Settings#webhookRetryInterval()}).
     *
     * @throws IllegalArgumentException unknown accessId or not a cash order
     * @throws IllegalStateException    the order is not REQSUCCESS or TRADING
     */
    public void payCash(String accessId) {
        GmoPayments.Webhook webhook = payments.payCash(accessId);
        if (webhook != null) {
            notify(webhook);
        }
    }

    /**
     * The payment period of the cash order ran out: status EXPIRED. No webhook (GMO sends none for expiry).
     *
     * @throws IllegalArgumentException unknown accessId or not a cash order
     * @throws IllegalStateException    the order is not REQSUCCESS or TRADING
     */
    public void expireCash(String accessId) {
        payments.expireCash(accessId);
    }

    /**
     * Sends the last webhook of that order once more (a new notification with the same body and its own retries),
     * as providers sometimes repeat notifications.
     *
     * @throws IllegalArgumentException unknown accessId or not a cash order
     * @throws IllegalStateException    no webhook was ever sent for that order
     */
    public void resendWebhook(String accessId) {
        notify(payments.lastWebhook(accessId));
    }

    /** Every webhook delivery attempt since the last {@link #reset()}, in order. */
    public List<WebhookDelivery> webhookDeliveries() {
        return webhooks.attempts();
    }

    /** POSTs the webhook in the background: any 2xx answer delivers it, else up to {@code WEBHOOK_RETRIES} retries. */
    private void notify(GmoPayments.Webhook webhook) {
        webhooks.send(webhook.url(), webhook.body(), JSON, settings().webhookRetryInterval(), WEBHOOK_RETRIES,
                "accessId " + webhook.accessId(),
                attempt -> attempt.status() >= 200 && attempt.status() < 300,
                attempt -> new WebhookDelivery(webhook.accessId(), webhook.url(), attempt.number(), attempt.status()));
    }

    /** For tests: the clock used for token expiry, idempotency-key expiry, timestamps and capture expiry. */
    void clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock);
    }

    // ------------------------------------------------------------------ HTTP plumbing

    @Override
    protected void handle(HttpExchange exchange) {
        READ_BODY.remove();
        long seq = sequence.incrementAndGet();
        String path = exchange.getRequestURI().getRawPath();
        Headers headers = exchange.getRequestHeaders();
        String key = emptyToNull(headers.getFirst("Idempotency-Key"));
        String authorization = headers.getFirst("Authorization");
        String scheme = authScheme(authorization);
        AtomicInteger slot = null;
        Reply reply;
        String orderId = null;
        try {
            if (path.startsWith(ACS_PREFIX)) {
                reply = acsPage(exchange, path);
            } else if (path.startsWith(CASH_PREFIX)) {
                reply = cashPage(exchange, path);
            } else {
                Endpoint endpoint = Endpoint.of(path);
                if (endpoint == null) {
                    throw GmoProblem.notFound();
                }
                if (!"POST".equals(exchange.getRequestMethod())) {
                    throw GmoProblem.methodNotAllowed();
                }
                if (endpoint != Endpoint.TOKEN) {
                    orderId = orderOf(exchange);
                }
                String shop = authenticate(authorization, endpoint);
                String counterKey = shop + " " + endpoint.path;
                AtomicInteger counter = inFlight.computeIfAbsent(counterKey, k -> new AtomicInteger());
                int limit = endpoint.orderLimit ? settings().orderConcurrencyLimit()
                        : settings().paymentConcurrencyLimit();
                int now = counter.incrementAndGet();
                if (now > limit) {
                    counter.decrementAndGet();
                    tooManyRequests.incrementAndGet();
                    throw GmoProblem.tooManyRequests();
                }
                slot = counter;
                maxInFlight.computeIfAbsent(counterKey, k -> new AtomicInteger()).accumulateAndGet(now, Math::max);
                GmoProblem failure = injected.isEmpty() ? null : takeInjected(endpoint.path);
                if (failure != null) {
                    throw failure;
                }
                reply = process(exchange, endpoint, shop, key);
            }
        } catch (GmoProblem p) {
            reply = problem(p, path);
        } catch (Throwable e) {   // never leave a slot or the exchange open; never log messages (may quote bodies)
            LOG.log(System.Logger.Level.WARNING, "GMO-PG sandbox: unexpected " + e.getClass().getName() + " on " + path);
            reply = problem(GmoProblem.internalError(), path);
        }
        recorded.put(seq, new RecordedRequest(path, key, scheme, reply.status(), reply.title(), orderId));
        if (slot != null) {
            // the connection is no longer counted once the answer is being sent
            slot.decrementAndGet();
        }
        holdIfAsked(exchange, path, reply);
        READ_BODY.remove();
        send(exchange, reply);
    }

    private Reply process(HttpExchange exchange, Endpoint endpoint, String shop, String key) {
        pause(settings().processingTime());
        if (endpoint == Endpoint.TOKEN) {
            return issueToken(exchange, shop);
        }
        String mediaType = mediaType(exchange.getRequestHeaders().getFirst("Content-Type"));
        if (!JSON.equals(mediaType)) {
            throw GmoProblem.unsupportedMediaType(JSON);
        }
        if (key != null && key.length() > 36) {
            throw GmoProblem.invalidHeader("Idempotency-Key");
        }
        if (!endpoint.idempotent || key == null) {
            return execute(exchange, endpoint, key, endpoint.path);
        }
        String mapKey = shop + "\u0000" + key;
        KeyEntry entry;
        synchronized (keys) {
            entry = keys.get(mapKey);
            Instant now = clock.instant();
            if (entry != null && entry.reply != null && !now.isBefore(entry.created.plus(IDEMPOTENCY_TTL))) {
                keys.remove(mapKey);
                store.forgetReply(shop, key);
                entry = null;
            }
            if (entry != null) {
                if (!entry.path.equals(endpoint.path)) {
                    throw new GmoProblem(400, "invalid_header",
                            "The Idempotency-Key has already been used for another API.(Idempotency-Key)");
                }
                if (entry.reply == null) {
                    throw GmoProblem.conflict();
                }
                return entry.reply;   // replay, byte for byte
            }
            entry = new KeyEntry(endpoint.path, now);
            keys.put(mapKey, entry);
        }
        Reply reply;
        try {
            reply = execute(exchange, endpoint, key, endpoint.path);
        } catch (GmoProblem p) {
            reply = problem(p, endpoint.path);
        } catch (Throwable e) {
            LOG.log(System.Logger.Level.WARNING,
                    "GMO-PG sandbox: unexpected " + e.getClass().getName() + " on " + endpoint.path);
            reply = problem(GmoProblem.internalError(), endpoint.path);
        }
        synchronized (keys) {
            int s = reply.status();
            if (s == 409 || s == 429 || s == 500 || s == 502) {
                keys.remove(mapKey, entry);   // the next attempt with this key is processed again
            } else {
                entry.reply = reply;
                // idempotent endpoints answer JSON without extra headers: the body and status are the whole answer
                try {
                    store.save(new GmoOrders.StoredReply(shop, key, entry.path, entry.created, s, reply.contentType(),
                            reply.title(), new String(reply.body(), StandardCharsets.UTF_8)));
                } catch (RuntimeException e) {   // the answer still goes out; only a restart forgets the key
                    LOG.log(System.Logger.Level.WARNING, "GMO-PG sandbox: idempotency key not stored: "
                            + e.getClass().getName());
                }
            }
        }
        return reply;
    }

    private Reply execute(HttpExchange exchange, Endpoint endpoint, String key, String instance) {
        JsonNode body = readJson(exchange);
        // The OpenAPI document and its validators are read on the first request, not at start-up (JVM-wide, once).
        GmoOpenApi.get().validateRequest(endpoint.schema, body);
        GmoPayments.Answer answer = switch (endpoint) {
            case CREDIT_CHARGE -> payments.charge(body, key);
            case CREDIT_ONFILE_CHARGE -> payments.onfileCharge(body, key);
            case CASH_CHARGE -> payments.cashCharge(body);
            case TDS2_FINALIZE_CHARGE -> payments.finalizeCharge(body);
            case ORDER_CAPTURE -> payments.capture(body);
            case ORDER_CANCEL -> payments.cancel(body);
            case ORDER_INQUIRY -> payments.inquiry(body);
            case TOKEN -> throw new IllegalStateException();
        };
        if (answer.slow()) {
            pause(settings().slowTime());
        }
        if (answer.problem() != null) {
            return problem(answer.problem(), instance);
        }
        return json(answer.status(), answer.body(), Map.of());
    }

    // ------------------------------------------------------------------ auth & token

    private String authenticate(String authorization, Endpoint endpoint) {
        if (authorization == null) {
            throw GmoProblem.unauthorized();
        }
        int space = authorization.indexOf(' ');
        if (space < 0) {
            throw GmoProblem.unauthorized();
        }
        String scheme = authorization.substring(0, space);
        String credentials = authorization.substring(space + 1).trim();
        if (scheme.equalsIgnoreCase("Basic")) {
            byte[] decoded;
            try {
                decoded = Base64.getDecoder().decode(credentials);
            } catch (IllegalArgumentException e) {
                throw GmoProblem.unauthorized();
            }
            byte[] expected = (settings().shopId() + ":" + settings().shopPass()).getBytes(StandardCharsets.UTF_8);
            if (!MessageDigest.isEqual(decoded, expected)) {
                throw GmoProblem.unauthorized();
            }
            return settings().shopId();
        }
        if (scheme.equalsIgnoreCase("Bearer") && endpoint != Endpoint.TOKEN) {
            Instant expiry = tokens.get(credentials);
            if (expiry == null) {
                throw GmoProblem.unauthorized();
            }
            if (!clock.instant().isBefore(expiry)) {
                tokens.remove(credentials, expiry);
                throw GmoProblem.unauthorized();
            }
            return settings().shopId();
        }
        throw GmoProblem.unauthorized();
    }

    private Reply issueToken(HttpExchange exchange, String shop) {
        if (!FORM.equals(mediaType(exchange.getRequestHeaders().getFirst("Content-Type")))) {
            throw GmoProblem.unsupportedMediaType(FORM);
        }
        ObjectNode form = GmoOpenApi.MAPPER.createObjectNode();
        String raw = new String(readBody(exchange), StandardCharsets.UTF_8);
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            try {
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                if (!value.isEmpty()) {
                    form.put(name, value);
                }
            } catch (IllegalArgumentException e) {
                throw GmoProblem.invalidParameter("body");
            }
        }
        GmoOpenApi.get().validateRequest("TokenRequest", form);
        String token = Base64.getEncoder().encodeToString(
                (UUID.randomUUID() + ":" + String.format(Locale.ROOT, "%013d", clock.millis()))
                        .getBytes(StandardCharsets.UTF_8));
        tokens.put(token, clock.instant().plus(settings().tokenTtl()));
        ObjectNode body = GmoOpenApi.MAPPER.createObjectNode();
        body.put("access_token", token);
        body.put("expires_in", Long.toString(settings().tokenTtl().toSeconds()));
        body.put("scope", "openapi");
        body.put("token_type", "bearer");
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("Cache-Control", "no-store");
        extra.put("Pragma", "no-cache");
        return json(201, body, extra);
    }

    // ------------------------------------------------------------------ fake ACS page

    private Reply acsPage(HttpExchange exchange, String path) {
        if (!"GET".equals(exchange.getRequestMethod())) {
            throw GmoProblem.methodNotAllowed();
        }
        String accessId = path.substring(ACS_PREFIX.length());
        if (!payments.isTdsTransaction(accessId)) {
            throw GmoProblem.notFound();
        }
        String result = queryParameter(exchange.getRequestURI().getRawQuery(), "result");
        String accept = exchange.getRequestHeaders().getFirst("Accept");
        if (result == null && accept != null && accept.toLowerCase(Locale.ROOT).contains("text/html")) {
            String html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>GMO-PG sandbox 3-D Secure"
                    + "</title></head>\n<body><h1>3-D Secure (sandbox)</h1><p>Transaction " + accessId + "</p>\n"
                    + "<p><a href=\"?result=success\">Authenticate successfully</a></p>\n"
                    + "<p><a href=\"?result=failure\">Fail authentication</a></p>\n</body></html>\n";
            return new Reply(200, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8), null,
                    Map.of("Cache-Control", "no-store"));
        }
        boolean success;
        if (result == null || result.equals("success")) {
            success = true;
        } else if (result.equals("failure")) {
            success = false;
        } else {
            throw GmoProblem.invalidParameter("result");
        }
        String location = payments.acsReturn(accessId, success);
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("Location", location);
        extra.put("Cache-Control", "no-store");
        return new Reply(302, null, new byte[0], null, extra);
    }

    // ------------------------------------------------------------------ cash payment page

    /**
     * {@code GET}: the cash order's payment information, with a "Pay" button while it awaits payment. The button
     * POSTs the form {@code result=paid} to the same URL, which plays the customer paying at the till
     * ({@link #payCash}: status PAYSUCCESS and the {@code CASH_PAID} webhook to Kessai) and answers
     * {@code 303 See Other} back to the page. With curl: {@code curl -s -d result=paid CASH_PAGE_URL}. An order
     * no longer awaiting payment answers {@code 400 invalid_status}.
     */
    private Reply cashPage(HttpExchange exchange, String path) {
        String accessId = path.substring(CASH_PREFIX.length());
        if ("POST".equals(exchange.getRequestMethod())) {
            String form;
            try {
                form = new String(exchange.getRequestBody().readNBytes(4096), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw GmoProblem.invalidRequest("unreadable form");
            }
            String result = queryParameter(form, "result");
            if (result != null && !"paid".equals(result)) {
                throw GmoProblem.invalidParameter("result");
            }
            payments.cashPage(accessId);   // 404 unless it is a cash order with a page
            try {
                payCash(accessId);
            } catch (IllegalStateException e) {
                throw GmoProblem.invalidStatus("the cash order is not awaiting payment");
            }
            Map<String, String> extra = new LinkedHashMap<>();
            extra.put("Location", CASH_PREFIX + accessId);
            extra.put("Cache-Control", "no-store");
            return new Reply(303, "text/plain; charset=utf-8", "payment paid\n".getBytes(StandardCharsets.UTF_8), null, extra);
        }
        if (!"GET".equals(exchange.getRequestMethod())) {
            throw GmoProblem.methodNotAllowed();
        }
        String html = payments.cashPage(path.substring(CASH_PREFIX.length()));
        return new Reply(200, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8), null,
                Map.of("Cache-Control", "no-store"));
    }

    // ------------------------------------------------------------------ helpers

    /**
     * The order a JSON request concerns, for {@link #requests()}: reads the body ahead and puts it back for the
     * request's own processing. Null when the body is not JSON or names no known order.
     */
    private String orderOf(HttpExchange exchange) {
        byte[] raw;
        try {
            raw = exchange.getRequestBody().readNBytes(MAX_BODY + 1);
        } catch (IOException e) {
            // the request's own processing reports it where it always did (HttpExchange attributes are
            // shared by every request of the context, so the failure travels with this request's stream)
            exchange.setStreams(new InputStream() {
                @Override
                public int read() throws IOException {
                    throw new IOException("the request body could not be read");
                }
            }, null);
            return null;
        }
        exchange.setStreams(new java.io.ByteArrayInputStream(raw), null);
        if (raw.length > MAX_BODY) {
            return null;
        }
        JsonNode body;
        try {
            body = GmoOpenApi.MAPPER.readTree(raw);
        } catch (IOException e) {
            return null;
        }
        if (body == null || !body.isObject()) {
            return null;
        }
        if (body.path("order").hasNonNull("orderId")) {
            return body.path("order").path("orderId").asText();
        }
        if (body.hasNonNull("orderId")) {
            return body.path("orderId").asText();
        }
        return body.hasNonNull("accessId") ? payments.orderIdOf(body.path("accessId").asText()) : null;
    }

    private JsonNode readJson(HttpExchange exchange) {
        byte[] raw = readBody(exchange);
        JsonNode node;
        try {
            node = GmoOpenApi.MAPPER.readTree(raw);
        } catch (IOException e) {
            throw new GmoProblem(400, "invalid_parameter", "The request body is not valid JSON.");
        }
        if (node == null || node.isMissingNode()) {
            throw new GmoProblem(400, "invalid_parameter", "The request body is not valid JSON.");
        }
        return clean(node);
    }

    /** "任意パラメーター": {@code null} and {@code ""} mean "not set". */
    private static JsonNode clean(JsonNode node) {
        if (node instanceof ObjectNode object) {
            List<String> remove = new ArrayList<>();
            for (Map.Entry<String, JsonNode> e : object.properties()) {
                JsonNode v = e.getValue();
                if (v.isNull() || (v.isTextual() && v.asText().isEmpty())) {
                    remove.add(e.getKey());
                } else {
                    clean(v);
                }
            }
            object.remove(remove);
        } else if (node instanceof ArrayNode array) {
            for (JsonNode child : array) {
                clean(child);
            }
        }
        return node;
    }

    private static byte[] readBody(HttpExchange exchange) {
        Map.Entry<HttpExchange, byte[]> read = READ_BODY.get();
        if (read != null && read.getKey() == exchange) {
            return read.getValue();
        }
        byte[] body;
        try {
            body = LoopbackHttpServer.readBody(exchange, MAX_BODY);
        } catch (IOException e) {
            throw GmoProblem.invalidRequest("The request body could not be read.");
        }
        if (body == null) {
            throw GmoProblem.invalidRequest("The request body is too large.");
        }
        READ_BODY.set(Map.entry(exchange, body));
        return body;
    }

    private static Reply json(int status, JsonNode body, Map<String, String> headers) {
        try {
            return new Reply(status, JSON, GmoOpenApi.MAPPER.writeValueAsBytes(body), null, headers);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Reply problem(GmoProblem p, String instance) {
        try {
            return new Reply(p.status, PROBLEM_JSON, GmoOpenApi.MAPPER.writeValueAsBytes(p.toJson(instance)),
                    p.title, Map.of());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void send(HttpExchange exchange, Reply reply) {
        Headers out = exchange.getResponseHeaders();
        if (reply.contentType() != null) {
            out.set("Content-Type", reply.contentType());
        }
        reply.headers().forEach(out::set);
        if (reply.status() == 405) {
            String path = exchange.getRequestURI().getRawPath();
            out.set("Allow", path.startsWith(ACS_PREFIX) || path.startsWith(CASH_PREFIX) ? "GET" : "POST");
        }
        LoopbackHttpServer.respondAndClose(exchange, reply.status(), reply.body(), LOG, "GMO-PG sandbox");
    }

    private static String authScheme(String authorization) {
        if (authorization == null) {
            return null;
        }
        String scheme = authorization.trim().split(" ", 2)[0];
        if (scheme.equalsIgnoreCase("Basic")) {
            return "Basic";
        }
        if (scheme.equalsIgnoreCase("Bearer")) {
            return "Bearer";
        }
        return null;
    }

    private static String mediaType(String contentType) {
        if (contentType == null) {
            return null;
        }
        int semicolon = contentType.indexOf(';');
        return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }

    private static String queryParameter(String rawQuery, String name) {
        if (rawQuery == null) {
            return null;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String n = eq < 0 ? pair : pair.substring(0, eq);
            if (n.equals(name)) {
                try {
                    return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    throw GmoProblem.invalidParameter(name);
                }
            }
        }
        return null;
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    private static void pause(Duration d) {
        if (d.isZero()) {
            return;
        }
        try {
            Thread.sleep(d.toMillis(), d.toNanosPart() % 1_000_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
