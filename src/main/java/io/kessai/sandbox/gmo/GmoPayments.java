package io.kessai.sandbox.gmo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The sandbox's transaction state and the business rules: credit card (charge, on-file charge, 3-D Secure, capture,
 * cancel, inquiry) and cash (payment-number issuance, payment, expiry, cancel, inquiry). All state changes happen
 * under one lock; the operations are microseconds long, the artificial delays and the webhook deliveries are
 * handled by {@link GmoSandbox} outside of it.
 */
final class GmoPayments {

    static final ZoneId TOKYO = ZoneId.of("Asia/Tokyo");
    private static final DateTimeFormatter RFC3339 = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssxxx");
    private static final DateTimeFormatter NW_PREFIX = DateTimeFormatter.ofPattern("yyMMddHHmm");
    private static final DateTimeFormatter EXPIRY_INPUT =
            DateTimeFormatter.ofPattern("uuuuMMddHHmm").withResolverStyle(ResolverStyle.STRICT);
    private static final Pattern DIGITS = Pattern.compile("^[0-9]+$");
    private static final String ISSUER = "2a99663";
    static final String KNOWN_MEMBER = "member-001";
    /** Path prefix of the sandbox page showing a cash order's payment information (voucherUrl, bankUrl). */
    static final String CASH_PAGE_PREFIX = "/sandbox/cash/";
    /**
     * paymentPeriod (days) used when it is omitted and GMO takes the value from the shop's management screen
     * ("デフォルト値"): KONBINI and PAYEASY.
     */
    static final int DEFAULT_PAYMENT_PERIOD = 7;
    /** {@link PeriodRule#whenOmitted()}: paymentPeriod is mandatory ("省略不可"). */
    private static final int PERIOD_REQUIRED = -1;
    /** {@link PeriodRule#whenOmitted()}: no payment deadline ("支払い期限なし"). */
    private static final int PERIOD_NONE = -2;

    /**
     * One row of CashOptions' tables: the largest paymentPeriod, whether {@code 999} means that largest value (else it
     * is an error), the period when omitted (days, {@link #PERIOD_REQUIRED} or {@link #PERIOD_NONE}) and the latest
     * paymentExpiryDateTime as "0:00 that many days after today" (0 = paymentExpiryDateTime is refused).
     */
    private record PeriodRule(int max, boolean accepts999, int whenOmitted, int expiryMaxDays) {}

    /** Keyed by konbiniCode for KONBINI, by cashType otherwise. */
    private static final Map<String, PeriodRule> PERIOD_RULES = Map.of(
            "SEVEN_ELEVEN", new PeriodRule(150, true, DEFAULT_PAYMENT_PERIOD, 0),
            "LAWSON", new PeriodRule(180, true, DEFAULT_PAYMENT_PERIOD, 181),
            "FAMILYMART", new PeriodRule(60, true, DEFAULT_PAYMENT_PERIOD, 61),
            "MINISTOP", new PeriodRule(180, true, DEFAULT_PAYMENT_PERIOD, 181),
            "SEICOMART", new PeriodRule(180, true, DEFAULT_PAYMENT_PERIOD, 181),
            "PAYEASY", new PeriodRule(60, false, DEFAULT_PAYMENT_PERIOD, 61),
            "BANK_TRANSFER_SMBC", new PeriodRule(99, false, PERIOD_REQUIRED, 0),
            "BANK_TRANSFER_GMO_AOZORA", new PeriodRule(999, true, PERIOD_NONE, 0));

    /** What a test card (token or member) does when money is authorized. */
    enum Outcome { APPROVE, DECLINE, INSUFFICIENT, LIMIT }

    /** Behaviour selected by keywords in the card token or member ID. */
    /** A new order with its identifiers and the request's order fields (the caller holds {@code lock}). */
    private Order newOrder(String orderId, String amount, JsonNode orderNode) {
        Instant t = now();
        Order o = new Order();
        o.accessId = randomHex();
        o.accessPass = randomHex();
        o.orderId = orderId;
        o.amount = amount;
        o.clientFields = orderNode.get("clientFields") instanceof ObjectNode cf && !cf.isEmpty() ? cf : null;
        o.created = t;
        o.updated = t;
        return o;
    }

    private void register(Order o) {
        byOrderId.put(o.orderId, o);
        byAccessId.put(o.accessId, o);
    }

    record Behaviour(Outcome outcome, boolean tds, boolean slow, boolean flaky) {
        static Behaviour of(String keyText) {
            String k = keyText == null ? "" : keyText.toLowerCase(Locale.ROOT);
            Outcome outcome = k.contains("decline") ? Outcome.DECLINE
                    : k.contains("insufficient") ? Outcome.INSUFFICIENT
                    : k.contains("limit") ? Outcome.LIMIT
                    : Outcome.APPROVE;
            return new Behaviour(outcome, k.contains("tds"), k.contains("slow"), k.contains("flaky"));
        }

        boolean special() {
            return outcome != Outcome.APPROVE || tds || slow || flaky;
        }
    }

    record Card(String cardType, String number, String expiryMonth, String expiryYear) {}

    /** A cash webhook notification: the merchant's webhookUrl and the JSON body (CashWebhookRequest). */
    record Webhook(String accessId, String url, String body) {}

    /** Result of a business operation: a JSON answer or a problem, and whether the answer must be delayed. */
    record Answer(int status, ObjectNode body, GmoProblem problem, boolean slow) {
        static Answer ok(int status, ObjectNode body) {
            return new Answer(status, body, null, false);
        }

        Answer slow(boolean slow) {
            return new Answer(status, body, problem, slow);
        }

        static Answer problem(GmoProblem problem) {
            return new Answer(problem.status, null, problem, false);
        }
    }

