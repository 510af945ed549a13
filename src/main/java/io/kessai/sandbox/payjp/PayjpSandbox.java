package io.kessai.sandbox.payjp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import io.kessai.sandbox.LoopbackHttpServer;
import io.kessai.sandbox.LoopbackSandbox;
import io.kessai.sandbox.NotificationSender;
import io.kessai.sandbox.payjp.PayjpState.Filter;
import io.kessai.sandbox.payjp.PayjpState.IdempotencyRow;
import io.kessai.sandbox.payjp.PayjpState.Kind;
import io.kessai.sandbox.payjp.PayjpState.Row;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * A built-in sandbox of PAY.JP: the ordinary v1 charge API and the (deprecated, still served) Platform API of
 * {@code payjp-platform.txt}, at {@code https://api.pay.jp/v1}-shaped paths under {@link #baseUrl()}. It listens on
 * {@code 127.0.0.1} only, and the core never imports it. Its state is in one {@link PayjpState}.
 *
 * <h2>Requests</h2>
 * <ul>
 *   <li>Basic auth, the secret key as user and an empty password ({@code curl -u sk_test_...:}). Missing: 401
 *       {@code no_api_key}; anything else (another key, a password, another scheme, a rotated-out or deleted
 *       merchant's key): 401 {@code invalid_api_key}. {@code /v1/charges*} take a merchant's test secret key
 *       ({@link Settings#secretKey()} is the built-in merchant's, {@link #merchantId()}; every merchant created
 *       through the Platform API has its own), type {@code auth_error} as in the v1 reference's error types;
 *       {@code /v1/platform/*} take {@link Settings#platformKey()}, type {@code client_error} (the Platform Error
 *       table has only client_error and server_error).</li>
 *   <li>Bodies {@code application/x-www-form-urlencoded} (the applications also {@code multipart/form-data}), parsed
 *       strictly by {@link PayjpForm}; a query string on a POST, or a body of another type: 400.</li>
 *   <li>Every refusal is PAY.JP's error object {@code {"error":{"code","message","param","status","type"}}} (the
 *       applications' field checks: {@code {"errors":{field:[{code,message}]}}}); an unknown path 404
 *       {@code not_found}, another method 405 {@code not_allowed_method}.</li>
 *   <li>Rate limit: a token bucket per merchant (or the platform) and zone — {@code payment} for the POSTs on
 *       {@code /v1/charges}, {@code sk} for everything else, as the v1 reference's Rate Limit section splits them —
 *       of {@link Settings#ratePerSecond()} with room for {@link Settings#rateBurst()}; past it, 429
 *       {@code over_capacity} (the v1 reference; its limits "予告なく変更される可能性があります", so they are settings).</li>
 *   <li>{@code Idempotency-Key} on POSTs (at most 255 of {@code [A-Za-z0-9_-]}, else 400
 *       {@code invalid_idempotency_key}), per merchant, kept 24 hours: the same key with the same request (method,
 *       path and parameters, in any order) replays the stored answer byte for byte and performs nothing; the same key
 *       with another request is 409 {@code idempotency_conflict}; while the first request is still running another
 *       one with that key waits up to {@link Settings#idempotencyWait()} for its answer, then 409
 *       {@code idempotency_timeout}. An answer 429 or 5xx is not stored (nothing was done: the key may be retried).
 *       PAY.JP's v1 reference names the header without the rules; these are the rules and codes of PAY.JP's
 *       published idempotency guide ("冪等リクエスト": 255 characters, {@code invalid_idempotency_key} 400,
 *       {@code idempotency_conflict} 409 "同じキーで異なるパラメータのリクエストが送信された",
 *       {@code idempotency_timeout} 409 "元のリクエストの完了待ちがタイムアウト").</li>
 * </ul>
 *
 * <h2>Charges ({@link PayjpCharges})</h2>
 * {@code POST /v1/charges}, {@code GET /v1/charges} (list: limit, offset, since, until), {@code GET /v1/charges/{id}}, {@code POST /v1/charges/{id}/capture},
 * {@code POST /v1/charges/{id}/refund}; a merchant sees only its own charges. The sandbox has no card numbers: any
 * {@code tok_...} is a Visa 4242 test card used once, any {@code cus_...} a customer with one card (id
 * {@code car_...}, the same each time); words in the token or customer id choose what happens:
 * <table>
 *   <caption>test tokens and customers</caption>
 *   <tr><th>contains</th><th>answer</th></tr>
 *   <tr><td>(nothing below)</td><td>200, the charge</td></tr>
 *   <tr><td>{@code declined}, {@code insufficient}</td><td>402 card_error {@code card_declined} (PAY.JP has no
 *       insufficient-funds code)</td></tr>
 *   <tr><td>{@code expired_card}</td><td>402 {@code expired_card}</td></tr>
 *   <tr><td>{@code cvc}</td><td>402 {@code invalid_cvc}</td></tr>
 *   <tr><td>{@code processing_error}</td><td>402 {@code processing_error}</td></tr>
 *   <tr><td>{@code flagged}</td><td>402 {@code card_flagged}</td></tr>
 *   <tr><td>{@code nocard} (customers)</td><td>402 {@code missing_card}</td></tr>
 *   <tr><td>{@code unknown} (customers)</td><td>404 {@code invalid_id}</td></tr>
 *   <tr><td>{@code slow}</td><td>the charge is made at once, its answer is sent after {@link Settings#slowTime()}
 *       (its Idempotency-Key stays running meanwhile)</td></tr>
 *   <tr><td>{@code flaky}</td><td>the first request (per Idempotency-Key, or without one per token/customer and
 *       amount) answers 500 {@code server_error} before anything is done; later ones proceed</td></tr>
 * </table>
 * A declined card still makes a (failed) charge: {@code paid:false}, {@code failure_code}, the error's
 * {@code charge} names it, {@code charge.failed} is sent.
 *
 * <h2>Platform ({@link PayjpPlatform}, {@link PayjpApplications}, {@link PayjpTransfers})</h2>
 * {@code /v1/platform/merchants} (create, list), {@code /v1/platform/merchants/{id}} (retrieve, delete),
 * {@code .../keys}, {@code .../applications/basic}, {@code .../applications/additional},
 * {@code /v1/platform/transfers}, {@code /v1/platform/transfers/{id}}, {@code .../transfers},
 * {@code .../transfers/{transfer_id}}.
 *
 * <h2>Webhooks</h2>
 * Every event ({@link PayjpEvents}) is POSTed as JSON to {@link Settings#webhookUrl()} (when set) with the header
 * {@code X-Payjp-Webhook-Token: }{@link Settings#webhookToken()}; an attempt without a 2xx answer is retried every
 * {@link Settings#webhookRetryInterval()} up to {@link Settings#webhookRetries()} times (PAY.JP's webhook page says
 * deliveries may fail or come twice; the interval and the count are settings, 3 minutes and 3 by default by the
 * sandbox's choice). Hooks:
 * {@link #resendEvent} (a duplicate: same id, same body), {@link #sendEventWithToken} (e.g. a wrong or no token),
 * {@link #raiseEvent} (a new event about an object as it is now), {@link #webhookDeliveries()}.
 *
 * <h2>Test hooks</h2>
 * {@link #createTransfer}, {@link #createTransfers}, {@link #merchantTransferIds}, {@link #changeTransferStatus},
 * {@link #expireAuthorization}, {@link #approveMerchant}, {@link #requests()}, {@link #chargesWith},
 * {@link #events()}, {@link #reset()}.
 *
 * <p>The sandbox never logs keys, tokens, headers or bodies.
 */
public final class PayjpSandbox extends LoopbackSandbox<PayjpSandbox, PayjpSandbox.Settings> {

    private static final System.Logger LOG = System.getLogger(PayjpSandbox.class.getName());
    private static final int MAX_BODY = 8 * 1024 * 1024;
    private static final Duration IDEMPOTENCY_TTL = Duration.ofHours(24);
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[A-Za-z0-9_-]{1,255}");
    private static final String JSON = "application/json";
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String MULTIPART = "multipart/form-data";
    /** The header PAY.JP's webhooks carry (the webhook page; providers.md). */
    public static final String WEBHOOK_TOKEN_HEADER = "X-Payjp-Webhook-Token";

    /**
     * Sandbox settings.
     *
     * @param secretKey            the built-in merchant's test secret key ({@code sk_test_...}) for {@code /v1/charges}
     * @param platformKey          the platform's secret key ({@code sk_live_pf_...} in the document) for
     *                             {@code /v1/platform/*}
     * @param port                 listening port on 127.0.0.1; 0 = ephemeral
     * @param ratePerSecond        requests per second each merchant (or the platform) may make per zone
     * @param rateBurst            how many requests may come at once (the bucket's size)
     * @param processingTime       the least time every request takes
     * @param slowTime             the extra delay of a {@code slow} token's answer
     * @param idempotencyWait      how long a request waits for a running one with the same Idempotency-Key
     * @param webhookUrl           where events are POSTed; null = none are sent (they are still recorded)
     * @param webhookToken         the {@code X-Payjp-Webhook-Token} value
     * @param webhookRetryInterval pause before re-sending an event that failed
     * @param webhookRetries       how many times a failed event is re-sent (attempts = 1 + retries)
     */
    public record Settings(String secretKey, String platformKey, int port, double ratePerSecond, int rateBurst,
                           Duration processingTime, Duration slowTime, Duration idempotencyWait, String webhookUrl,
                           String webhookToken, Duration webhookRetryInterval, int webhookRetries)
            implements LoopbackSandbox.Listening {

        public Settings {
            Objects.requireNonNull(secretKey, "secretKey");
            Objects.requireNonNull(platformKey, "platformKey");
            Objects.requireNonNull(processingTime, "processingTime");
            Objects.requireNonNull(slowTime, "slowTime");
            Objects.requireNonNull(idempotencyWait, "idempotencyWait");
            Objects.requireNonNull(webhookToken, "webhookToken");
            Objects.requireNonNull(webhookRetryInterval, "webhookRetryInterval");
            if (!secretKey.startsWith("sk_test_")) {
                throw new IllegalArgumentException("secretKey must be a test secret key (sk_test_...)");
            }
            if (secretKey.equals(platformKey)) {
                throw new IllegalArgumentException("secretKey and platformKey must differ");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port);
            }
            if (!(ratePerSecond > 0) || rateBurst < 1) {
                throw new IllegalArgumentException("ratePerSecond must be > 0 and rateBurst >= 1");
            }
            if (processingTime.isNegative() || slowTime.isNegative() || idempotencyWait.isNegative()
                    || webhookRetryInterval.isNegative() || webhookRetries < 0) {
                throw new IllegalArgumentException("durations and retries must not be negative");
            }
        }

        /**
         * Port 0, 20 requests per second with a burst of 20 per zone, processing time 5 ms, slow time 3 s, idempotency
         * wait 1 s, no webhook URL, webhook token {@code whook_sandbox}, webhook retries every 3 minutes, 3 times.
         */
        public static Settings defaults(String secretKey, String platformKey) {
            return new Settings(secretKey, platformKey, 0, 20, 20, Duration.ofMillis(5), Duration.ofSeconds(3),
                    Duration.ofSeconds(1), null, "whook_sandbox", Duration.ofMinutes(3), 3);
        }

        public Settings withPort(int port) {
            return new Settings(secretKey, platformKey, port, ratePerSecond, rateBurst, processingTime, slowTime,
                    idempotencyWait, webhookUrl, webhookToken, webhookRetryInterval, webhookRetries);
        }

        public Settings withRateLimit(double ratePerSecond, int rateBurst) {
            return new Settings(secretKey, platformKey, port, ratePerSecond, rateBurst, processingTime, slowTime,
                    idempotencyWait, webhookUrl, webhookToken, webhookRetryInterval, webhookRetries);
        }

        public Settings withProcessingTime(Duration processingTime) {
            return new Settings(secretKey, platformKey, port, ratePerSecond, rateBurst, processingTime, slowTime,
                    idempotencyWait, webhookUrl, webhookToken, webhookRetryInterval, webhookRetries);
        }

        public Settings withSlowTime(Duration slowTime) {
            return new Settings(secretKey, platformKey, port, ratePerSecond, rateBurst, processingTime, slowTime,
                    idempotencyWait, webhookUrl, webhookToken, webhookRetryInterval, webhookRetries);
        }

        public Settings withIdempotencyWait(Duration idempotencyWait) {
            return new Settings(secretKey, platformKey, port, ratePerSecond, rateBurst, processingTime, slowTime,
                    idempotencyWait, webhookUrl, webhookToken, webhookRetryInterval, webhookRetries);
        }

        public Settings withWebhook(String webhookUrl, String webhookToken) {
            return new Settings(secretKey, platformKey, port, ratePerSecond, rateBurst, processingTime, slowTime,
                    idempotencyWait, webhookUrl, webhookToken, webhookRetryInterval, webhookRetries);
        }

        public Settings withWebhookRetries(Duration webhookRetryInterval, int webhookRetries) {
            return new Settings(secretKey, platformKey, port, ratePerSecond, rateBurst, processingTime, slowTime,
                    idempotencyWait, webhookUrl, webhookToken, webhookRetryInterval, webhookRetries);
        }

        @Override
        public String toString() {
            return "Settings[secretKey=***, platformKey=***, port=" + port + ", ratePerSecond=" + ratePerSecond
                    + ", rateBurst=" + rateBurst + ", processingTime=" + processingTime + ", slowTime=" + slowTime
                    + ", idempotencyWait=" + idempotencyWait + ", webhookUrl=" + webhookUrl
                    + ", webhookToken=***, webhookRetryInterval=" + webhookRetryInterval + ", webhookRetries="
                    + webhookRetries + "]";
        }
    }

    /**
     * One request as the sandbox answered it.
     *
     * @param method         HTTP method
     * @param path           request path
     * @param query          raw query string, or null
     * @param idempotencyKey the Idempotency-Key header, or null
     * @param authScheme     {@code Basic}, {@code Bearer} or null (absent or another scheme)
     * @param status         HTTP status answered
     * @param errorCode      the error object's {@code code}, {@code "errors"} for field errors, or null
     * @param replayed       whether the answer was an Idempotency-Key replay
     */
    public record RecordedRequest(String method, String path, String query, String idempotencyKey, String authScheme,
                                  int status, String errorCode, boolean replayed) {}

    /**
     * One attempt to deliver an event.
     *
     * @param eventId   the event's id
     * @param type      the event's type
     * @param url       where it was POSTed
     * @param attempt   1 for the first attempt, 2.. for the retries
     * @param status    the HTTP status answered, 0 = no answer
     * @param rightToken whether the attempt carried the configured webhook token
     */
    public record WebhookDelivery(String eventId, String type, String url, int attempt, int status,
                                  boolean rightToken) {}

    /**
     * An event as stored.
     *
     * @param id       {@code evnt_...}
     * @param type     e.g. {@code charge.succeeded}
     * @param objectId the id of the object in {@code data}
     * @param json     the event's JSON
     */
    public record Event(String id, String type, String objectId, String json) {}

    private enum Op {
        CHARGE_CREATE, CHARGE_LIST, CHARGE_GET, CHARGE_CAPTURE, CHARGE_REFUND, MERCHANT_CREATE, MERCHANT_LIST, MERCHANT_GET,
        MERCHANT_DELETE, MERCHANT_KEYS, APPLICATION_BASIC, APPLICATION_ADDITIONAL, PF_TRANSFER_LIST,
        PF_TRANSFER_GET, TRANSFER_LIST, TRANSFER_GET;

        boolean platform() {
            return ordinal() >= MERCHANT_CREATE.ordinal();
        }
    }

    private record Route(Op op, List<String> ids) {}

    /** A complete answer. */
    private record Reply(int status, byte[] body, String errorCode, boolean replayed) {}

    /** What an operation produced: the answer and the events to send once it is answered. */
    private record Outcome(Reply reply, List<Row> events, boolean slow) {}

    private static final class TokenBucket {
        private final double rate;
        private final double capacity;
        private double tokens;
        private long last = System.nanoTime();

        TokenBucket(double rate, int capacity) {
            this.rate = rate;
            this.capacity = capacity;
            this.tokens = capacity;
        }

        synchronized boolean take() {
            long now = System.nanoTime();
            tokens = Math.min(capacity, tokens + (now - last) / 1e9 * rate);
            last = now;
            if (tokens >= 1) {
                tokens -= 1;
                return true;
            }
            return false;
        }
    }

    private final PayjpState state;
    private volatile Clock clock = Clock.systemUTC();
    private final PayjpEvents events;
    private final PayjpCharges charges;
    private final PayjpPlatform platform;
    private final PayjpTransfers transfers;
    private final String merchantId;
    private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();
    private final AtomicInteger tooManyRequests = new AtomicInteger();
    private final AtomicLong sequence = new AtomicLong();
    private final ConcurrentSkipListMap<Long, RecordedRequest> recorded = new ConcurrentSkipListMap<>();
    private final NotificationSender<WebhookDelivery> webhooks =
            closedWithSandbox(new NotificationSender<>(LOG, "payjp-sandbox-webhook", "PAY.JP sandbox: webhook"));

    /** A sandbox keeping its state in memory. */
    public PayjpSandbox(Settings settings) {
        this(settings, new InMemoryPayjpState());
    }

    /**
     * A sandbox keeping its state in {@code state}: what is there already stays (a sandbox started again on the same
     * state carries on where the last one stopped), the built-in merchant is added when missing.
     */
    public PayjpSandbox(Settings settings, PayjpState state) {
        super(LOG, "PAY.JP sandbox", "payjp-sandbox", 256, 64, settings);
        this.state = Objects.requireNonNull(state, "state");
        this.events = new PayjpEvents(state, this::now);
        this.charges = new PayjpCharges(state, this::now, events);
        this.platform = new PayjpPlatform(state, this::now);
        this.transfers = new PayjpTransfers(state, this::now, events);
        this.merchantId = "acct_" + sha256Hex(settings().secretKey()).substring(0, 27);
        addBuiltInMerchant();
    }

    private void addBuiltInMerchant() {
        state.atomically(() -> {
            if (state.find(Kind.ACCOUNT, merchantId).isEmpty()) {
                platform.createMerchant(merchantId, "Kessai sandbox shop", settings().secretKey());
            }
        });
    }

    /** {@code baseUrl() + "/v1"}, the counterpart of {@code https://api.pay.jp/v1}. */
    public String apiBase() {
        return baseUrl() + "/v1";
    }

    // ------------------------------------------------------------------ observation & hooks

    /** The built-in merchant's account id (the one {@link Settings#secretKey()} belongs to). */
    public String merchantId() {
        return merchantId;
    }

    /** Every answered request since the last {@link #reset()}, in order of arrival. */
    public List<RecordedRequest> requests() {
        return List.copyOf(recorded.values());
    }

    /** 429 answers since the last {@link #reset()}. */
    public int tooManyRequestsAnswered() {
        return tooManyRequests.get();
    }

    /** How many charges were made with that token or customer (a replay makes none). */
    public int chargesWith(String tokenOrCustomer) {
        return charges.chargesWith(tokenOrCustomer);
    }

    /** Every event, newest first. */
    public List<Event> events() {
        List<Event> out = new ArrayList<>();
        for (Row r : state.all(Kind.EVENT, Filter.ALL)) {
            out.add(new Event(r.id(), r.status(), r.parent(), new String(PayjpJson.write(r.body()),
                    StandardCharsets.UTF_8)));
        }
        return out;
    }

    /** Every webhook delivery attempt since the last {@link #reset()}, in order. */
    public List<WebhookDelivery> webhookDeliveries() {
        return webhooks.attempts();
    }

    /** Sends a stored event once more, as it was (same id, same body): a duplicate. */
    public void resendEvent(String eventId) {
        deliver(event(eventId), settings().webhookToken());
    }

    /** Sends a stored event with another {@code X-Payjp-Webhook-Token} (null: without the header). */
    public void sendEventWithToken(String eventId, String token) {
        deliver(event(eventId), token);
    }

    /**
     * Raises and sends a new event of {@code type} about a charge ({@code ch_}) or transfer ({@code tr_},
     * {@code pf_tr_}) as it is now; returns the event's id.
     */
    public String raiseEvent(String type, String objectId) {
        ObjectNode data;
        if (objectId.startsWith("ch_")) {
            Row r = state.find(Kind.CHARGE, objectId).orElseThrow(() -> new IllegalArgumentException(objectId));
            data = r.body();
        } else if (objectId.startsWith("pf_tr_")) {
            data = transfers.retrieve(objectId);
        } else {
            Row r = state.find(Kind.TRANSFER, objectId).orElseThrow(() -> new IllegalArgumentException(objectId));
            data = transfers.merchantRetrieve(r.parent(), objectId);
        }
        Row e = events.raise(type, data, objectId);
        deliver(e, settings().webhookToken());
        return e.id();
    }

    /** Makes an uncaptured charge's authorization expired: capture is then 400 {@code charge_expired}. */
    public void expireAuthorization(String chargeId) {
        charges.expireAuthorization(chargeId);
    }

    /** PAY.JP's review of a merchant's application passed: live mode is enabled. */
    public void approveMerchant(String accountId) {
        platform.approve(accountId);
    }

    /**
     * Creates a pending platform transfer made at {@code created} with {@code merchantTransfers} merchant transfers
     * (for the built-in merchant); returns its {@code pf_tr_} id.
     */
    public String createTransfer(Instant created, int merchantTransfers) {
        return createTransfer(created, merchantTransfers, List.of(merchantId));
    }

    /** As {@link #createTransfer(Instant, int)}, the merchant transfers going to {@code merchants} in turn. */
    public String createTransfer(Instant created, int merchantTransfers, List<String> merchants) {
        return transfers.create(created, merchantTransfers, merchants);
    }

    /**
     * Creates {@code count} pending platform transfers of one merchant transfer each, the newest made at
     * {@code newest} and each next one {@code spacing} earlier; returns their ids, newest first.
     */
    public List<String> createTransfers(int count, Instant newest, Duration spacing) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(createTransfer(newest.minus(spacing.multipliedBy(i)), 1));
        }
        return ids;
    }

    /** The merchant transfers ({@code tr_}) of a platform transfer, newest first. */
    public List<String> merchantTransferIds(String platformTransferId) {
        return transfers.merchantTransferIds(platformTransferId);
    }

    /**
     * Moves a platform ({@code pf_tr_}) or merchant ({@code tr_}) transfer to another status (pending, paid,
     * carried_over, failed, stop, recombination); to {@code paid} it sends {@code transfer.succeeded}.
     */
    public void changeTransferStatus(String transferId, String status) {
        Row e = transfers.changeStatus(transferId, status);
        if (e != null) {
            deliver(e, settings().webhookToken());
        }
    }

    /**
     * Forgets every charge, merchant (but the built-in one), transfer, event, idempotency key, rate-limit bucket,
     * recorded request and webhook delivery, and stops pending webhook retries.
     */
    public void reset() {
        webhooks.reset();
        state.clear();
        addBuiltInMerchant();
        buckets.clear();
        tooManyRequests.set(0);
        recorded.clear();
    }

    /** For tests: the clock of timestamps, authorization expiry, key expiry, refund periods and idempotency keys. */
    void clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock);
    }

    private Instant now() {
        return clock.instant();
    }

    private Row event(String eventId) {
        return state.find(Kind.EVENT, eventId).orElseThrow(() -> new IllegalArgumentException("no event " + eventId));
    }

    private void deliver(Row event, String token) {
        String url = settings().webhookUrl();
        if (url == null) {
            return;
        }
        boolean right = settings().webhookToken().equals(token);
        String type = event.status();
        webhooks.send(url, new String(PayjpJson.write(event.body()), StandardCharsets.UTF_8), JSON,
                token == null ? Map.of() : Map.of(WEBHOOK_TOKEN_HEADER, token),
                settings().webhookRetryInterval(), settings().webhookRetries(), "event " + event.id(),
                a -> a.status() >= 200 && a.status() < 300,
                a -> new WebhookDelivery(event.id(), type, url, a.number(), a.status(), right));
    }

    // ------------------------------------------------------------------ HTTP plumbing

    @Override
    protected void handle(HttpExchange exchange) {
        long seq = sequence.incrementAndGet();
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getRawPath();
        String query = exchange.getRequestURI().getRawQuery();
        Headers headers = exchange.getRequestHeaders();
        String key = headers.getFirst("Idempotency-Key");
        String authorization = headers.getFirst("Authorization");
        Reply reply;
        List<Row> raised = List.of();
        try {
            Route route = route(method, path);
            String scope = authenticate(authorization, route.op().platform());
            String zone = !route.op().platform() && "POST".equals(method) ? "payment" : "sk";
            if (!buckets.computeIfAbsent(scope + " " + zone,
                    k -> new TokenBucket(settings().ratePerSecond(), settings().rateBurst())).take()) {
                tooManyRequests.incrementAndGet();
                throw PayjpError.overCapacity();
            }
            pause(settings().processingTime());
            PayjpForm params = params(exchange, method, query, route.op());
            Outcome outcome = "POST".equals(method) && key != null
                    ? idempotent(scope, key, method + " " + path + "?" + params.fingerprint(), route, scope, params)
                    : execute(route, scope, params, null);
            if (outcome.slow()) {
                pause(settings().slowTime());
            }
            reply = outcome.reply();
            raised = outcome.events();
        } catch (PayjpError e) {
            reply = error(e);
        } catch (PayjpError.FieldErrors e) {
            reply = new Reply(400, PayjpJson.write(e.toJson()), "errors", false);
        } catch (Throwable e) {   // never log messages: they may quote a body
            LOG.log(System.Logger.Level.WARNING, "PAY.JP sandbox: unexpected " + e.getClass().getName() + " on "
                    + path);
            reply = error(new PayjpError(500, PayjpError.SERVER, "payjp_wrong", "An error occurred in PAY.JP.",
                    null));
        }
        recorded.put(seq, new RecordedRequest(method, path, query, key, authScheme(authorization), reply.status(),
                reply.errorCode(), reply.replayed()));
        send(exchange, reply);
        for (Row e : raised) {
            deliver(e, settings().webhookToken());
        }
    }

    private Outcome execute(Route route, String account, PayjpForm p, String idempotencyKey) {
        List<String> ids = route.ids();
        return switch (route.op()) {
            case CHARGE_CREATE -> charge(charges.create(account, p, idempotencyKey));
            case CHARGE_LIST -> ok(charges.list(account, p));
            case CHARGE_GET -> {
                noParams(p);
                yield ok(charges.retrieve(account, ids.get(0)));
            }
            case CHARGE_CAPTURE -> charge(charges.capture(account, ids.get(0), p));
            case CHARGE_REFUND -> charge(charges.refund(account, ids.get(0), p));
            case MERCHANT_CREATE -> ok(platform.create(p));
            case MERCHANT_LIST -> ok(platform.list(p));
            case MERCHANT_GET -> {
                noParams(p);
                yield ok(platform.retrieve(ids.get(0)));
            }
            case MERCHANT_DELETE -> {
                noParams(p);
                yield ok(platform.delete(ids.get(0)));
            }
            case MERCHANT_KEYS -> ok(platform.rotateKey(ids.get(0), p));
            case APPLICATION_BASIC -> ok(platform.application(ids.get(0), p, false));
            case APPLICATION_ADDITIONAL -> ok(platform.application(ids.get(0), p, true));
            case PF_TRANSFER_LIST -> ok(transfers.list(p));
            case PF_TRANSFER_GET -> {
                noParams(p);
                yield ok(transfers.retrieve(ids.get(0)));
            }
            case TRANSFER_LIST -> ok(transfers.merchantList(ids.get(0), p));
            case TRANSFER_GET -> {
                noParams(p);
                yield ok(transfers.merchantRetrieve(ids.get(0), ids.get(1)));
            }
        };
    }

    private static void noParams(PayjpForm p) {
        if (!p.isEmpty()) {
            throw PayjpError.invalidQuery(p.parts().get(0).name());
        }
    }

    private static Outcome ok(ObjectNode body) {
        return new Outcome(new Reply(200, PayjpJson.write(body), null, false), List.of(), false);
    }

    private static Outcome charge(PayjpCharges.Result r) {
        Reply reply = r.error() != null ? error(r.error())
                : new Reply(200, PayjpJson.write(r.charge()), null, false);
        return new Outcome(reply, r.events(), r.slow());
    }

    /** Runs a POST under its Idempotency-Key (see the class comment). */
    private Outcome idempotent(String scope, String key, String fingerprint, Route route, String account,
                               PayjpForm params) {
        if (!IDEMPOTENCY_KEY.matcher(key).matches()) {
            throw PayjpError.client("invalid_idempotency_key",
                    "Idempotency-Key must be at most 255 letters, digits, '-' or '_'.", null);
        }
        long deadline = System.nanoTime() + settings().idempotencyWait().toNanos();
        while (true) {
            Optional<IdempotencyRow> found = state.atomically(() -> {
                Optional<IdempotencyRow> row = state.findKey(scope, key);
                if (row.isPresent() && !now().isBefore(row.get().created().plus(IDEMPOTENCY_TTL))) {
                    state.deleteKey(scope, key);
                    row = Optional.empty();
                }
                if (row.isEmpty()) {
                    state.insertKey(new IdempotencyRow(scope, key, fingerprint, now(), 0, null, null));
                }
                return row;
            });
            if (found.isEmpty()) {
                break;   // this request holds the key now
            }
            IdempotencyRow row = found.get();
            if (!row.fingerprint().equals(fingerprint)) {
                throw new PayjpError(409, PayjpError.CLIENT, "idempotency_conflict",
                        "The Idempotency-Key was used for another request.", null);
            }
            if (!row.running()) {
                return new Outcome(new Reply(row.status(), row.answer(), errorCode(row.answer()), true), List.of(),
                        false);
            }
            if (System.nanoTime() >= deadline) {
                throw new PayjpError(409, PayjpError.CLIENT, "idempotency_timeout",
                        "The request with this Idempotency-Key is still being processed.", null);
            }
            pause(Duration.ofMillis(10));
        }
        Outcome outcome;
        try {
            outcome = execute(route, account, params, key);
            if (outcome.slow()) {
                pause(settings().slowTime());
            }
        } catch (PayjpError e) {
            outcome = new Outcome(error(e), List.of(), false);
        } catch (PayjpError.FieldErrors e) {
            outcome = new Outcome(new Reply(400, PayjpJson.write(e.toJson()), "errors", false), List.of(), false);
        } catch (RuntimeException | Error e) {
            state.deleteKey(scope, key);
            throw e;
        }
        Reply r = outcome.reply();
        if (r.status() == 429 || r.status() >= 500) {
            state.deleteKey(scope, key);   // nothing was done: the key may be used again
        } else {
            IdempotencyRow done = new IdempotencyRow(scope, key, fingerprint,
                    state.findKey(scope, key).map(IdempotencyRow::created).orElse(now()), r.status(), JSON, r.body());
            state.putKey(done);
        }
        return new Outcome(r, outcome.events(), false);
    }

    private static String errorCode(byte[] answer) {
        try {
            var node = PayjpJson.MAPPER.readTree(answer);
            if (node.has("errors")) {
                return "errors";
            }
            var code = node.path("error").path("code");
            return code.isTextual() ? code.asText() : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** The route of a path and method: 404 for an unknown path, 405 for another method. */
    private static Route route(String method, String path) {
        String[] s = path.split("/", -1);
        if (s.length < 3 || !s[0].isEmpty() || !"v1".equals(s[1])) {
            throw PayjpError.unknownPath();
        }
        for (int i = 2; i < s.length; i++) {
            if (s[i].isEmpty() || !s[i].matches("[A-Za-z0-9_]+")) {
                throw PayjpError.unknownPath();
            }
        }
        int n = s.length;
        if ("charges".equals(s[2])) {
            if (n == 3) {
                return switch (method) {
                    case "POST" -> new Route(Op.CHARGE_CREATE, List.of());
                    case "GET" -> new Route(Op.CHARGE_LIST, List.of());
                    default -> throw PayjpError.methodNotAllowed();
                };
            }
            if (n == 4) {
                return only(method, "GET", Op.CHARGE_GET, List.of(s[3]));
            }
            if (n == 5 && "capture".equals(s[4])) {
                return only(method, "POST", Op.CHARGE_CAPTURE, List.of(s[3]));
            }
            if (n == 5 && "refund".equals(s[4])) {
                return only(method, "POST", Op.CHARGE_REFUND, List.of(s[3]));
            }
        } else if (n >= 4 && "platform".equals(s[2]) && "merchants".equals(s[3])) {
            if (n == 4) {
                return switch (method) {
                    case "POST" -> new Route(Op.MERCHANT_CREATE, List.of());
                    case "GET" -> new Route(Op.MERCHANT_LIST, List.of());
                    default -> throw PayjpError.methodNotAllowed();
                };
            }
            if (n == 5) {
                return switch (method) {
                    case "GET" -> new Route(Op.MERCHANT_GET, List.of(s[4]));
                    case "DELETE" -> new Route(Op.MERCHANT_DELETE, List.of(s[4]));
                    default -> throw PayjpError.methodNotAllowed();
                };
            }
            if (n == 6 && "keys".equals(s[5])) {
                return only(method, "POST", Op.MERCHANT_KEYS, List.of(s[4]));
            }
            if (n == 7 && "applications".equals(s[5]) && "basic".equals(s[6])) {
                return only(method, "POST", Op.APPLICATION_BASIC, List.of(s[4]));
            }
            if (n == 7 && "applications".equals(s[5]) && "additional".equals(s[6])) {
                return only(method, "POST", Op.APPLICATION_ADDITIONAL, List.of(s[4]));
            }
        } else if (n >= 4 && "platform".equals(s[2]) && "transfers".equals(s[3])) {
            if (n == 4) {
                return only(method, "GET", Op.PF_TRANSFER_LIST, List.of());
            }
            if (n == 5) {
                return only(method, "GET", Op.PF_TRANSFER_GET, List.of(s[4]));
            }
            if (n == 6 && "transfers".equals(s[5])) {
                return only(method, "GET", Op.TRANSFER_LIST, List.of(s[4]));
            }
            if (n == 7 && "transfers".equals(s[5])) {
                return only(method, "GET", Op.TRANSFER_GET, List.of(s[4], s[6]));
            }
        }
        throw PayjpError.unknownPath();
    }

    private static Route only(String method, String allowed, Op op, List<String> ids) {
        if (!allowed.equals(method)) {
            throw PayjpError.methodNotAllowed();
        }
        return new Route(op, ids);
    }

    /**
     * The merchant (account id) or {@code "platform"} the request's key belongs to. 401 {@code no_api_key} without
     * credentials, {@code invalid_api_key} otherwise.
     */
    private String authenticate(String authorization, boolean platformApi) {
        String type = platformApi ? PayjpError.CLIENT : PayjpError.AUTH;
        if (authorization == null || authorization.isBlank()) {
            throw new PayjpError(401, type, "no_api_key", "You did not provide an API key.", null);
        }
        PayjpError invalid = new PayjpError(401, type, "invalid_api_key", "Invalid API key.", null);
        String[] parts = authorization.trim().split(" +", 2);
        if (parts.length != 2 || !parts[0].equalsIgnoreCase("Basic")) {
            throw invalid;
        }
        String decoded;
        try {
            decoded = StandardCharsets.UTF_8.newDecoder().decode(
                    java.nio.ByteBuffer.wrap(Base64.getDecoder().decode(parts[1].trim()))).toString();
        } catch (IllegalArgumentException | java.nio.charset.CharacterCodingException e) {
            throw invalid;
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0 || colon != decoded.length() - 1) {
            throw invalid;   // the secret key as user, and an empty password
        }
        String apiKey = decoded.substring(0, colon);
        if (platformApi) {
            if (!MessageDigest.isEqual(apiKey.getBytes(StandardCharsets.UTF_8),
                    settings().platformKey().getBytes(StandardCharsets.UTF_8))) {
                throw invalid;
            }
            return "platform";
        }
        String account = platform.merchantOfSecretKey(apiKey);
        if (account == null) {
            throw invalid;
        }
        return account;
    }

    /** The request's parameters: the query string of a GET/DELETE, the body of a POST. */
    private static PayjpForm params(HttpExchange exchange, String method, String query, Op op) {
        byte[] body = readBody(exchange);
        if (!"POST".equals(method)) {
            if (body.length > 0) {
                throw PayjpError.client("invalid_param_key", "A " + method + " request takes no body.", null);
            }
            return PayjpForm.urlEncoded(query);
        }
        if (query != null && !query.isEmpty()) {
            throw PayjpError.invalidQuery(null);
        }
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        String media = contentType == null ? null
                : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (body.length == 0 && (media == null || FORM.equals(media))) {
            return PayjpForm.empty();
        }
        if (FORM.equals(media)) {
            return PayjpForm.urlEncoded(new String(body, StandardCharsets.ISO_8859_1));
        }
        if (MULTIPART.equals(media) && (op == Op.APPLICATION_BASIC || op == Op.APPLICATION_ADDITIONAL)) {
            return PayjpForm.multipart(body, contentType);
        }
        throw PayjpError.client(null, "Content-Type must be " + FORM
                + (op == Op.APPLICATION_BASIC || op == Op.APPLICATION_ADDITIONAL ? " or " + MULTIPART : "") + ".",
                null);
    }

    private static byte[] readBody(HttpExchange exchange) {
        byte[] body;
        try {
            body = LoopbackHttpServer.readBody(exchange, MAX_BODY);
        } catch (IOException e) {
            throw PayjpError.client(null, "The request body could not be read.", null);
        }
        if (body == null) {
            throw PayjpError.client(null, "The request body is too large.", null);
        }
        return body;
    }

    private static Reply error(PayjpError e) {
        return new Reply(e.status, PayjpJson.write(e.toJson()), e.code, false);
    }

    private static void send(HttpExchange exchange, Reply reply) {
        exchange.getResponseHeaders().set("Content-Type", JSON);
        if (reply.status() == 405) {
            exchange.getResponseHeaders().set("Allow", "GET, POST, DELETE");
        }
        LoopbackHttpServer.respondAndClose(exchange, reply.status(), reply.body(), LOG, "PAY.JP sandbox");
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

    private static String sha256Hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void pause(Duration d) {
        if (d.isZero()) {
            return;
        }
        try {
            TimeUnit.NANOSECONDS.sleep(d.toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
