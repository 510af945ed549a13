package io.kessai.payment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.github.f4b6a3.ulid.UlidCreator;
import io.kessai.model.ErrorCode;
import io.kessai.model.FieldError;
import io.kessai.model.FieldRules;
import io.kessai.model.KessaiException;
import io.kessai.model.PaymentError;
import io.kessai.model.PaymentOrder;
import io.kessai.model.PaymentResult;
import io.kessai.model.PaymentStatus;
import io.kessai.model.ProviderOutcome;
import io.kessai.provider.PaymentProvider;
import io.kessai.provider.Providers;
import io.kessai.provider.UpstreamFailures;
import io.kessai.store.PaymentRecord;
import io.kessai.store.PaymentStore;
import io.kessai.store.StoreException;
import org.apache.camel.Exchange;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The payment core the routes call step by step: accept an order (validate, route, idempotency), apply a
 * provider's outcome through the state machine, and answer. Provider routes never write statuses.
 */
public final class PaymentService {
    private static final Pattern IDEMPOTENCY_KEY = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final String LOCKED = "kessaiLockedKey";

    private final PaymentStore store;
    private final Providers providers;
    private final PaymentOrderReader reader;
    private final StateMachine stateMachine;
    private final ObjectMapper json;
    private final ObjectMapper canonicalJson;
    private final KeyLocks locks;
    private final ZoneId zone;

    public PaymentService(PaymentStore store, Providers providers, PaymentOrderReader reader, StateMachine stateMachine,
                          ObjectMapper json, KeyLocks locks, ZoneId zone) {
        this.store = store;
        this.providers = providers;
        this.reader = reader;
        this.stateMachine = stateMachine;
        this.json = json;
        this.canonicalJson = json.copy().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
        this.locks = locks;
        this.zone = zone;
    }

    // ---- POST /payments, direct:kessai-pay ------------------------------------------------------

    /**
     * Validates the order (every rule at once, no upstream call on a 400), chooses the provider, and either
     * starts a new payment or finds the one this idempotency key or orderId already made.
     */
    public void accept(Exchange exchange) {
        List<FieldError> errors = new ArrayList<>();
        JsonNode node = reader.parse(bodyBytes(exchange), errors);
        String key = exchange.getMessage().getHeader(Flow.IDEMPOTENCY_KEY_HEADER, String.class);
        if (key != null && !IDEMPOTENCY_KEY.matcher(key).matches()) {
            errors.add(new FieldError("Idempotency-Key", "pattern", "must be 1 to 64 of [A-Za-z0-9_-]"));
        }
        if (node == null) {
            throw KessaiException.invalid(errors);
        }
        PaymentOrder order = reader.read(node, errors);
        if (!errors.isEmpty()) {
            throw KessaiException.invalid(errors);
        }
        PaymentProvider provider = providers.choose(order);
        checkCapabilities(order, provider);
        FieldRules rules = new FieldRules(errors);
        provider.check(order, rules);
        if (provider.mayRedirect(order) && (order.returnUrls() == null || order.returnUrls().success() == null)) {
            rules.add("returnUrls.success", "required", "is required: " + provider.id()
                    + " may send the customer to 3-D Secure and back");
        }
        if (!errors.isEmpty()) {
            throw KessaiException.invalid(errors);
        }
        order = order.withProvider(provider.id());
        String hash = hash(node);
        String idempotencyKey = key != null ? key : order.orderId();

        locks.lock(order.orderId());
        exchange.getExchangeExtension().addOnCompletion(new UnlockOnCompletion(locks, order.orderId()));
        exchange.setProperty(LOCKED, order.orderId());
        exchange.setProperty(Flow.ORDER, order);
        exchange.setProperty(Flow.PROVIDER, provider.id());

        Optional<PaymentStore.KeyedPayment> keyed = store.findByKey(idempotencyKey);
        PaymentRecord existing;
        if (keyed.isPresent()) {
            if (!keyed.get().requestHash().equals(hash)) {
                throw new KessaiException(ErrorCode.IDEMPOTENCY_CONFLICT,
                        "Idempotency-Key " + idempotencyKey + " was already used with a different request");
            }
            existing = keyed.get().payment();
        } else {
            existing = store.findByOrderId(order.orderId()).orElse(null);
            if (existing != null && !existing.requestHash().equals(hash)) {
                throw new KessaiException(ErrorCode.IDEMPOTENCY_CONFLICT,
                        "orderId " + order.orderId() + " was already used with a different request");
            }
        }
        if (existing == null) {
            existing = create(order, provider, hash, idempotencyKey);
            exchange.setProperty(Flow.REPLAY_HEADER, false);
        } else {
            exchange.setProperty(Flow.REPLAY_HEADER, true);
        }
        exchange.setProperty(Flow.PAYMENT, existing);
        // A new payment, or one whose earlier charge got no answer, is (re)sent with the same upstream key.
        boolean callUpstream = existing.status() == PaymentStatus.PENDING;
        exchange.setProperty(Flow.CALL_UPSTREAM, callUpstream);
        if (callUpstream) {
            exchange.setProperty(Flow.OPERATION, store.beginOperation(existing.paymentId(), "charge", existing.amount()));
        }
    }