    static final class Order {
        String accessId;
        String accessPass;
        String orderId;
        String amount;
        boolean canceled;
        ObjectNode clientFields;
        String status;
        Instant created;
        Instant updated;
        Card card;
        Outcome outcome;
        String authorizationMode;
        boolean useTds2;
        boolean useFraudDetection;
        // authorization
        String approvalCode;
        String nwTransactionId;
        Instant transactionDateTime;
        OffsetDateTime captureExpiry;
        String screeningTransactionId;
        // 3-D Secure
        boolean tds;
        boolean autoAuthorization;
        boolean requiresChallenge;
        String callbackUrl;
        String csrfToken;
        Boolean acsSuccess;   // null until the browser came back from the (fake) ACS
        boolean tdsFinished;  // finalize (or automatic authorization) done
        // cash
        boolean cash;
        String cashType;
        String konbiniCode;
        OffsetDateTime paymentExpiry;     // null: no payment deadline
        String paymentInformationName;    // konbiniPaymentInformation, pay-easyPaymentInformation, ...
        ObjectNode paymentInformation;    // null until a payment number was issued
        String webhookUrl;
        Webhook lastWebhook;
        // last failure
        GmoProblem error;
    }

    private final Object lock = new Object();
    private final Map<String, Order> byAccessId = new HashMap<>();
    private final Map<String, Order> byOrderId = new HashMap<>();
    private final Map<String, AtomicInteger> authorizations = new ConcurrentHashMap<>();
    private final Set<String> flakySeen = new HashSet<>();
    private final Supplier<Instant> now;
    private final Supplier<String> baseUrl;
    private final SecureRandom random = new SecureRandom();
    private final GmoOrders store;   // every change written through, under lock

    GmoPayments(Supplier<Instant> now, Supplier<String> baseUrl) {
        this(now, baseUrl, new InMemoryGmoOrders());
    }

    /** Payments that keep their orders in {@code store} and start with the orders already there. */
    GmoPayments(Supplier<Instant> now, Supplier<String> baseUrl, GmoOrders store) {
        this.now = now;
        this.baseUrl = baseUrl;
        this.store = Objects.requireNonNull(store, "store");
        for (GmoOrders.StoredOrder row : store.orders()) {
            Order o = fromDocument(row.state());
            register(o);
            int count = readDocument(row.state()).path("authorizations").asInt(0);
            if (count > 0) {
                authorizations.put(o.orderId, new AtomicInteger(count));
            }
        }
    }

    int authorizations(String orderId) {
        AtomicInteger n = authorizations.get(orderId);
        return n == null ? 0 : n.get();
    }

    /** The orderId of the order with that accessId, or null. */
    String orderIdOf(String accessId) {
        synchronized (lock) {
            Order o = byAccessId.get(accessId);
            return o == null ? null : o.orderId;
        }
    }

    void reset() {
        synchronized (lock) {
            byAccessId.clear();
            byOrderId.clear();
            authorizations.clear();
            flakySeen.clear();
            store.clear();
        }
    }

    // ------------------------------------------------------------------ charges

    /** {@code POST /credit/charge}, body already schema-validated. */
    Answer charge(JsonNode req, String idempotencyKey) {
        JsonNode info = req.path("creditInformation");
        if (info.has("card") && !info.has("tokenizedCard")) {
            throw GmoProblem.invalidContract(
                    "The shop is not contracted to set card numbers directly. Use a card token.");
        }
        JsonNode tokenized = info.path("tokenizedCard");
        String type = tokenized.path("type").asText();
        String cardType = switch (type) {
            case "APPLE_PAY_TOKEN" -> "APPLE_PAY";
            case "GOOGLE_PAY_TOKEN" -> "GOOGLE_PAY";
            default -> "CREDIT_CARD";
        };
        Card card = new Card(cardType, "4111********1111", "06", "2033");
        Behaviour behaviour = Behaviour.of(tokenized.path("token").asText());
        return chargeWith(req, info.path("creditChargeOptions"), "creditInformation.creditChargeOptions", card,
                behaviour, idempotencyKey);
    }

    /** {@code POST /credit/on-file/charge}, body already schema-validated. */
    Answer onfileCharge(JsonNode req, String idempotencyKey) {
        JsonNode info = req.path("creditOnfileInformation");
        JsonNode onfile = info.path("onfileCard");
        String memberId = onfile.path("memberId").asText();
        Behaviour behaviour = Behaviour.of(memberId);
        if (!KNOWN_MEMBER.equals(memberId) && !behaviour.special()) {
            throw GmoProblem.invalidRequest(
                    "The specified member does not exist.(creditOnfileInformation.onfileCard.memberId)");
        }
        if (!"CREDIT_CARD".equals(onfile.path("type").asText())) {
            throw GmoProblem.invalidParameter("creditOnfileInformation.onfileCard.type");
        }
        String cardId;
        if (onfile.hasNonNull("cardId")) {
            cardId = onfile.get("cardId").asText();
            if (!cardId.equals("0") && !cardId.equals("1")) {
                throw GmoProblem.invalidParameter("creditOnfileInformation.onfileCard.cardId");
            }
        } else if (onfile.hasNonNull("index")) {
            cardId = onfile.get("index").asText();
            if (!cardId.equals("0") && !cardId.equals("1")) {
                throw GmoProblem.invalidParameter("creditOnfileInformation.onfileCard.index");
            }
        } else {
            cardId = "0";
        }
        Card card = cardId.equals("0")
                ? new Card("CREDIT_CARD", "4111********1111", "06", "2033")
                : new Card("CREDIT_CARD", "5555********4444", "12", "2030");
        return chargeWith(req, info.path("creditChargeOptions"), "creditOnfileInformation.creditChargeOptions", card,
                behaviour, idempotencyKey);
    }

