package io.kessai.sandbox.gmo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The sandbox's transaction state and the credit-card business rules (charge, on-file charge, 3-D Secure, capture,
 * cancel, inquiry). All state changes happen under one lock; the operations are microseconds long, the artificial
 * delays are applied by {@link GmoSandbox} outside of it.
 */
final class GmoPayments {

    static final ZoneId TOKYO = ZoneId.of("Asia/Tokyo");
    private static final DateTimeFormatter RFC3339 = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssxxx");
    private static final DateTimeFormatter NW_PREFIX = DateTimeFormatter.ofPattern("yyMMddHHmm");
    private static final Pattern DIGITS = Pattern.compile("^[0-9]+$");
    private static final String ISSUER = "2a99663";
    static final String KNOWN_MEMBER = "member-001";

    /** What a test card (token or member) does when money is authorized. */
    enum Outcome { APPROVE, DECLINE, INSUFFICIENT, LIMIT }

    /** Behaviour selected by keywords in the card token or member ID. */
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

    GmoPayments(Supplier<Instant> now, Supplier<String> baseUrl) {
        this.now = now;
        this.baseUrl = baseUrl;
    }

    int authorizations(String orderId) {
        AtomicInteger n = authorizations.get(orderId);
        return n == null ? 0 : n.get();
    }

    void reset() {
        synchronized (lock) {
            byAccessId.clear();
            byOrderId.clear();
            authorizations.clear();
            flakySeen.clear();
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
            Instant t = now();
            Order o = new Order();
            o.accessId = randomHex();
            o.accessPass = randomHex();
            o.orderId = orderId;
            o.amount = amount;
            o.clientFields = orderNode.get("clientFields") instanceof ObjectNode cf && !cf.isEmpty() ? cf : null;
            o.created = t;
            o.updated = t;
            o.card = card;
            o.outcome = behaviour.outcome();
            o.authorizationMode = mode;
            o.useTds2 = tdsRequired;
            o.useFraudDetection = useFraud;
            byOrderId.put(orderId, o);
            byAccessId.put(o.accessId, o);

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
                return Answer.ok(202, body).slow(behaviour.slow());
            }

            o.status = "UNPROCESSED";
            GmoProblem declined = authorize(o);
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
                return Answer.problem(o.error);
            }
            GmoProblem declined = authorize(o);
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
            switch (o.status) {
                case "AUTH" -> {
                    Instant t = now();
                    if (t.isAfter(o.captureExpiry.toInstant())) {
                        throw GmoProblem.transactionExpired();
                    }
                    o.status = "SALES";
                    o.updated = t;
                    o.error = null;
                }
                case "SALES", "CAPTURE" -> throw GmoProblem.invalidStatus("The transaction has already been captured.");
                case "CANCEL" -> throw GmoProblem.invalidStatus("The transaction has already been canceled.");
                default -> throw GmoProblem.invalidStatus("The transaction has not been authorized.");
            }
            return Answer.ok(201, managementAnswer(o));
        }
    }

    /** {@code POST /order/cancel}: AUTH, CAPTURE, SALES → CANCEL. */
    Answer cancel(JsonNode req) {
        checkAdditionalOptions(req);
        synchronized (lock) {
            Order o = lookup(req.path("accessId").asText(), "accessId");
            switch (o.status) {
                case "AUTH", "CAPTURE", "SALES" -> {
                    o.status = "CANCEL";
                    o.canceled = true;
                    o.updated = now();
                    o.error = null;
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
            body.set("creditResult", creditResult(o, true));
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
        return o;
    }

    private Order lookupByOrderId(String orderId) {
        Order o = byOrderId.get(orderId);
        if (o == null) {
            throw GmoProblem.invalidParameter("orderId");
        }
        return o;
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
        ref.put("chargeType", "CREDIT");
        return ref;
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