    private void checkCapabilities(PaymentOrder order, PaymentProvider provider) {
        if (!provider.methodTypes().contains(order.method().type())) {
            throw KessaiException.unsupported("method.type", provider.id() + " does not offer method type " + order.method().type());
        }
        if (!provider.currencies().contains(order.currency())) {
            throw KessaiException.unsupported("currency", provider.id() + " accepts only " + String.join(", ", provider.currencies()));
        }
        if (order.capture().authorizeOnly() && !provider.authorizes(order.method().type())) {
            throw KessaiException.unsupported("capture.mode", provider.id() + " cannot authorize " + order.method().type()
                    + " payments now and capture them later");
        }
    }

    private PaymentRecord create(PaymentOrder order, PaymentProvider provider, String hash, String idempotencyKey) {
        var now = store.now();
        PaymentRecord record = new PaymentRecord("pay_" + UlidCreator.getMonotonicUlid(), order.orderId(), provider.id(),
                PaymentStatus.PENDING, order.amountValue(), order.currency(), BigDecimal.ZERO, BigDecimal.ZERO,
                order.capture().mode(), order.capture().at(), null, null, Map.of(), null, null,
                UUID.randomUUID().toString(), hash, write(order), now, now);
        try {
            store.insert(record, idempotencyKey, "api", stateMachine.created(record), stateMachine.schedule(record, null));
            return record;
        } catch (StoreException e) {
            if (!e.isUniqueViolation()) {
                throw e;
            }
            // Another Kessai node stored this order first: answer what it stored.
            return store.findByOrderId(order.orderId())
                    .filter(p -> p.requestHash().equals(hash))
                    .orElseThrow(() -> new KessaiException(ErrorCode.IDEMPOTENCY_CONFLICT,
                            "orderId " + order.orderId() + " was already used with a different request"));
        }
    }

    /** The provider route failed: a decline or a known failure fails the payment, no answer leaves it pending. */
    public ProviderOutcome chargeFailed(Exchange exchange) {
        KessaiException k = UpstreamFailures.toKessai(caught(exchange), exchange.getProperty(Flow.PROVIDER, String.class));
        PaymentError error = PaymentError.of(k.code(), k.getMessage(), k.providerCode());
        PaymentStatus status = k.outcomeUnknown() ? PaymentStatus.PENDING : PaymentStatus.FAILED;
        return new ProviderOutcome(status, null, Map.of(), null, error, null, null, null);
    }

    /**
     * Applies the provider's outcome of the prepared operation (charge, 3-D Secure finalize, capture, cancel,
     * refund, inquiry) through the state machine; the body becomes the stored payment.
     */
    public PaymentRecord apply(Exchange exchange) {
        ProviderOutcome outcome = exchange.getMessage().getBody(ProviderOutcome.class);
        PaymentStore.Operation op = exchange.getProperty(Flow.OPERATION, PaymentStore.Operation.class);
        boolean unknown = outcome.status() == PaymentStatus.PENDING && outcome.error() != null;
        if (op != null) {
            store.finishOperation(op, unknown ? "unknown" : "done");
        }
        PaymentRecord payment = exchange.getProperty(Flow.PAYMENT, PaymentRecord.class);
        io.kessai.events.Notice notice = exchange.getProperty(Flow.NOTICE, io.kessai.events.Notice.class);
        return stateMachine.apply(payment.paymentId(), outcome, notice != null ? notice : io.kessai.events.Notice.of(source(exchange)));
    }