    private Answer chargeWith(JsonNode req, JsonNode options, String optionsPath, Card card, Behaviour behaviour,
                              String idempotencyKey) {
        JsonNode orderNode = req.path("order");
        String amount = checkOrder(orderNode);
        checkAdditionalOptions(req);
        String mode = options.path("authorizationMode").asText("AUTH");
        boolean useTds2 = options.path("useTds2").asBoolean(true);
        boolean useFraud = options.path("useFraudDetection").asBoolean(false);
        if ("APPLE_PAY".equals(card.cardType())) {
            if (useTds2) {
                throw GmoProblem.invalidParameter(optionsPath + ".useTds2");
            }
            if (useFraud) {
                throw GmoProblem.invalidParameter(optionsPath + ".useFraudDetection");
            }
        }
        boolean tdsRequired = behaviour.tds() && useTds2;
        JsonNode tds2Options = req.path("tds2Information").path("tds2Options");
        JsonNode merchant = req.path("merchant");
        String orderId = orderNode.path("orderId").asText();

        synchronized (lock) {
            if (byOrderId.containsKey(orderId)) {
                throw GmoProblem.invalidRequest("The order ID has already been used.");
            }
            if (tdsRequired && !merchant.hasNonNull("callbackUrl")) {
                throw GmoProblem.missingParameter("merchant.callbackUrl");
            }
            if (behaviour.flaky()) {
                String flakyKey = idempotencyKey != null ? "key:" + idempotencyKey : "order:" + orderId;
                if (flakySeen.add(flakyKey)) {
                    return Answer.problem(GmoProblem.badGateway());
                }
            }
            Order o = newOrder(orderId, amount, orderNode);
            o.card = card;
            o.outcome = behaviour.outcome();
            o.authorizationMode = mode;
            o.useTds2 = tdsRequired;
            o.useFraudDetection = useFraud;
            register(o);

            if (tdsRequired) {
                o.tds = true;
                o.status = "AUTHENTICATED";
                o.autoAuthorization = tds2Options.path("autoAuthorization").asBoolean(true);
                o.requiresChallenge = tds2Options.path("requiresChallenge").asBoolean(false);
                o.callbackUrl = merchant.get("callbackUrl").asText();
                o.csrfToken = merchant.hasNonNull("csrfToken") ? merchant.get("csrfToken").asText() : null;
                ObjectNode body = json();
                body.put("nextAction", "REDIRECT");
                body.set("orderReference", orderReference(o));
                ObjectNode redirect = body.putObject("redirectInformation");
                redirect.put("redirectUrl", baseUrl.get() + "/sandbox/tds2/" + o.accessId);
                redirect.put("httpMethod", "GET");
                redirect.put("redirectType", "TDS2");
                save(o);
                return Answer.ok(202, body).slow(behaviour.slow());
            }

            o.status = "UNPROCESSED";
            GmoProblem declined = authorize(o);
            save(o);
            if (declined != null) {
                return Answer.problem(declined).slow(behaviour.slow());
            }
            return Answer.ok(201, chargeAnswer(o, false)).slow(behaviour.slow());
        }
    }

    /**
     * Authorizes money for {@code o} (caller holds the lock): on success the order becomes AUTH or CAPTURE and the
     * authorization is counted; on a declining card it stays UNPROCESSED with its error and the problem is returned.
     */
    private GmoProblem authorize(Order o) {
        GmoProblem problem = switch (o.outcome) {
            case DECLINE -> GmoProblem.cardDeclined();
            case INSUFFICIENT -> GmoProblem.insufficientBalance();
            case LIMIT -> GmoProblem.amountLimitExceeded();
            case APPROVE -> null;
        };
        Instant t = now();
        o.updated = t;
        if (problem != null) {
            o.status = "UNPROCESSED";
            o.error = problem;
            return problem;
        }
        o.error = null;
        o.status = "CAPTURE".equals(o.authorizationMode) ? "CAPTURE" : "AUTH";
        o.approvalCode = randomDigits(7);
        o.transactionDateTime = t;
        o.nwTransactionId = tokyo(t).format(NW_PREFIX) + randomDigits(18);
        o.captureExpiry = captureExpiry(t);
        if (o.useFraudDetection) {
            o.screeningTransactionId = randomHex().toUpperCase(Locale.ROOT);
        }
        authorizations.computeIfAbsent(o.orderId, k -> new AtomicInteger()).incrementAndGet();
        return null;
    }

    /** "仮売上の有効期限は60日後の23時59分59秒": the 60th day after the authorization date (Tokyo), 23:59:59+09:00. */
    static OffsetDateTime captureExpiry(Instant authorizedAt) {
        return tokyo(authorizedAt).toLocalDate().plusDays(60).atTime(LocalTime.of(23, 59, 59))
                .atZone(TOKYO).toOffsetDateTime();
    }

    // ------------------------------------------------------------------ 3-D Secure

    /**
     * The browser came back from the fake ACS page ({@code GET /sandbox/tds2/{accessId}}): records the authentication
     * result (and authorizes at once when autoAuthorization is on) and returns the merchant callback location.
     */
    String acsReturn(String accessId, boolean success) {
        synchronized (lock) {
            Order o = byAccessId.get(accessId);
            if (o == null || !o.tds) {
                throw GmoProblem.notFound();
            }
            if (o.acsSuccess == null) {
                o.acsSuccess = success;
                o.updated = now();
                if (o.autoAuthorization) {
                    o.tdsFinished = true;
                    if (success) {
                        authorize(o);
                    } else {
                        o.status = "UNPROCESSED";
                        o.error = GmoProblem.tdsFailed();
                    }
                }
                save(o);
            }
            ObjectNode p = json();
            p.put("accessId", o.accessId);
            p.put("event", o.autoAuthorization ? "TDS_CHARGE_FINISHED" : "TDS_FINISHED");
            if (o.csrfToken != null) {
                p.put("csrfToken", o.csrfToken);
            }
            String encoded = Base64.getUrlEncoder().encodeToString(p.toString().getBytes(StandardCharsets.UTF_8));
            return o.callbackUrl + (o.callbackUrl.contains("?") ? "&" : "?") + "p=" + encoded;
        }
    }

    /** True when the accessId belongs to a 3-D Secure transaction (for the fake ACS page). */
    boolean isTdsTransaction(String accessId) {
        synchronized (lock) {
            Order o = byAccessId.get(accessId);
            return o != null && o.tds;
        }
    }

