package io.kessai.sandbox.japanpayment;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import io.kessai.provider.japanpayment.JapanPaymentSignature;
import io.kessai.sandbox.LoopbackHttpServer;
import io.kessai.sandbox.LoopbackSandbox;
import io.kessai.sandbox.NotificationSender;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * A built-in sandbox of the "Japan Payment" collection API ({@code japan-payment.txt}), with the signature rule,
 * amount formats, limits and notification decided in {@code providers.md} (japan-payment). It listens on
 * {@code 127.0.0.1} only.
 *
 * <h2>Endpoints</h2>
 * {@code POST /jpy/collect/apply}, {@code /usd/collect/apply}, {@code /jpy/collect/query},
 * {@code /usd/collect/query}, JSON in and out. Every answer of these four paths is HTTP 200 with
 * {@code {"status","error","msg","data"}}: success is {@code status "1"}, {@code error "00000000"}, {@code msg ""}
 * and a {@code data} object signed ({@code data.sign}) with the sandbox's own RSA key ({@link #publicKeyPem()});
 * a failure is {@code status "0"}, an error code, a message naming the field (never its value) and
 * {@code data: null}. Another method on these paths answers 405, an unknown path 404 (plain, no JSON).
 * {@code GET /pay/{orderNo}} (the {@code payUrl} of the apply answer) shows a small read-only HTML page.
 *
 * <h2>Error codes</h2>
 * The document gives none; the sandbox uses this table:
 * <table>
 *   <caption>error codes</caption>
 *   <tr><th>error</th><th>msg</th><th>when</th></tr>
 *   <tr><td>{@code 00000000}</td><td>(empty)</td><td>success ({@code status "1"})</td></tr>
 *   <tr><td>{@code 10000001}</td><td>signature invalid</td><td>{@code sign} does not verify with the merchant's
 *       public key over the canonical string ({@link JapanPaymentSignature#canonical})</td></tr>
 *   <tr><td>{@code 10000002}</td><td>missing parameter: F / invalid parameter: F</td><td>a required field is
 *       absent, null or empty, or a field has the wrong JSON type or format; also {@code body} (not a JSON object,
 *       duplicate keys, over 1 MiB)</td></tr>
 *   <tr><td>{@code 10000003}</td><td>appId does not match the currency</td><td>{@code appId} is a number, but not
 *       the business ID configured for the path's currency</td></tr>
 *   <tr><td>{@code 10000004}</td><td>amount outside the limit of the payment method</td><td>see the table
 *       below</td></tr>
 *   <tr><td>{@code 10000005}</td><td>payment method not available</td><td>the {@code payType}/{@code inBankCode}
 *       pair is not offered for the path's currency (e.g. the sample's {@code QR}/{@code PH_QRPH_DYNAMIC})</td></tr>
 *   <tr><td>{@code 10000006}</td><td>orderId already used</td><td>an order with that orderId exists for that
 *       appId</td></tr>
 *   <tr><td>{@code 10000007}</td><td>order not found</td><td>query: no order with that orderId for that appId,
 *       or the given {@code orderNo} is not that order's</td></tr>
 *   <tr><td>{@code 20000001}</td><td>payment method declined</td><td>apply with a {@code name} containing
 *       {@code decline} (case-insensitive); no order is created and the orderId stays free</td></tr>
 *   <tr><td>{@code 99999999}</td><td>system error</td><td>an unexpected failure of the sandbox</td></tr>
 * </table>
 * Checks run in this order: body, {@code sign} present, signature, then the fields in the document's order
 * (appId first: 10000002 if it is not a JSON integer, 10000003 if it is another number), payment method,
 * limit, orderId uniqueness, the {@code decline} word.
 *
 * <h2>Fields</h2>
 * apply: {@code appId} (JSON integer), {@code orderId} (1..48 characters), {@code name}, {@code phone}
 * ({@code +}, digits, {@code -} and spaces, 7..20 digits), {@code email} ({@code x@y.z}), {@code amount}
 * (JPY an integer string without leading zeros, "300"; USD exactly two decimals, "4.99"), {@code payType},
 * {@code inBankCode}, {@code callBackUrl}, {@code callBackFailUrl} (absolute http(s) URLs),
 * {@code partnerUserId} (digits, letters and {@code -~!@#$%&*()_.}), {@code sign}, all strings except appId;
 * optional {@code notifyUrl} (absolute http(s) URL), {@code subject}, {@code body}. Other fields are ignored (but
 * signed). query: {@code appId}, {@code orderId}, optional {@code orderNo}, {@code sign}.
 *
 * <h2>Payment methods and limits (the document's table)</h2>
 * <table>
 *   <caption>payment methods</caption>
 *   <tr><th>currency</th><th>payType</th><th>inBankCode</th><th>limits</th></tr>
 *   <tr><td>JPY</td><td>EWALLET</td><td>AU_PAY, MERPAY</td><td>100-150000</td></tr>
 *   <tr><td>JPY</td><td>BANK_TRANSFER</td><td>GMO_AOZORA</td><td>100-150000</td></tr>
 *   <tr><td>JPY</td><td>BANK_TRANSFER</td><td>KONBINI_FAMILYMART, _LAWSON, _SEVEN_ELEVEN, _MINISTOP</td>
 *       <td>300-150000</td></tr>
 *   <tr><td>USD</td><td>EWALLET</td><td>JP_AU_PAY_USD, JP_MERPAY_USD</td><td>0.99-499.99</td></tr>
 *   <tr><td>USD</td><td>BANK_TRANSFER</td><td>JP_GMO_AOZORA_USD</td><td>0.99-499.99</td></tr>
 *   <tr><td>USD</td><td>BANK_TRANSFER</td><td>JP_KONBINI_FAMILYMART_USD, ..._LAWSON_USD, ..._SEVEN_ELEVEN_USD,
 *       ..._MINISTOP_USD</td><td>1.99-499.99</td></tr>
 * </table>
 *
 * <h2>Answers</h2>
 * apply: {@code data} = {@code orderId}, {@code orderNo} (16 digits: {@code 60}, the Tokyo date {@code yyMMdd},
 * 8 digits of a sequence), {@code payUrl} ({@code baseUrl/pay/{orderNo}}) and, for {@code BANK_TRANSFER} (bank and
 * konbini), {@code bankCode} (the inBankCode), {@code bankNo} (14 digits) and {@code qrCode} (a sandbox text), then
 * {@code sign}. query: {@code orderId}, {@code orderNo}, {@code amount}, {@code actualAmount}, {@code fee} (all
 * three with two decimals, also for JPY, like the document's sample), {@code status} (JSON integer),
 * {@code payTime} (status 2, Asia/Tokyo {@code yyyy-MM-dd HH:mm:ss}), {@code errorMsg} (status 3), {@code sign}.
 *
 * <h2>Test hooks</h2>
 * {@link #advance} moves an order: 0&rarr;1, 0&rarr;3 (expired without payment), 1&rarr;2, 1&rarr;3, 1&rarr;-1,
 * -1&rarr;2, -1&rarr;3; anything else throws {@link IllegalStateException}. Status 2 sets {@code actualAmount} =
 * amount, {@code fee} = 2.5% (half-up to yen, or to cents) and {@code payTime}; status 3 sets {@code errorMsg}.
 * After each move of an order that had a {@code notifyUrl}, the notification (the query's {@code data}, signed) is
 * POSTed as JSON from a background thread; any answer but HTTP 200 with the body exactly {@code success} (or no
 * answer) is a failed attempt, retried every {@link Settings#notifyRetryInterval()} up to
 * {@link Settings#notifyRetries()} times. {@link #resendNotification} sends the order's last notification again,
 * byte for byte. {@link #tamperNextAnswer()} alters the {@code data} of the next answer that carries data (apply:
 * {@code payUrl}; query: {@code status}) after signing; {@link #sendTamperedNotification} sends a notification of
 * the current state whose {@code status} (or, at status 2, {@code actualAmount}) was altered after signing.
 *
 * <p>The sandbox never logs keys, signs, bodies or personal data (orderIds only).
 */
public final class JapanPaymentSandbox extends LoopbackSandbox<JapanPaymentSandbox, JapanPaymentSandbox.Settings> {

    private static final System.Logger LOG = System.getLogger(JapanPaymentSandbox.class.getName());

    static final String OK = "00000000";
    static final String SIGNATURE_INVALID = "10000001";
    static final String INVALID_PARAMETER = "10000002";
    static final String APP_ID_MISMATCH = "10000003";
    static final String AMOUNT_OUTSIDE_LIMIT = "10000004";
    static final String METHOD_NOT_AVAILABLE = "10000005";
    static final String ORDER_ID_USED = "10000006";
    static final String ORDER_NOT_FOUND = "10000007";
    static final String DECLINED = "20000001";
    static final String SYSTEM_ERROR = "99999999";

    private static final String PAY_PREFIX = "/pay/";
    private static final int MAX_BODY = 1024 * 1024;
    private static final int MAX_ANSWER = 256;
    private static final ZoneId TOKYO = ZoneId.of("Asia/Tokyo");
    private static final DateTimeFormatter PAY_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT);
    private static final DateTimeFormatter ORDER_DATE = DateTimeFormatter.ofPattern("yyMMdd", Locale.ROOT);
    private static final BigDecimal FEE_RATE = new BigDecimal("0.025");

    private static final Pattern JPY_AMOUNT = Pattern.compile("(0|[1-9][0-9]{0,14})");
    private static final Pattern USD_AMOUNT = Pattern.compile("(0|[1-9][0-9]{0,12})\\.[0-9]{2}");
    private static final Pattern PARTNER_USER_ID = Pattern.compile("[0-9A-Za-z\\-~!@#$%&*()_.]+");
    private static final Pattern PHONE = Pattern.compile("\\+?[0-9][0-9 -]*[0-9]");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s.]+(\\.[^@\\s.]+)+");

    static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /**
     * Sandbox settings.
     *
     * @param appIdJpy            the business ID ({@code appId}) for {@code /jpy/...}
     * @param appIdUsd            the business ID for {@code /usd/...}; must differ from appIdJpy
     * @param port                listening port on 127.0.0.1; 0 = ephemeral
     * @param signAlgorithm       the signature algorithm of requests, answers and notifications (SHA256withRSA)
     * @param processingTime      minimum time every API request takes
     * @param notifyRetryInterval pause before re-sending a notification that failed
     * @param notifyRetries       how many times a failed notification is re-sent (attempts = 1 + notifyRetries)
     */
    public record Settings(long appIdJpy, long appIdUsd, int port, String signAlgorithm, Duration processingTime,
                           Duration notifyRetryInterval, int notifyRetries) implements LoopbackSandbox.Listening {

        public Settings {
            Objects.requireNonNull(signAlgorithm, "signAlgorithm");
            Objects.requireNonNull(processingTime, "processingTime");
            Objects.requireNonNull(notifyRetryInterval, "notifyRetryInterval");
            if (appIdJpy == appIdUsd) {
                throw new IllegalArgumentException("appIdJpy and appIdUsd must differ");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port);
            }
            if (processingTime.isNegative() || notifyRetryInterval.isNegative()) {
                throw new IllegalArgumentException("durations must not be negative");
            }
            if (notifyRetries < 0) {
                throw new IllegalArgumentException("notifyRetries must not be negative");
            }
            new JapanPaymentSignature(signAlgorithm);   // IllegalArgumentException if the JVM lacks it
        }

        /** Port 0, SHA256withRSA, processing time 10 ms, notification retries every minute, 5 retries. */
        public static Settings defaults(long appIdJpy, long appIdUsd) {
            return new Settings(appIdJpy, appIdUsd, 0, "SHA256withRSA", Duration.ofMillis(10), Duration.ofMinutes(1),
                    5);
        }

        public Settings withPort(int port) {
            return new Settings(appIdJpy, appIdUsd, port, signAlgorithm, processingTime, notifyRetryInterval,
                    notifyRetries);
        }

        public Settings withSignAlgorithm(String signAlgorithm) {
            return new Settings(appIdJpy, appIdUsd, port, signAlgorithm, processingTime, notifyRetryInterval,
                    notifyRetries);
        }

        public Settings withProcessingTime(Duration processingTime) {
            return new Settings(appIdJpy, appIdUsd, port, signAlgorithm, processingTime, notifyRetryInterval,
                    notifyRetries);
        }

        public Settings withNotifyRetryInterval(Duration notifyRetryInterval) {
            return new Settings(appIdJpy, appIdUsd, port, signAlgorithm, processingTime, notifyRetryInterval,
                    notifyRetries);
        }

        public Settings withNotifyRetries(int notifyRetries) {
            return new Settings(appIdJpy, appIdUsd, port, signAlgorithm, processingTime, notifyRetryInterval,
                    notifyRetries);
        }
    }

    /**
     * One attempt to deliver a notification.
     *
     * @param orderId    the merchant's orderId
     * @param status     the {@code status} the notification carried (for a tampered one: the altered value)
     * @param url        the order's notifyUrl
     * @param attempt    1 for the first attempt, 2.. for the retries
     * @param httpStatus the HTTP status answered, 0 = no answer (refused, timed out)
     * @param answer     the answer's body (at most 256 characters), null without an answer
     */
    public record Notification(String orderId, int status, String url, int attempt, int httpStatus, String answer) {}

    /**
     * One API request as the sandbox answered it.
     *
     * @param path    request path
     * @param orderId the request's orderId when it was a JSON string, else null
     * @param status  the answer's {@code status} ("1" or "0")
     * @param error   the answer's {@code error} code
     */
    public record RecordedRequest(String path, String orderId, String status, String error) {}

    private enum Currency {
        JPY(0), USD(2);

        final int scale;

        Currency(int scale) {
            this.scale = scale;
        }
    }

    private enum Method {
        AU_PAY(Currency.JPY, "EWALLET", "100", "150000"),
        MERPAY(Currency.JPY, "EWALLET", "100", "150000"),
        GMO_AOZORA(Currency.JPY, "BANK_TRANSFER", "100", "150000"),
        KONBINI_FAMILYMART(Currency.JPY, "BANK_TRANSFER", "300", "150000"),
        KONBINI_LAWSON(Currency.JPY, "BANK_TRANSFER", "300", "150000"),
        KONBINI_SEVEN_ELEVEN(Currency.JPY, "BANK_TRANSFER", "300", "150000"),
        KONBINI_MINISTOP(Currency.JPY, "BANK_TRANSFER", "300", "150000"),
        JP_AU_PAY_USD(Currency.USD, "EWALLET", "0.99", "499.99"),
        JP_MERPAY_USD(Currency.USD, "EWALLET", "0.99", "499.99"),
        JP_GMO_AOZORA_USD(Currency.USD, "BANK_TRANSFER", "0.99", "499.99"),
        JP_KONBINI_FAMILYMART_USD(Currency.USD, "BANK_TRANSFER", "1.99", "499.99"),
        JP_KONBINI_LAWSON_USD(Currency.USD, "BANK_TRANSFER", "1.99", "499.99"),
        JP_KONBINI_SEVEN_ELEVEN_USD(Currency.USD, "BANK_TRANSFER", "1.99", "499.99"),
        JP_KONBINI_MINISTOP_USD(Currency.USD, "BANK_TRANSFER", "1.99", "499.99");

        final Currency currency;
        final String payType;
        final BigDecimal min;
        final BigDecimal max;

        Method(Currency currency, String payType, String min, String max) {
            this.currency = currency;
            this.payType = payType;
            this.min = new BigDecimal(min);
            this.max = new BigDecimal(max);
        }

        static Method of(Currency currency, String payType, String inBankCode) {
            for (Method m : values()) {
                if (m.currency == currency && m.payType.equals(payType) && m.name().equals(inBankCode)) {
                    return m;
                }
            }
            return null;
        }
    }

    private enum Endpoint {
        JPY_APPLY("/jpy/collect/apply", Currency.JPY, true),
        USD_APPLY("/usd/collect/apply", Currency.USD, true),
        JPY_QUERY("/jpy/collect/query", Currency.JPY, false),
        USD_QUERY("/usd/collect/query", Currency.USD, false);

        final String path;
        final Currency currency;
        final boolean apply;

        Endpoint(String path, Currency currency, boolean apply) {
            this.path = path;
            this.currency = currency;
            this.apply = apply;
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

    /** A failure answer: error code and msg. */
    private static final class Refusal extends RuntimeException {
        final String error;

        Refusal(String error, String msg) {
            super(msg, null, false, false);
            this.error = error;
        }

        static Refusal missing(String field) {
            return new Refusal(INVALID_PARAMETER, "missing parameter: " + field);
        }

        static Refusal invalid(String field) {
            return new Refusal(INVALID_PARAMETER, "invalid parameter: " + field);
        }
    }

    /** An order; guarded by {@code orders}. */
    private static final class Order {
        final Currency currency;
        final String orderId;
        final String orderNo;
        final BigDecimal amount;
        final Method method;
        final String notifyUrl;
        final String bankNo;
        String callBackUrl;       // where the pay page sends the customer once paid
        String callBackFailUrl;   // ... once the payment failed
        int status;
        BigDecimal actualAmount = BigDecimal.ZERO;
        BigDecimal fee = BigDecimal.ZERO;
        String payTime;
        String errorMsg;
        String lastNotification;   // the body of the last notification sent, for resendNotification

        static Order of(JapanPaymentOrders.StoredOrder row) {
            Order o = new Order(Currency.valueOf(row.currency()), row.orderId(), row.orderNo(),
                    new BigDecimal(row.amount()), Method.valueOf(row.method()), row.notifyUrl(), row.bankNo());
            o.callBackUrl = row.callBackUrl();
            o.callBackFailUrl = row.callBackFailUrl();
            o.status = row.status();
            o.actualAmount = new BigDecimal(row.actualAmount());
            o.fee = new BigDecimal(row.fee());
            o.payTime = row.payTime();
            o.errorMsg = row.errorMsg();
            o.lastNotification = row.lastNotification();
            return o;
        }

        JapanPaymentOrders.StoredOrder row() {
            return new JapanPaymentOrders.StoredOrder(currency.name(), orderId, orderNo, amount.toPlainString(),
                    method.name(), notifyUrl, bankNo, callBackUrl, callBackFailUrl, status, actualAmount.toPlainString(),
                    fee.toPlainString(), payTime, errorMsg, lastNotification);
        }

        Order(Currency currency, String orderId, String orderNo, BigDecimal amount, Method method, String notifyUrl,
              String bankNo) {
            this.currency = currency;
            this.orderId = orderId;
            this.orderNo = orderNo;
            this.amount = amount;
            this.method = method;
            this.notifyUrl = notifyUrl;
            this.bankNo = bankNo;
        }
    }

    private record Outgoing(String orderId, int status, String url, String body) {}

    private record Reply(int httpStatus, String contentType, byte[] body) {}

    private final PublicKey merchantKey;
    private final JapanPaymentSignature signature;
    private final KeyPair sandboxKey;
    private final String publicKeyPem;
    private volatile Clock clock = Clock.systemUTC();

    private final Map<String, Order> orders = new HashMap<>();           // currency + " " + orderId
    private final Map<String, Order> ordersByNo = new HashMap<>();       // guarded by orders
    private final JapanPaymentOrders store;                              // every change written through, under orders
    private final AtomicLong orderSequence = new AtomicLong(ThreadLocalRandom.current().nextLong(10_000_000L));
    private final AtomicLong requestSequence = new AtomicLong();
    private final ConcurrentSkipListMap<Long, RecordedRequest> recorded = new ConcurrentSkipListMap<>();
    private final AtomicBoolean tamperNext = new AtomicBoolean();

    private final NotificationSender<Notification> notifier =
            closedWithSandbox(new NotificationSender<>(LOG, "japan-payment-sandbox-notify",
                    "Japan Payment sandbox: notification"));

    /**
     * @param settings          the sandbox settings
     * @param merchantPublicKey Kessai's public key: every request's {@code sign} is verified with it
     */
    public JapanPaymentSandbox(Settings settings, PublicKey merchantPublicKey) {
        this(settings, merchantPublicKey, new InMemoryJapanPaymentOrders(), JapanPaymentSignature.newKeyPair());
    }

    /**
     * A sandbox that keeps its orders in {@code store} (and starts with the orders already there), e.g. Kessai's
     * database ({@link JdbcJapanPaymentOrders}), so that they outlive this sandbox.
     */
    public JapanPaymentSandbox(Settings settings, PublicKey merchantPublicKey, JapanPaymentOrders store) {
        this(settings, merchantPublicKey, store, JapanPaymentSignature.newKeyPair());
    }

    /**
     * @param settings          the sandbox settings
     * @param merchantPublicKey Kessai's public key: every request's {@code sign} is verified with it
     * @param store             where its orders live (and the orders it starts with)
     * @param sandboxKey        the sandbox's own key pair, fresh for this sandbox (made by the caller, e.g. on
     *                          another thread while Kessai's own key is made)
     */
    public JapanPaymentSandbox(Settings settings, PublicKey merchantPublicKey, JapanPaymentOrders store, KeyPair sandboxKey) {
        super(LOG, "Japan Payment sandbox", "japan-payment-sandbox", 128, 32, settings);
        this.store = Objects.requireNonNull(store, "store");
        for (JapanPaymentOrders.StoredOrder row : store.all()) {
            Order order = Order.of(row);
            orders.put(key(order.currency, order.orderId), order);
            ordersByNo.put(order.orderNo, order);
        }
        this.merchantKey = Objects.requireNonNull(merchantPublicKey, "merchantPublicKey");
        this.signature = new JapanPaymentSignature(settings().signAlgorithm());
        this.sandboxKey = Objects.requireNonNull(sandboxKey, "sandboxKey");
        this.publicKeyPem = JapanPaymentSignature.pem("PUBLIC KEY", sandboxKey.getPublic().getEncoded());
    }

    /**
     * The sandbox's own RSA public key (PEM, {@code BEGIN PUBLIC KEY}), generated when the sandbox is constructed
     * (so it is available before {@link #start()}); answers' {@code data} and notifications are signed with its
     * private half, which never leaves the sandbox.
     */
    public String publicKeyPem() {
        return publicKeyPem;
    }

    // ------------------------------------------------------------------ observation

    /** Every API request answered since the last {@link #reset()}, in order of arrival. */
    public List<RecordedRequest> requests() {
        return List.copyOf(recorded.values());
    }

    /** Every notification attempt since the last {@link #reset()}, in order. */
    public List<Notification> notifications() {
        return notifier.attempts();
    }

    /** How many orders were actually created with that orderId (per appId at most one; 0 for declined applies). */
    public int applications(String orderId) {
        synchronized (orders) {
            int n = 0;
            for (Currency c : Currency.values()) {
                if (orders.containsKey(key(c, orderId))) {
                    n++;
                }
            }
            return n;
        }
    }

    /**
     * Forgets orders, recorded requests, notifications (pending retries are dropped) and a pending
     * {@link #tamperNextAnswer()}; keeps the settings and both keys.
     */
    public void reset() {
        notifier.reset();
        synchronized (orders) {
            orders.clear();
            ordersByNo.clear();
            store.clear();
        }
        recorded.clear();
        tamperNext.set(false);
    }

    // ------------------------------------------------------------------ test hooks

    /**
     * Moves an order to {@code status} (see the class comment for the legal moves), then sends the notification
     * if the order had a {@code notifyUrl}.
     *
     * @throws IllegalArgumentException unknown orderId (or one used for both currencies), or an unknown status
     * @throws IllegalStateException    a move the provider's state machine does not make
     */
    public void advance(String orderId, int status) {
        if (status < -1 || status > 3) {
            throw new IllegalArgumentException("unknown status " + status);
        }
        Outgoing outgoing;
        synchronized (orders) {
            Order order = find(orderId);
            if (!legal(order.status, status)) {
                throw new IllegalStateException("an order cannot move from status " + order.status + " to " + status);
            }
            int from = order.status;
            order.status = status;
            if (status == 2) {
                order.actualAmount = order.amount;
                order.fee = order.amount.multiply(FEE_RATE).setScale(order.currency.scale, RoundingMode.HALF_UP);
                order.payTime = ZonedDateTime.now(clock.withZone(TOKYO)).format(PAY_TIME);
            } else if (status == 3) {
                order.errorMsg = from == 0 ? "order expired without payment" : "payment failed";
            }
            outgoing = notification(order, false);
            store.save(order.row());
        }
        if (outgoing != null) {
            send(outgoing);
        }
    }

    /**
     * Sends the order's last notification once more, byte for byte (a new delivery with its own retries), as
     * providers sometimes repeat notifications.
     *
     * @throws IllegalArgumentException unknown orderId
     * @throws IllegalStateException    the order has no notifyUrl, or no notification was sent for it yet
     */
    public void resendNotification(String orderId) {
        Outgoing outgoing;
        synchronized (orders) {
            Order order = find(orderId);
            if (order.notifyUrl == null) {
                throw new IllegalStateException("the order has no notifyUrl");
            }
            if (order.lastNotification == null) {
                throw new IllegalStateException("no notification was sent for that order yet");
            }
            outgoing = new Outgoing(order.orderId, statusOf(order.lastNotification), order.notifyUrl,
                    order.lastNotification);
        }
        send(outgoing);
    }

    /** The {@code data} of the next answer that carries data (apply or query) is altered after signing. */
    public void tamperNextAnswer() {
        tamperNext.set(true);
    }

    /**
     * Sends a notification of the order's current state whose {@code status} was altered after signing (to 2; at
     * status 2, {@code actualAmount} is altered instead), so its {@code sign} does not verify. Retried like any
     * other notification; it does not become the order's "last notification".
     *
     * @throws IllegalArgumentException unknown orderId
     * @throws IllegalStateException    the order has no notifyUrl
     */
    public void sendTamperedNotification(String orderId) {
        Outgoing outgoing;
        synchronized (orders) {
            Order order = find(orderId);
            if (order.notifyUrl == null) {
                throw new IllegalStateException("the order has no notifyUrl");
            }
            outgoing = notification(order, true);
        }
        send(outgoing);
    }

    /** For tests: the clock of payTime and orderNo. */
    void clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock);
    }

    private static boolean legal(int from, int to) {
        return switch (from) {
            case 0 -> to == 1 || to == 3;
            case 1 -> to == 2 || to == 3 || to == -1;
            case -1 -> to == 2 || to == 3;
            default -> false;
        };
    }

    private Order find(String orderId) {
        Order found = null;
        for (Currency c : Currency.values()) {
            Order o = orders.get(key(c, orderId));
            if (o != null) {
                if (found != null) {
                    throw new IllegalArgumentException("orderId " + orderId + " exists for both JPY and USD");
                }
                found = o;
            }
        }
        if (found == null) {
            throw new IllegalArgumentException("no order with orderId " + orderId);
        }
        return found;
    }

    /** The notification of the order's current state; null without notifyUrl. Guarded by orders. */
    private Outgoing notification(Order order, boolean tampered) {
        if (order.notifyUrl == null) {
            return null;
        }
        ObjectNode data = queryData(order);
        if (tampered) {
            if (order.status == 2) {
                data.put("actualAmount", money(order.amount.multiply(BigDecimal.TEN)));
            } else {
                data.put("status", 2);
            }
        }
        String body = write(data);
        if (!tampered) {
            order.lastNotification = body;
        }
        return new Outgoing(order.orderId, data.get("status").intValue(), order.notifyUrl, body);
    }

    private static int statusOf(String body) {
        try {
            return MAPPER.readTree(body).get("status").intValue();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ notifications

    /** POSTs the notification in the background: only HTTP 200 with the body {@code success} delivers it. */
    private void send(Outgoing outgoing) {
        notifier.send(outgoing.url(), outgoing.body(), "application/json; charset=UTF-8",
                settings().notifyRetryInterval(), settings().notifyRetries(), "orderId " + outgoing.orderId(),
                attempt -> attempt.status() == 200 && "success".equals(attempt.answer()),
                attempt -> new Notification(outgoing.orderId(), outgoing.status(), outgoing.url(), attempt.number(),
                        attempt.status(), truncate(attempt.answer())));
    }

    private static String truncate(String answer) {
        return answer == null || answer.length() <= MAX_ANSWER ? answer : answer.substring(0, MAX_ANSWER);
    }

    // ------------------------------------------------------------------ HTTP

    @Override
    protected void handle(HttpExchange exchange) {
        String path = exchange.getRequestURI().getRawPath();
        Reply reply;
        try {
            if (path.startsWith(PAY_PREFIX)) {
                reply = payPage(exchange, path.substring(PAY_PREFIX.length()));
            } else {
                Endpoint endpoint = Endpoint.of(path);
                if (endpoint == null) {
                    reply = plain(404, "not found");
                } else if (!"POST".equals(exchange.getRequestMethod())) {
                    exchange.getResponseHeaders().set("Allow", "POST");
                    reply = plain(405, "method not allowed");
                } else {
                    reply = api(exchange, endpoint);
                }
            }
        } catch (Throwable e) {   // never log messages: they may quote bodies
            LOG.log(System.Logger.Level.WARNING,
                    "Japan Payment sandbox: unexpected " + e.getClass().getName() + " on " + path);
            reply = plain(500, "internal error");
        }
        send(exchange, reply);
    }

    private Reply api(HttpExchange exchange, Endpoint endpoint) {
        long seq = requestSequence.incrementAndGet();
        pause(settings().processingTime());
        String orderId = null;
        ObjectNode answer;
        try {
            ObjectNode request = readJson(exchange);
            JsonNode id = request.get("orderId");
            orderId = id != null && id.isTextual() ? id.textValue() : null;
            answer = success(endpoint.apply ? apply(endpoint.currency, request) : query(endpoint.currency, request));
        } catch (Refusal r) {
            answer = failure(r.error, r.getMessage());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING,
                    "Japan Payment sandbox: unexpected " + e.getClass().getName() + " on " + endpoint.path);
            answer = failure(SYSTEM_ERROR, "system error");
        }
        recorded.put(seq, new RecordedRequest(endpoint.path, orderId, answer.get("status").textValue(),
                answer.get("error").textValue()));
        return new Reply(200, "application/json; charset=UTF-8", write(answer).getBytes(StandardCharsets.UTF_8));
    }

    private ObjectNode readJson(HttpExchange exchange) {
        byte[] raw;
        try {
            raw = LoopbackHttpServer.readBody(exchange, MAX_BODY);
        } catch (IOException e) {
            throw Refusal.invalid("body");
        }
        if (raw == null) {
            throw Refusal.invalid("body");
        }
        try {
            JsonNode node = MAPPER.readTree(raw);
            if (node instanceof ObjectNode object) {
                return object;
            }
        } catch (IOException e) {
            // not JSON, duplicate keys, trailing tokens
        }
        throw Refusal.invalid("body");
    }

    private void verify(ObjectNode request) {
        JsonNode sign = request.get("sign");
        if (sign == null || sign.isNull() || (sign.isTextual() && sign.textValue().isEmpty())) {
            throw Refusal.missing("sign");
        }
        if (!signature.verify(request, merchantKey)) {
            throw new Refusal(SIGNATURE_INVALID, "signature invalid");
        }
    }

    private void checkAppId(Currency currency, ObjectNode request) {
        JsonNode appId = request.get("appId");
        if (appId == null || appId.isNull()) {
            throw Refusal.missing("appId");
        }
        if (!appId.isIntegralNumber() || !appId.canConvertToLong()) {
            throw Refusal.invalid("appId");
        }
        long expected = currency == Currency.JPY ? settings().appIdJpy() : settings().appIdUsd();
        if (appId.longValue() != expected) {
            throw new Refusal(APP_ID_MISMATCH, "appId does not match the currency " + currency);
        }
    }

    private ObjectNode apply(Currency currency, ObjectNode request) {
        verify(request);
        checkAppId(currency, request);
        String orderId = text(request, "orderId", true);
        if (orderId.length() > 48) {
            throw Refusal.invalid("orderId");
        }
        String name = text(request, "name", true);
        String phone = text(request, "phone", true);
        long digits = phone.chars().filter(Character::isDigit).count();
        if (!PHONE.matcher(phone).matches() || digits < 7 || digits > 20) {
            throw Refusal.invalid("phone");
        }
        String email = text(request, "email", true);
        if (!EMAIL.matcher(email).matches()) {
            throw Refusal.invalid("email");
        }
        String amountText = text(request, "amount", true);
        if (!(currency == Currency.JPY ? JPY_AMOUNT : USD_AMOUNT).matcher(amountText).matches()) {
            throw Refusal.invalid("amount");
        }
        BigDecimal amount = new BigDecimal(amountText);
        String payType = text(request, "payType", true);
        String inBankCode = text(request, "inBankCode", true);
        String callBackUrl = url(request, "callBackUrl", true);
        String callBackFailUrl = url(request, "callBackFailUrl", true);
        String notifyUrl = url(request, "notifyUrl", false);
        text(request, "subject", false);
        text(request, "body", false);
        String partnerUserId = text(request, "partnerUserId", true);
        if (!PARTNER_USER_ID.matcher(partnerUserId).matches()) {
            throw Refusal.invalid("partnerUserId");
        }
        Method method = Method.of(currency, payType, inBankCode);
        if (method == null) {
            throw new Refusal(METHOD_NOT_AVAILABLE, "payment method not available: payType/inBankCode for "
                    + currency);
        }
        if (amount.compareTo(method.min) < 0 || amount.compareTo(method.max) > 0) {
            throw new Refusal(AMOUNT_OUTSIDE_LIMIT, "amount outside the limit of the payment method ("
                    + method.min.toPlainString() + "-" + method.max.toPlainString() + ")");
        }
        Order order;
        synchronized (orders) {
            if (orders.containsKey(key(currency, orderId))) {
                throw new Refusal(ORDER_ID_USED, "orderId already used");
            }
            if (name.toLowerCase(Locale.ROOT).contains("decline")) {
                throw new Refusal(DECLINED, "payment method declined");
            }
            String orderNo;
            do {
                orderNo = "60" + ZonedDateTime.now(clock.withZone(TOKYO)).format(ORDER_DATE)
                        + String.format(Locale.ROOT, "%08d", orderSequence.incrementAndGet() % 100_000_000L);
            } while (ordersByNo.containsKey(orderNo));
            String bankNo = method.payType.equals("BANK_TRANSFER")
                    ? String.format(Locale.ROOT, "%014d", ThreadLocalRandom.current().nextLong(100_000_000_000_000L))
                    : null;
            order = new Order(currency, orderId, orderNo, amount, method, notifyUrl, bankNo);
            order.callBackUrl = callBackUrl;
            order.callBackFailUrl = callBackFailUrl;
            store.save(order.row());
            orders.put(key(currency, orderId), order);
            ordersByNo.put(orderNo, order);
        }
        ObjectNode data = MAPPER.createObjectNode();
        data.put("orderId", order.orderId);
        data.put("orderNo", order.orderNo);
        data.put("payUrl", baseUrl() + PAY_PREFIX + order.orderNo);
        if (order.bankNo != null) {
            data.put("bankCode", method.name());
            data.put("bankNo", order.bankNo);
            data.put("qrCode", "KESSAI-SANDBOX|" + method.name() + "|" + order.bankNo + "|" + amountText);
        }
        data.put("sign", signature.sign(data, sandboxKey.getPrivate()));
        if (tamperNext.compareAndSet(true, false)) {
            data.put("payUrl", "https://attacker.invalid/pay/" + order.orderNo);
        }
        return data;
    }

    private ObjectNode query(Currency currency, ObjectNode request) {
        verify(request);
        checkAppId(currency, request);
        String orderId = text(request, "orderId", true);
        String orderNo = text(request, "orderNo", false);
        ObjectNode data;
        synchronized (orders) {
            Order order = orders.get(key(currency, orderId));
            if (order == null || (orderNo != null && !orderNo.equals(order.orderNo))) {
                throw new Refusal(ORDER_NOT_FOUND, "order not found");
            }
            data = queryData(order);
        }
        if (tamperNext.compareAndSet(true, false)) {
            data.put("status", data.get("status").intValue() == 2 ? 3 : 2);
        }
        return data;
    }

    /** The signed query {@code data} (also the notification). Guarded by orders. */
    private ObjectNode queryData(Order order) {
        ObjectNode data = MAPPER.createObjectNode();
        data.put("orderId", order.orderId);
        data.put("orderNo", order.orderNo);
        data.put("amount", money(order.amount));
        data.put("actualAmount", money(order.actualAmount));
        data.put("fee", money(order.fee));
        data.put("status", order.status);
        if (order.status == 2) {
            data.put("payTime", order.payTime);
        }
        if (order.status == 3) {
            data.put("errorMsg", order.errorMsg);
        }
        data.put("sign", signature.sign(data, sandboxKey.getPrivate()));
        return data;
    }

    /** A string field; null when optional and absent/null/empty. */
    private static String text(ObjectNode request, String field, boolean required) {
        JsonNode v = request.get(field);
        if (v == null || v.isNull() || (v.isTextual() && v.textValue().isBlank())) {
            if (required) {
                throw Refusal.missing(field);
            }
            return null;
        }
        if (!v.isTextual()) {
            throw Refusal.invalid(field);
        }
        return v.textValue();
    }

    private static String url(ObjectNode request, String field, boolean required) {
        String value = text(request, field, required);
        if (value == null) {
            return null;
        }
        try {
            URI uri = new URI(value);
            String scheme = uri.getScheme();
            if (uri.getHost() != null
                    && ("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))) {
                return value;
            }
        } catch (URISyntaxException e) {
            // refused below
        }
        throw Refusal.invalid(field);
    }

    /**
     * The customer's pay page (the apply answer's {@code payUrl}). {@code GET} shows the order with a "Pay" button
     * (and a "Fail" one); the button POSTs {@code result=paid} (or {@code result=failed}) as a form to the same URL,
     * which plays the customer: the order moves 0 &rarr; 1 &rarr; 2 (or to 3), each move sends its signed
     * notification to the order's {@code notifyUrl}, and the answer is {@code 303 See Other} to the order's
     * {@code callBackUrl} (or {@code callBackFailUrl}), as the provider's page sends the customer back. With curl:
     * {@code curl -s -o /dev/null -w '%{http_code}' -d result=paid PAY_URL} answers {@code 303}.
     * An order that is no longer awaiting payment answers {@code 409}.
     */
    private Reply payPage(HttpExchange exchange, String orderNo) {
        String method = exchange.getRequestMethod();
        if ("POST".equals(method)) {
            return pay(exchange, orderNo);
        }
        if (!"GET".equals(method) && !"HEAD".equals(method)) {
            exchange.getResponseHeaders().set("Allow", "GET, POST");
            return plain(405, "method not allowed");
        }
        StringBuilder html = new StringBuilder();
        synchronized (orders) {
            Order order = ordersByNo.get(orderNo);
            if (order == null) {
                return plain(404, "not found");
            }
            html.append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Japan Payment sandbox</title>")
                    .append("</head>\n<body><h1>Japan Payment (sandbox)</h1>\n<p>Order ")
                    .append(escape(order.orderId)).append(" (").append(order.orderNo).append(")</p>\n<p>")
                    .append(order.method.name()).append(": ").append(money(order.amount)).append(' ')
                    .append(order.currency).append("</p>\n");
            if (order.bankNo != null) {
                html.append("<p>Payment number: ").append(order.bankNo).append("</p>\n");
            }
            html.append("<p>Status: ").append(order.status).append("</p>\n");
            if (awaitingPayment(order.status)) {
                String action = PAY_PREFIX + order.orderNo;
                html.append("<form method=\"post\" action=\"").append(action).append("\">")
                        .append("<input type=\"hidden\" name=\"result\" value=\"paid\">")
                        .append("<button type=\"submit\">Pay</button></form>\n")
                        .append("<form method=\"post\" action=\"").append(action).append("\">")
                        .append("<input type=\"hidden\" name=\"result\" value=\"failed\">")
                        .append("<button type=\"submit\">Fail</button></form>\n");
            }
            html.append("</body></html>\n");
        }
        return new Reply(200, "text/html; charset=utf-8", html.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static boolean awaitingPayment(int status) {
        return status == 0 || status == 1 || status == -1;
    }

    /** The pay page's button: the customer pays (or fails), the notifications go out, the browser goes back. */
    private Reply pay(HttpExchange exchange, String orderNo) {
        String form;
        try {
            byte[] raw = exchange.getRequestBody().readNBytes(4096);
            form = new String(raw, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return plain(400, "unreadable form");
        }
        String result = "paid";
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && "result".equals(pair.substring(0, eq))) {
                result = java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        if (!"paid".equals(result) && !"failed".equals(result)) {
            return plain(400, "result must be paid or failed");
        }
        String orderId;
        String back;
        int status;
        synchronized (orders) {
            Order order = ordersByNo.get(orderNo);
            if (order == null) {
                return plain(404, "not found");
            }
            if (!awaitingPayment(order.status)) {
                return plain(409, "the order is not awaiting payment (status " + order.status + ")");
            }
            orderId = order.orderId;
            status = order.status;
            back = "paid".equals(result) ? order.callBackUrl : order.callBackFailUrl;
        }
        try {
            if ("paid".equals(result)) {
                if (status == 0) {
                    advance(orderId, 1);
                }
                advance(orderId, 2);
            } else {
                advance(orderId, 3);
            }
        } catch (IllegalStateException e) {   // paid or failed meanwhile by another request
            return plain(409, "the order is not awaiting payment");
        }
        exchange.getResponseHeaders().set("Location", back);
        return new Reply(303, "text/plain; charset=utf-8", ("payment " + result + "\n").getBytes(StandardCharsets.UTF_8));
    }

    // ------------------------------------------------------------------ helpers

    private static ObjectNode success(ObjectNode data) {
        ObjectNode answer = MAPPER.createObjectNode();
        answer.put("status", "1");
        answer.put("error", OK);
        answer.put("msg", "");
        answer.set("data", data);
        return answer;
    }

    private static ObjectNode failure(String error, String msg) {
        ObjectNode answer = MAPPER.createObjectNode();
        answer.put("status", "0");
        answer.put("error", error);
        answer.put("msg", msg);
        answer.putNull("data");
        return answer;
    }

    private static String key(Currency currency, String orderId) {
        return currency + " " + orderId;
    }

    private static String money(BigDecimal amount) {
        return amount.setScale(2, RoundingMode.HALF_UP).toPlainString();
    }

    private static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static Reply plain(int status, String text) {
        return new Reply(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange exchange, Reply reply) {
        exchange.getResponseHeaders().set("Content-Type", reply.contentType());
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        LoopbackHttpServer.respondAndClose(exchange, reply.httpStatus(), reply.body(), LOG, "Japan Payment sandbox");
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