    /** The answer of POST /payments: the PaymentResult, or the problem of a failed or unresolved payment. */
    public PaymentResult answer(Exchange exchange) {
        PaymentRecord payment = exchange.getMessage().getBody(PaymentRecord.class);
        if (payment == null) {
            payment = exchange.getProperty(Flow.PAYMENT, PaymentRecord.class);
        }
        boolean replay = exchange.getProperty(Flow.REPLAY_HEADER, false, Boolean.class);
        if (payment.status() == PaymentStatus.FAILED
                || (payment.status() == PaymentStatus.PENDING && payment.error() != null)) {
            PaymentError e = payment.error();
            throw new KessaiException(e.errorCode(), e.message(), List.of(), e.providerCode(), payment.paymentId());
        }
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, replay ? 200 : 201);
        exchange.getMessage().setHeader(Flow.REPLAY_HEADER, replay);
        return result(payment);
    }

    // ---- capture, cancel, refund ---------------------------------------------------------------

    /** Prepares POST /payments/{id}/capture: full capture of an authorization, or a partial one where allowed. */
    public void prepareCapture(Exchange exchange) {
        prepareOperation(exchange, "capture", PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED);
    }

    /** Prepares a cancel: voids an authorization; for a captured payment the provider's cancel is a refund. */
    public void prepareCancel(Exchange exchange) {
        PaymentRecord payment = load(exchange);
        if (payment.status() == PaymentStatus.CAPTURED) {
            prepareOperation(exchange, "refund", PaymentStatus.CAPTURED, PaymentStatus.REFUNDED);
        } else if (payment.status() == PaymentStatus.REQUIRES_ACTION) {
            // The customer has not paid (or finished 3-D Secure) yet: withdraw the payment request.
            prepareOperation(exchange, "cancel", PaymentStatus.REQUIRES_ACTION, PaymentStatus.CANCELED);
        } else {
            prepareOperation(exchange, "cancel", PaymentStatus.AUTHORIZED, PaymentStatus.CANCELED);
        }
    }

    public void prepareRefund(Exchange exchange) {
        prepareOperation(exchange, "refund", PaymentStatus.CAPTURED, PaymentStatus.REFUNDED);
    }

    private void prepareOperation(Exchange exchange, String kind, PaymentStatus from, PaymentStatus to) {
        PaymentRecord payment = load(exchange);
        PaymentProvider provider = providers.find(payment.provider()).orElseThrow(() ->
                new KessaiException(ErrorCode.UNSUPPORTED, "provider " + payment.provider() + " is not installed"));
        BigDecimal amount = requestedAmount(exchange, payment, kind);
        boolean partial = amount != null && amount.compareTo(payment.amount()) != 0;
        if ("refund".equals(kind) && !provider.refunds()) {
            throw KessaiException.unsupported(null, provider.id() + " does not offer refunds");
        }
        if ("cancel".equals(kind) && !provider.cancels()) {
            throw KessaiException.unsupported(null, provider.id() + " does not offer cancelling a payment");
        }
        if ("capture".equals(kind) && !provider.authorizes(methodType(payment))) {
            throw KessaiException.unsupported(null, provider.id() + " captures when the customer pays; there is nothing to capture");
        }
        if (partial && "capture".equals(kind) && !provider.partialCapture()) {
            throw KessaiException.unsupported("amount", provider.id() + " captures only the whole authorized amount");
        }
        if (partial && "refund".equals(kind) && !provider.partialRefund()) {
            throw KessaiException.unsupported("amount", provider.id() + " refunds only the whole captured amount");
        }
        locks.lock(payment.paymentId());
        exchange.getExchangeExtension().addOnCompletion(new UnlockOnCompletion(locks, payment.paymentId()));
        PaymentRecord current = store.find(payment.paymentId()).orElseThrow();
        exchange.setProperty(Flow.PAYMENT, current);
        exchange.setProperty(Flow.PROVIDER, current.provider());
        exchange.setProperty(Flow.AMOUNT, amount);
        if (current.status() == to) {
            // Asked again after it already happened: answer the current state, call nothing.
            exchange.setProperty(Flow.CALL_UPSTREAM, false);
            return;
        }
        if (current.status() != from) {
            throw new KessaiException(ErrorCode.INVALID_STATE, "cannot " + kind + " a payment that is "
                    + current.status().wire() + " (it must be " + from.wire() + ")", List.of(), null, current.paymentId());
        }
        exchange.setProperty(Flow.CALL_UPSTREAM, true);
        exchange.setProperty(Flow.OPERATION, store.beginOperation(current.paymentId(), kind, amount));
    }

    private String methodType(PaymentRecord payment) {
        try {
            return json.readTree(payment.orderJson()).path("method").path("type").asText(null);
        } catch (IOException e) {
            return null;
        }
    }

    private BigDecimal requestedAmount(Exchange exchange, PaymentRecord payment, String kind) {
        byte[] body = bodyBytes(exchange);
        if (body == null || body.length == 0 || new String(body, StandardCharsets.UTF_8).isBlank()) {
            return null;
        }
        List<FieldError> errors = new ArrayList<>();
        JsonNode node = reader.parse(body, errors);
        if (node == null) {
            throw KessaiException.invalid(errors);
        }
        FieldRules rules = new FieldRules(errors);
        JsonFields fields = new JsonFields(node, "", errors, java.util.Set.of("amount"));
        String text = fields.string("amount", false);
        if (text != null && "cancel".equals(kind)) {
            rules.add("amount", "unsupported_field", "a cancel voids the whole authorization and takes no amount");
        }
        BigDecimal amount = rules.decimal("amount", text);
        if (amount != null && !rules.has("amount")) {
            BigDecimal limit = "refund".equals(kind)
                    ? payment.capturedAmount().subtract(payment.refundedAmount())
                    : payment.amount();
            if (amount.signum() <= 0) {
                rules.add("amount", "range", "must be greater than 0");
            } else if (amount.scale() > PaymentOrderReader.fractionDigits(payment.currency())) {
                rules.add("amount", "scale", payment.currency() + " allows at most "
                        + PaymentOrderReader.fractionDigits(payment.currency()) + " decimals");
            } else if (amount.compareTo(limit) > 0) {
                rules.add("amount", "range", "must not be above " + format(limit, payment.currency()));
            }
        }
        if (!errors.isEmpty()) {
            throw KessaiException.invalid(errors);
        }
        return amount;
    }

    /** A capture, cancel or refund failed upstream: the payment keeps its status; the caller gets the error. */
    public void operationFailed(Exchange exchange) {
        KessaiException k = UpstreamFailures.toKessai(caught(exchange), exchange.getProperty(Flow.PROVIDER, String.class));
        PaymentStore.Operation op = exchange.getProperty(Flow.OPERATION, PaymentStore.Operation.class);
        if (op != null) {
            store.finishOperation(op, k.code() == ErrorCode.PROVIDER_TIMEOUT ? "unknown" : "failed");
        }
        PaymentRecord payment = exchange.getProperty(Flow.PAYMENT, PaymentRecord.class);
        throw k.forPayment(payment.paymentId());
    }

    /** The answer of capture, cancel, refund and GET: the current PaymentResult. */
    public PaymentResult current(Exchange exchange) {
        PaymentRecord payment = exchange.getMessage().getBody(PaymentRecord.class);
        if (payment == null) {
            payment = store.find(exchange.getProperty(Flow.PAYMENT, PaymentRecord.class).paymentId()).orElseThrow();
        }
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        return result(payment);
    }

    // ---- GET ---------------------------------------------------------------------------------

    public PaymentResult get(Exchange exchange) {
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        return result(load(exchange));
    }

    public PaymentResult getByOrderId(Exchange exchange) {
        String orderId = exchange.getMessage().getHeader("orderId", String.class);
        if (orderId == null || orderId.isBlank()) {
            throw KessaiException.invalid("orderId", "required", "is required as a query parameter");
        }
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        return result(store.findByOrderId(orderId).orElseThrow(() ->
                new KessaiException(ErrorCode.NOT_FOUND, "no payment has orderId " + orderId)));
    }

    private PaymentRecord load(Exchange exchange) {
        String id = exchange.getMessage().getHeader(Flow.PAYMENT_ID_HEADER, String.class);
        if (id == null) {
            throw KessaiException.invalid(Flow.PAYMENT_ID_HEADER, "required", "names the payment");
        }
        return store.find(id).orElseThrow(() -> new KessaiException(ErrorCode.NOT_FOUND, "no payment " + id));
    }

    // ---- views -------------------------------------------------------------------------------

    public PaymentResult result(PaymentRecord p) {
        DateTimeFormatter f = DateTimeFormatter.ISO_OFFSET_DATE_TIME;
        Map<String, String> ref = p.providerRef() == null || p.providerRef().isEmpty() ? null : new LinkedHashMap<>(p.providerRef());
        return new PaymentResult(p.paymentId(), p.orderId(), p.provider(), p.status().wire(),
                format(p.amount(), p.currency()), p.currency(), format(p.capturedAmount(), p.currency()),
                format(p.refundedAmount(), p.currency()),
                new PaymentResult.CaptureView(p.captureMode(), p.captureAt(),
                        p.captureExpiresAt() == null ? null : f.format(p.captureExpiresAt().atZoneSameInstant(zone).toOffsetDateTime())),
                p.status() == PaymentStatus.REQUIRES_ACTION ? p.nextAction() : null,
                ref, p.error(),
                f.format(p.createdAt().atZoneSameInstant(zone).toOffsetDateTime()),
                f.format(p.updatedAt().atZoneSameInstant(zone).toOffsetDateTime()));
    }

    public static String format(BigDecimal amount, String currency) {
        return amount.setScale(PaymentOrderReader.fractionDigits(currency), java.math.RoundingMode.UNNECESSARY).toPlainString();
    }

    // ---- helpers -----------------------------------------------------------------------------

    private String source(Exchange exchange) {
        return exchange.getProperty(Flow.SOURCE, "api", String.class);
    }

    private static Throwable caught(Exchange exchange) {
        Throwable t = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (t == null) {
            t = exchange.getException();
        }
        return t == null ? new IllegalStateException("no exception") : t;
    }

    private byte[] bodyBytes(Exchange exchange) {
        String contentType = exchange.getMessage().getHeader(Exchange.CONTENT_TYPE, String.class);
        if (contentType != null && !contentType.toLowerCase(java.util.Locale.ROOT).contains("json")
                && exchange.getMessage().getBody() != null) {
            throw KessaiException.invalid("Content-Type", "media_type", "must be application/json");
        }
        Object body = exchange.getMessage().getBody();
        try {
            if (body == null) {
                return null;
            }
            if (body instanceof byte[] bytes) {
                return bytes;
            }
            if (body instanceof String s) {
                return s.getBytes(StandardCharsets.UTF_8);
            }
            if (body instanceof InputStream in) {
                return in.readAllBytes();
            }
            if (body instanceof PaymentOrder || body instanceof Map) {
                return json.writeValueAsBytes(body);
            }
            byte[] converted = exchange.getMessage().getBody(byte[].class);
            return converted != null ? converted : json.writeValueAsBytes(body);
        } catch (IOException e) {
            throw KessaiException.invalid("", "unreadable", "the request body could not be read");
        }
    }

    /** SHA-256 of the request with its keys sorted, so that the same order in another key order matches. */
    private String hash(JsonNode node) {
        try {
            Object tree = canonicalJson.treeToValue(node, Object.class);
            byte[] bytes = canonicalJson.writeValueAsBytes(tree);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private String write(PaymentOrder order) {
        try {
            return json.writeValueAsString(order);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Releases a {@link KeyLocks} permit when the exchange is done, whatever its outcome. */
    private record UnlockOnCompletion(KeyLocks locks, String key) implements org.apache.camel.spi.Synchronization {
        @Override
        public void onComplete(Exchange exchange) {
            locks.unlock(key);
        }

        @Override
        public void onFailure(Exchange exchange) {
            locks.unlock(key);
        }
    }
}