    /** {@code POST /tds2/finalizeCharge}. */
    Answer finalizeCharge(JsonNode req) {
        checkAdditionalOptions(req);
        synchronized (lock) {
            Order o = lookup(req.path("accessId").asText(), "accessId");
            if (!o.tds || o.tdsFinished) {
                throw GmoProblem.invalidStatus("The transaction has already been processed.");
            }
            if (o.acsSuccess == null) {
                throw GmoProblem.invalidStatus("3D secure authentication has not been completed.");
            }
            o.tdsFinished = true;
            if (!o.acsSuccess) {
                o.status = "UNPROCESSED";
                o.updated = now();
                o.error = GmoProblem.tdsFailed();
                save(o);
                return Answer.problem(o.error);
            }
            GmoProblem declined = authorize(o);
            save(o);
            if (declined != null) {
                return Answer.problem(declined);
            }
            return Answer.ok(201, chargeAnswer(o, true));
        }
    }

    // ------------------------------------------------------------------ order management

    /** {@code POST /order/capture}: AUTH → SALES. */
    Answer capture(JsonNode req) {
        checkAdditionalOptions(req);
        synchronized (lock) {
            Order o = lookup(req.path("accessId").asText(), "accessId");
            if (o.cash) {
                throw GmoProblem.invalidRequest("Capture is not available for cash payments.");
            }
            switch (o.status) {
                case "AUTH" -> {
                    Instant t = now();
                    if (t.isAfter(o.captureExpiry.toInstant())) {
                        throw GmoProblem.transactionExpired();
                    }
                    o.status = "SALES";
                    o.updated = t;
                    o.error = null;
                    save(o);
                }
                case "SALES", "CAPTURE" -> throw GmoProblem.invalidStatus("The transaction has already been captured.");
                case "CANCEL" -> throw GmoProblem.invalidStatus("The transaction has already been canceled.");
                default -> throw GmoProblem.invalidStatus("The transaction has not been authorized.");
            }
            return Answer.ok(201, managementAnswer(o));
        }
    }

    /** {@code POST /order/cancel}: AUTH, CAPTURE, SALES → CANCEL; cash REQSUCCESS, TRADING → CANCEL. */
    Answer cancel(JsonNode req) {
        checkAdditionalOptions(req);
        synchronized (lock) {
            Order o = lookup(req.path("accessId").asText(), "accessId");
            if (o.cash) {
                return cancelCash(o);
            }
            switch (o.status) {
                case "AUTH", "CAPTURE", "SALES" -> {
                    o.status = "CANCEL";
                    o.canceled = true;
                    o.updated = now();
                    o.error = null;
                    save(o);
                }
                case "CANCEL" -> throw GmoProblem.invalidStatus("The transaction has already been canceled.");
                default -> throw GmoProblem.invalidStatus("The transaction has not been authorized.");
            }
            return Answer.ok(201, managementAnswer(o));
        }
    }

    /** {@code POST /order/inquiry} by accessId and/or orderId. */
    Answer inquiry(JsonNode req) {
        checkAdditionalOptions(req);
        boolean hasAccessId = req.hasNonNull("accessId");
        boolean hasOrderId = req.hasNonNull("orderId");
        if (!hasAccessId && !hasOrderId) {
            throw GmoProblem.missingParameter("accessId");
        }
        synchronized (lock) {
            Order o = hasAccessId
                    ? lookup(req.get("accessId").asText(), "accessId")
                    : lookupByOrderId(req.get("orderId").asText());
            if (hasAccessId && hasOrderId && !o.orderId.equals(req.get("orderId").asText())) {
                throw GmoProblem.invalidParameter("orderId");
            }
            ObjectNode body = json();
            body.set("orderReference", orderReference(o));
            if (o.cash) {
                body.set("cashResult", cashResult(o));
            } else {
                body.set("creditResult", creditResult(o, true));
            }
            if (o.acsSuccess != null) {
                body.set("tds2Result", tds2Result(o));
            }
            if (o.screeningTransactionId != null) {
                body.set("fraudDetectionResult", fraudResult(o));
            }
            if (o.error != null) {
                ObjectNode error = body.putObject("errorInformation");
                error.put("title", o.error.title);
                error.put("detail", o.error.detail);
            }
            return Answer.ok(200, body);
        }
    }

    private Order lookup(String accessId, String field) {
        Order o = byAccessId.get(accessId);
        if (o == null) {
            throw GmoProblem.invalidParameter(field);
        }
        expireIfDue(o);
        return o;
    }

    private Order lookupByOrderId(String orderId) {
        Order o = byOrderId.get(orderId);
        if (o == null) {
            throw GmoProblem.invalidParameter("orderId");
        }
        expireIfDue(o);
        return o;
    }

    // ------------------------------------------------------------------ cash

    /** {@code POST /cash/charge}, body already schema-validated: issues the payment number (202, nextAction AWAIT). */
    Answer cashCharge(JsonNode req) {
        JsonNode orderNode = req.path("order");
        String amount = checkOrder(orderNode);
        checkAdditionalOptions(req);
        JsonNode info = req.path("cashInformation");
        JsonNode options = info.path("cashOptions");
        String cashType = info.path("cashType").asText();
        String konbiniCode = null;
        if ("KONBINI".equals(cashType)) {
            if (!options.hasNonNull("konbiniCode")) {
                throw GmoProblem.missingParameter("cashInformation.cashOptions.konbiniCode");
            }
            konbiniCode = options.get("konbiniCode").asText();
        }
        JsonNode payer = req.path("payer");
        if ("KONBINI".equals(cashType) || "PAYEASY".equals(cashType)) {
            // "決済手段ごとの制限事項 コンビニ: required / Pay-easy: required"
            if (!payer.hasNonNull("nameKana")) {
                throw GmoProblem.missingParameter("payer.nameKana");
            }
            if (!hasPhoneNumber(payer)) {
                throw GmoProblem.missingParameter("payer.phones[0].number");
            }
        }
        OffsetDateTime expiry = paymentExpiry(konbiniCode != null ? konbiniCode : cashType, options, now());
        boolean decline = payer.path("name").asText().toLowerCase(Locale.ROOT).contains("decline");
        JsonNode merchant = req.path("merchant");
        String orderId = orderNode.path("orderId").asText();

        synchronized (lock) {
            if (byOrderId.containsKey(orderId)) {
                throw GmoProblem.invalidRequest("The order ID has already been used.");
            }
            Order o = newOrder(orderId, amount, orderNode);
            o.cash = true;
            o.cashType = cashType;
            o.konbiniCode = konbiniCode;
            o.webhookUrl = merchant.hasNonNull("webhookUrl") ? merchant.get("webhookUrl").asText() : null;
            o.csrfToken = merchant.hasNonNull("csrfToken") ? merchant.get("csrfToken").asText() : null;
            register(o);
            if (decline) {
                o.status = "UNPROCESSED";
                o.error = GmoProblem.cashProcessingFailure();
                save(o);
                return Answer.problem(o.error);
            }
            o.status = cashType.startsWith("BANK_TRANSFER_") ? "TRADING" : "REQSUCCESS";
            o.paymentExpiry = expiry;
            issuePaymentInformation(o);
            authorizations.computeIfAbsent(orderId, k -> new AtomicInteger()).incrementAndGet();
            save(o);
            ObjectNode body = json();
            body.put("nextAction", "AWAIT");
            body.set("orderReference", orderReference(o));
            body.set("cashResult", cashResult(o));
            return Answer.ok(202, body);
        }
    }

    private static boolean hasPhoneNumber(JsonNode payer) {
        for (JsonNode phone : payer.path("phones")) {
            if (phone.hasNonNull("number")) {
                return true;
            }
        }
        return false;
    }

    /**
     * The payment deadline from CashOptions' tables: {@code paymentExpiryDateTime} (YYYYMMDDHHMM, Tokyo) wins over
     * {@code paymentPeriod}, which means "until 23:59:59 of the last day" ({@code 0} = today); null = no deadline.
     */
    static OffsetDateTime paymentExpiry(String ruleKey, JsonNode options, Instant now) {
        PeriodRule rule = PERIOD_RULES.get(ruleKey);
        LocalDate today = tokyo(now).toLocalDate();
        if (options.hasNonNull("paymentExpiryDateTime")) {
            String field = "cashInformation.cashOptions.paymentExpiryDateTime";
            if (rule.expiryMaxDays() == 0) {
                throw GmoProblem.invalidParameter(field);   // "設定するとエラー"
            }
            LocalDateTime at;
            try {
                at = LocalDateTime.parse(options.get("paymentExpiryDateTime").asText(), EXPIRY_INPUT);
            } catch (DateTimeParseException e) {
                throw GmoProblem.invalidParameter(field);
            }
            if ("SEICOMART".equals(ruleKey) && at.toLocalTime().equals(LocalTime.of(0, 1))) {
                throw GmoProblem.invalidParameter(field);   // "時分に0001は設定不可"
            }
            OffsetDateTime expiry = at.atZone(TOKYO).toOffsetDateTime();
            if (!expiry.toInstant().isAfter(now)
                    || at.isAfter(today.plusDays(rule.expiryMaxDays()).atStartOfDay())) {
                throw GmoProblem.invalidParameter(field);
            }
            return expiry;
        }
        String field = "cashInformation.cashOptions.paymentPeriod";
        int days;
        if (!options.hasNonNull("paymentPeriod")) {
            if (rule.whenOmitted() == PERIOD_REQUIRED) {
                throw GmoProblem.missingParameter(field);
            }
            if (rule.whenOmitted() == PERIOD_NONE) {
                return null;
            }
            days = rule.whenOmitted();
        } else {
            days = Integer.parseInt(options.get("paymentPeriod").asText());   // schema: ^[0-9]{1,3}$
            if (days == 999 && rule.accepts999()) {
                days = rule.max();
            } else if (days > rule.max()) {
                throw GmoProblem.invalidParameter(field);
            }
        }
        return today.plusDays(days).atTime(LocalTime.of(23, 59, 59)).atZone(TOKYO).toOffsetDateTime();
    }

    /** Generates the numbers the customer pays with (caller holds the lock). */
    private void issuePaymentInformation(Order o) {
        String page = baseUrl.get() + CASH_PAGE_PREFIX + o.accessId;
        ObjectNode p = json();
        switch (o.cashType) {
            case "KONBINI" -> {
                o.paymentInformationName = "konbiniPaymentInformation";
                p.put("konbiniCode", o.konbiniCode);
                p.put("confirmationNumber", randomDigits(10));
                p.put("receiptNumber", randomDigits(10));
                if ("SEVEN_ELEVEN".equals(o.konbiniCode)) {
                    p.put("voucherUrl", page);   // "払込票URL(一部のコンビニのみ)"
                }
            }
            case "PAYEASY" -> {
                o.paymentInformationName = "pay-easyPaymentInformation";
                p.put("customerNumber", randomDigits(11));
                p.put("institutionCode", "58021");
                p.put("confirmationNumber", randomDigits(10));
                p.put("bankUrl", page);
            }
            case "BANK_TRANSFER_SMBC" -> {
                o.paymentInformationName = "bankTransferPaymentInformation";
                p.put("bankCode", "0009");
                p.put("bankName", "三井住友銀行");
                p.put("branchCode", "931");
                p.put("branchName", "東京第一支店");
                p.put("accountType", "1");
                p.put("accountNumber", randomDigits(7));
                p.put("bankTransferCode", randomDigits(7));
            }
            case "BANK_TRANSFER_GMO_AOZORA" -> {
                o.paymentInformationName = "bankTransferPaymentInformation";
                p.put("bankCode", "0310");
                p.put("bankName", "ｼﾞ-ｴﾑｵ-ｱｵｿﾞﾗﾈﾂﾄ");
                p.put("branchCode", "503");
                p.put("branchName", "ｶｿｳｼﾃﾝ");
                p.put("accountType", "1");
                p.put("accountNumber", randomDigits(7));
                p.put("accountHolderName", "ﾃｽﾄｼｮｯﾌﾟ");
                p.put("depositAmount", "0");
            }
            default -> throw new IllegalStateException("cashType " + o.cashType);
        }
        o.paymentInformation = p;
    }

    /** Test hook: the customer paid. Returns the CASH_PAID webhook to send, or null without a webhookUrl. */
    Webhook payCash(String accessId) {
        synchronized (lock) {
            Order o = cashOrder(accessId);
            if (!awaitingPayment(o)) {
                throw new IllegalStateException("cash order " + accessId + " is " + o.status
                        + ", not REQSUCCESS or TRADING");
            }
            o.status = "PAYSUCCESS";
            o.updated = now();
            o.error = null;
            if ("BANK_TRANSFER_GMO_AOZORA".equals(o.cashType)) {
                o.paymentInformation.put("depositAmount", o.amount);
            }
            if (o.webhookUrl == null) {
                save(o);
                return null;
            }
            ObjectNode body = json();
            body.put("accessId", o.accessId);
            body.put("event", "CASH_PAID");
            if (o.csrfToken != null) {
                body.put("csrfToken", o.csrfToken);
            }
            o.lastWebhook = new Webhook(o.accessId, o.webhookUrl, body.toString());
            save(o);
            return o.lastWebhook;
        }
    }

    /** Test hook: the payment period ran out (GMO sends no webhook for this). */
    void expireCash(String accessId) {
        synchronized (lock) {
            Order o = cashOrder(accessId);
            if (!awaitingPayment(o)) {
                throw new IllegalStateException("cash order " + accessId + " is " + o.status
                        + ", not REQSUCCESS or TRADING");
            }
            o.status = "EXPIRED";
            o.updated = now();
            save(o);
        }
    }

    /** The last webhook sent for that cash order. */
    Webhook lastWebhook(String accessId) {
        synchronized (lock) {
            Webhook last = cashOrder(accessId).lastWebhook;
            if (last == null) {
                throw new IllegalStateException("no webhook has been sent for " + accessId);
            }
            return last;
        }
    }

    /** The HTML page behind voucherUrl / bankUrl, or {@code 404 resource_not_found}. */
    String cashPage(String accessId) {
        synchronized (lock) {
            Order o = byAccessId.get(accessId);
            if (o == null || !o.cash || o.paymentInformation == null) {
                throw GmoProblem.notFound();
            }
            expireIfDue(o);
            StringBuilder html = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                    + "<title>GMO-PG sandbox cash payment</title></head>\n<body><h1>")
                    .append(escape(o.cashType)).append(" (sandbox)</h1>\n<table>\n");
            row(html, "orderId", o.orderId);
            row(html, "amount", o.amount);
            row(html, "status", o.status);
            if (o.paymentExpiry != null) {
                row(html, "paymentExpiryDateTime", o.paymentExpiry.format(RFC3339));
            }
            for (Map.Entry<String, JsonNode> e : o.paymentInformation.properties()) {
                if (!e.getKey().endsWith("Url")) {
                    row(html, e.getKey(), e.getValue().asText());
                }
            }
            html.append("</table>\n");
            if (awaitingPayment(o)) {
                html.append("<form method=\"post\" action=\"").append(CASH_PAGE_PREFIX).append(escape(o.accessId))
                        .append("\"><input type=\"hidden\" name=\"result\" value=\"paid\">")
                        .append("<button type=\"submit\">Pay</button></form>\n");
            }
            return html.append("</body></html>\n").toString();
        }
    }

    private static void row(StringBuilder html, String name, String value) {
        html.append("<tr><th>").append(escape(name)).append("</th><td>").append(escape(value)).append("</td></tr>\n");
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private Answer cancelCash(Order o) {
        switch (o.status) {
            case "REQSUCCESS", "TRADING" -> {
                o.status = "CANCEL";
                o.canceled = true;
                o.updated = now();
                o.error = null;
                save(o);
            }
            case "PAYSUCCESS" -> throw GmoProblem.invalidStatus("The transaction has already been paid.");
            case "CANCEL" -> throw GmoProblem.invalidStatus("The transaction has already been canceled.");
            case "EXPIRED" -> throw GmoProblem.invalidStatus("The payment period of the transaction has expired.");
            default -> throw GmoProblem.invalidStatus("The payment number has not been issued.");
        }
        ObjectNode body = json();
        body.set("orderReference", orderReference(o));
        body.set("cashResult", cashResult(o));
        return Answer.ok(201, body);
    }

    /** For the test hooks: unknown or non-cash accessIds are programming errors of the test. */
    private Order cashOrder(String accessId) {
        Order o = byAccessId.get(Objects.requireNonNull(accessId, "accessId"));
        if (o == null) {
            throw new IllegalArgumentException("unknown accessId " + accessId);
        }
        if (!o.cash) {
            throw new IllegalArgumentException("not a cash order: " + accessId);
        }
        expireIfDue(o);
        return o;
    }

    private static boolean awaitingPayment(Order o) {
        return "REQSUCCESS".equals(o.status) || "TRADING".equals(o.status);
    }

    /** A cash order still awaiting payment after its deadline (sandbox clock) becomes EXPIRED. */
    private void expireIfDue(Order o) {
        if (o.cash && awaitingPayment(o) && o.paymentExpiry != null
                && now().isAfter(o.paymentExpiry.toInstant())) {
            o.status = "EXPIRED";
            o.updated = o.paymentExpiry.toInstant().plusSeconds(1);
            save(o);
        }
    }

    // ------------------------------------------------------------------ semantic checks

    /** Checks GMO makes beyond the schema; returns the canonical amount. */
    private static String checkOrder(JsonNode order) {
        String amountText = order.path("amount").asText();
        if (!DIGITS.matcher(amountText).matches()) {
            throw GmoProblem.invalidParameter("order.amount");
        }
        BigInteger amount = new BigInteger(amountText);
        if (amount.signum() <= 0) {
            throw GmoProblem.invalidParameter("order.amount");
        }
        if (order.hasNonNull("currency") && !"JPY".equals(order.get("currency").asText())) {
            throw GmoProblem.invalidParameter("order.currency");
        }
        JsonNode items = order.path("items");
        for (int i = 0; i < items.size(); i++) {
            String price = items.get(i).path("price").asText();
            if (!DIGITS.matcher(price).matches() || new BigInteger(price).compareTo(amount) > 0) {
                throw GmoProblem.invalidParameter("order.items[" + i + "].price");
            }
        }
        return amount.toString();
    }

    /** "任意のMap(Key:Value)形式で、KeyとValueはともにString型のみ設定可能です。20個までの要素を設定可能です。" */
    private static void checkAdditionalOptions(JsonNode req) {
        JsonNode options = req.get("additionalOptions");
        if (options == null) {
            return;
        }
        if (!options.isObject() || options.size() > 20) {
            throw GmoProblem.invalidParameter("additionalOptions");
        }
        for (Map.Entry<String, JsonNode> e : options.properties()) {
            if (!e.getValue().isTextual()) {
                throw GmoProblem.invalidParameter("additionalOptions." + e.getKey());
            }
        }
    }

    // ------------------------------------------------------------------ answers

    private ObjectNode chargeAnswer(Order o, boolean withTds2Result) {
        ObjectNode body = json();
        body.put("nextAction", "AUTH".equals(o.status) ? "CAPTURE" : "NO_ACTION");
        body.set("orderReference", orderReference(o));
        body.set("creditResult", creditResult(o, false));
        if (withTds2Result) {
            body.set("tds2Result", tds2Result(o));
        }
        if (o.screeningTransactionId != null) {
            body.set("fraudDetectionResult", fraudResult(o));
        }
        return body;
    }

    private ObjectNode managementAnswer(Order o) {
        ObjectNode body = json();
        body.set("orderReference", orderReference(o));
        body.set("creditResult", creditResult(o, false));
        if (o.acsSuccess != null) {
            body.set("tds2Result", tds2Result(o));
        }
        return body;
    }

    private ObjectNode orderReference(Order o) {
        ObjectNode ref = json();
        ref.put("accessId", o.accessId);
        ref.put("accessPass", o.accessPass);
        ref.put("orderId", o.orderId);
        ref.put("status", o.status);
        ref.put("created", format(o.created));
        ref.put("updated", format(o.updated));
        ref.put("amount", o.canceled ? "0" : o.amount);
        if (o.clientFields != null) {
            ref.set("clientFields", o.clientFields.deepCopy());
        }
        ref.put("chargeType", o.cash ? "CASH" : "CREDIT");
        return ref;
    }

    /** cashResult; the deadline and the payment information only once a payment number was issued. */
    private static ObjectNode cashResult(Order o) {
        ObjectNode result = json();
        result.put("cashType", o.cashType);
        if (o.paymentInformation != null) {
            if (o.paymentExpiry != null) {
                result.put("paymentExpiryDateTime", o.paymentExpiry.format(RFC3339));
            }
            result.set(o.paymentInformationName, o.paymentInformation.deepCopy());
        }
        return result;
    }

    /** creditResult; the authorization fields only once money was authorized. */
    private ObjectNode creditResult(Order o, boolean inquiry) {
        ObjectNode result = json();
        result.put("cardType", o.card.cardType());
        ObjectNode cardResult = result.putObject("cardResult");
        cardResult.put("cardNumber", o.card.number());
        cardResult.put("expiryMonth", o.card.expiryMonth());
        cardResult.put("expiryYear", o.card.expiryYear());
        cardResult.put("issuerCode", ISSUER);
        if (o.approvalCode != null) {
            result.put("forwardedAcquirerCode", ISSUER);
            result.put("approvalCode", o.approvalCode);
            result.put("nwTransactionId", o.nwTransactionId);
            result.put("transactionDateTime", format(o.transactionDateTime));
            if ("AUTH".equals(o.status)) {
                result.put("captureExpiryDateTime", o.captureExpiry.format(RFC3339));
            }
        }
        result.put("useTds2", o.useTds2);
        result.put("useFraudDetection", o.useFraudDetection);
        return result;
    }

    private ObjectNode tds2Result(Order o) {
        ObjectNode r = json();
        if (Boolean.TRUE.equals(o.acsSuccess)) {
            r.put("eci", "05");
            r.put("requiresChallenge", o.requiresChallenge);
            r.put("tds2TransResult", "Y");
            r.put("tds2TransResultReason", "18");
        } else {
            r.put("eci", "07");
            r.put("requiresChallenge", o.requiresChallenge);
            r.put("tds2TransResult", "N");
            r.put("tds2TransResultReason", "01");
        }
        return r;
    }

    private static ObjectNode fraudResult(Order o) {
        ObjectNode r = json();
        r.put("screeningType", "RED_SHIELD");
        r.put("screeningTransactionId", o.screeningTransactionId);
        r.put("screeningResultCode", "ACCEPT");
        r.put("screeningResultRawData", "000.300.100");
        return r;
    }

    // ------------------------------------------------------------------ the store

    /** Writes the order through to the store (the caller holds the lock and changed it). */
    private void save(Order o) {
        store.save(new GmoOrders.StoredOrder(o.orderId, o.accessId, o.status, o.amount, toDocument(o).toString()));
    }

    /** The whole order as the sandbox's own JSON document, with how many times it authorized money. */
    private ObjectNode toDocument(Order o) {
        ObjectNode d = json();
        d.put("accessId", o.accessId);
        d.put("accessPass", o.accessPass);
        d.put("orderId", o.orderId);
        d.put("amount", o.amount);
        d.put("canceled", o.canceled);
        if (o.clientFields != null) {
            d.set("clientFields", o.clientFields.deepCopy());
        }
        putText(d, "status", o.status);
        putText(d, "created", o.created == null ? null : o.created.toString());
        putText(d, "updated", o.updated == null ? null : o.updated.toString());
        if (o.card != null) {
            d.putObject("card").put("cardType", o.card.cardType()).put("number", o.card.number())
                    .put("expiryMonth", o.card.expiryMonth()).put("expiryYear", o.card.expiryYear());
        }
        putText(d, "outcome", o.outcome == null ? null : o.outcome.name());
        putText(d, "authorizationMode", o.authorizationMode);
        d.put("useTds2", o.useTds2);
        d.put("useFraudDetection", o.useFraudDetection);
        putText(d, "approvalCode", o.approvalCode);
        putText(d, "nwTransactionId", o.nwTransactionId);
        putText(d, "transactionDateTime", o.transactionDateTime == null ? null : o.transactionDateTime.toString());
        putText(d, "captureExpiry", o.captureExpiry == null ? null : o.captureExpiry.toString());
        putText(d, "screeningTransactionId", o.screeningTransactionId);
        d.put("tds", o.tds);
        d.put("autoAuthorization", o.autoAuthorization);
        d.put("requiresChallenge", o.requiresChallenge);
        putText(d, "callbackUrl", o.callbackUrl);
        putText(d, "csrfToken", o.csrfToken);
        if (o.acsSuccess != null) {
            d.put("acsSuccess", o.acsSuccess);
        }
        d.put("tdsFinished", o.tdsFinished);
        d.put("cash", o.cash);
        putText(d, "cashType", o.cashType);
        putText(d, "konbiniCode", o.konbiniCode);
        putText(d, "paymentExpiry", o.paymentExpiry == null ? null : o.paymentExpiry.toString());
        putText(d, "paymentInformationName", o.paymentInformationName);
        if (o.paymentInformation != null) {
            d.set("paymentInformation", o.paymentInformation.deepCopy());
        }
        putText(d, "webhookUrl", o.webhookUrl);
        if (o.lastWebhook != null) {
            d.putObject("lastWebhook").put("accessId", o.lastWebhook.accessId()).put("url", o.lastWebhook.url())
                    .put("body", o.lastWebhook.body());
        }
        if (o.error != null) {
            ObjectNode e = d.putObject("error").put("status", o.error.status).put("title", o.error.title)
                    .put("detail", o.error.detail);
            putText(e, "type", o.error.type);
        }
        d.put("authorizations", authorizations(o.orderId));
        return d;
    }

    private static Order fromDocument(String state) {
        JsonNode d = readDocument(state);
        Order o = new Order();
        o.accessId = text(d, "accessId");
        o.accessPass = text(d, "accessPass");
        o.orderId = text(d, "orderId");
        o.amount = text(d, "amount");
        o.canceled = d.path("canceled").asBoolean();
        o.clientFields = d.get("clientFields") instanceof ObjectNode cf ? cf : null;
        o.status = text(d, "status");
        o.created = instant(text(d, "created"));
        o.updated = instant(text(d, "updated"));
        JsonNode card = d.get("card");
        if (card != null) {
            o.card = new Card(text(card, "cardType"), text(card, "number"), text(card, "expiryMonth"),
                    text(card, "expiryYear"));
        }
        o.outcome = d.hasNonNull("outcome") ? Outcome.valueOf(text(d, "outcome")) : null;
        o.authorizationMode = text(d, "authorizationMode");
        o.useTds2 = d.path("useTds2").asBoolean();
        o.useFraudDetection = d.path("useFraudDetection").asBoolean();
        o.approvalCode = text(d, "approvalCode");
        o.nwTransactionId = text(d, "nwTransactionId");
        o.transactionDateTime = instant(text(d, "transactionDateTime"));
        o.captureExpiry = offsetDateTime(text(d, "captureExpiry"));
        o.screeningTransactionId = text(d, "screeningTransactionId");
        o.tds = d.path("tds").asBoolean();
        o.autoAuthorization = d.path("autoAuthorization").asBoolean();
        o.requiresChallenge = d.path("requiresChallenge").asBoolean();
        o.callbackUrl = text(d, "callbackUrl");
        o.csrfToken = text(d, "csrfToken");
        o.acsSuccess = d.hasNonNull("acsSuccess") ? d.get("acsSuccess").asBoolean() : null;
        o.tdsFinished = d.path("tdsFinished").asBoolean();
        o.cash = d.path("cash").asBoolean();
        o.cashType = text(d, "cashType");
        o.konbiniCode = text(d, "konbiniCode");
        o.paymentExpiry = offsetDateTime(text(d, "paymentExpiry"));
        o.paymentInformationName = text(d, "paymentInformationName");
        o.paymentInformation = d.get("paymentInformation") instanceof ObjectNode p ? p : null;
        o.webhookUrl = text(d, "webhookUrl");
        JsonNode webhook = d.get("lastWebhook");
        if (webhook != null) {
            o.lastWebhook = new Webhook(text(webhook, "accessId"), text(webhook, "url"), text(webhook, "body"));
        }
        JsonNode error = d.get("error");
        if (error != null) {
            o.error = new GmoProblem(error.path("status").asInt(), text(error, "title"), text(error, "detail"),
                    text(error, "type"));
        }
        return o;
    }

    private static JsonNode readDocument(String state) {
        try {
            return GmoOpenApi.MAPPER.readTree(state);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("GMO-PG sandbox: a stored order is not readable", e);
        }
    }

    private static void putText(ObjectNode d, String name, String value) {
        if (value != null) {
            d.put(name, value);
        }
    }

    private static String text(JsonNode d, String name) {
        return d.hasNonNull(name) ? d.get(name).asText() : null;
    }

    private static Instant instant(String text) {
        return text == null ? null : Instant.parse(text);
    }

    private static OffsetDateTime offsetDateTime(String text) {
        return text == null ? null : OffsetDateTime.parse(text);
    }

    // ------------------------------------------------------------------ helpers

    private Instant now() {
        return now.get();
    }

    private static OffsetDateTime tokyo(Instant t) {
        return t.atZone(TOKYO).toOffsetDateTime().truncatedTo(ChronoUnit.SECONDS);
    }

    static String format(Instant t) {
        return tokyo(t).format(RFC3339);
    }

    private static ObjectNode json() {
        return GmoOpenApi.MAPPER.createObjectNode();
    }

    private String randomHex() {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        StringBuilder sb = new StringBuilder(32);
        for (byte b : bytes) {
            sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        }
        return sb.toString();
    }

    private String randomDigits(int n) {
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            sb.append((char) ('0' + random.nextInt(10)));
        }
        return sb.toString();
    }
}
