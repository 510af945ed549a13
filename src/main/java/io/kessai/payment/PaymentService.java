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
import io.kessai.provider.NotAtProvider;
import io.kessai.provider.ProviderMeters;
import io.kessai.provider.Providers;
import io.kessai.provider.Routing;
import io.kessai.provider.UpstreamCalls;
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
    /** The status a capture, cancel or refund moves the payment to. */
    private static final String TARGET = "kessaiTargetStatus";
    private static final String PREPARED = "kessaiPreparedOperation";
    /** Set by continueAfterReconcile: the requested operation goes ahead now. */
    private static final String CONTINUE = "kessaiContinue";
    /** The providerCode of the provider's "no such payment" answer to a reconciling inquiry. */
    private static final String NOT_AT_PROVIDER = "kessaiNotAtProvider";
    /** A new payment's further providers, in the order its routing rule tries them when one surely did not act. */
    private static final String FAILOVER_TO = "kessaiFailoverTo";
    /** Why the payment is at its current provider (recorded on the payment). */
    private static final String ROUTING_REASON = "kessaiRoutingReason";
    /** Set when the charge goes again, to the next provider (the loop of route kessai-pay). */
    public static final String CHARGE_AGAIN = "kessaiChargeAgain";
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PaymentService.class);

    private final PaymentStore store;
    private final Providers providers;
    private final PaymentOrderReader reader;
    private final StateMachine stateMachine;
    private final ObjectMapper json;
    private final ObjectMapper canonicalJson;
    private final KeyLocks locks;
    private final ZoneId zone;
    private final Reconciliation reconciliation;
    private final JanitorSchedule janitor;
    private final ProviderMeters meters;

    public PaymentService(PaymentStore store, Providers providers, PaymentOrderReader reader, StateMachine stateMachine,
                          ObjectMapper json, KeyLocks locks, ZoneId zone, Reconciliation reconciliation,
                          JanitorSchedule janitor, ProviderMeters meters) {
        this.meters = meters;
        this.store = store;
        this.providers = providers;
        this.reader = reader;
        this.stateMachine = stateMachine;
        this.json = json;
        this.canonicalJson = json.copy().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
        this.locks = locks;
        this.zone = zone;
        this.reconciliation = reconciliation;
        this.janitor = janitor;
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
        Route route = route(order, errors);
        PaymentProvider provider = route.provider();
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
        PaymentStore.Operation charge = null;
        if (existing == null) {
            Created created = create(order, provider, hash, idempotencyKey, route.reason());
            existing = created.payment();
            charge = created.charge();
            if (charge != null) {
                route.taken().run();   // a new payment on this plan: it counts in a weighted split
                exchange.setProperty(FAILOVER_TO, new ArrayList<>(route.failover()));
                exchange.setProperty(ROUTING_REASON, route.reason());
            }
        } else {
            // A replay: the payment's provider is the one it was charged at (after any failover), not this plan's.
            exchange.setProperty(Flow.PROVIDER, existing.provider());
            exchange.setProperty(Flow.ORDER, order.withProvider(existing.provider()));
        }
        exchange.setProperty(Flow.REPLAY_HEADER, charge == null);
        exchange.setProperty(Flow.PAYMENT, existing);
        PaymentLog.enter(exchange, existing, charge != null ? "charge"
                : existing.status() == PaymentStatus.PENDING ? "inquiry" : "replay");
        if (charge != null) {
            // A new payment: its charge operation (and upstream key) committed with it; send it now.
            exchange.setProperty(Flow.CALL_UPSTREAM, true);
            exchange.setProperty(Flow.OPERATION, charge);
        } else if (existing.status() == PaymentStatus.PENDING) {
            // Its charge was sent before and its outcome is not known here: ask the provider, never send again.
            reconcile(exchange);
        } else {
            exchange.setProperty(Flow.CALL_UPSTREAM, false);
        }
    }

    /**
     * Where a valid order goes: its first provider, the providers it may fail over to, and why.
     *
     * @param failover the further providers, in order, tried only when the one before surely did not act; empty when
     *                 the order names its provider or carries a card token or stored card (they belong to one provider)
     */
    private record Route(PaymentProvider provider, List<String> failover, String reason, Runnable taken) {
    }

    /**
     * The route of this order, or the problem that stops it: every contract and provider rule broken ({@code 400},
     * with the first provider's rules), or {@code 422 unsupported}. The providers of the order's plan that cannot take
     * it (their capability table or their document's rules) are skipped, and the reason says so; when none can, the
     * answer is the first provider's.
     */
    private Route route(PaymentOrder order, List<FieldError> errors) {
        if (!errors.isEmpty()) {
            PaymentProvider provider = providerFor(order, errors);
            if (provider != null) {
                addProviderRules(order, provider, errors);
            }
            throw KessaiException.invalid(errors);
        }
        Routing.Plan plan = providers.plan(order);
        List<PaymentProvider> takers = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (String id : plan.providers()) {
            List<FieldError> own = new ArrayList<>();
            try {
                PaymentProvider candidate = providers.checked(order, id);
                addProviderRules(order, candidate, own);
                if (own.isEmpty()) {
                    takers.add(candidate);
                } else {
                    skipped.add(id + " (" + own.get(0).field() + " " + own.get(0).message() + ")");
                }
            } catch (KessaiException cannot) {
                skipped.add(id + " (" + cannot.getMessage() + ")");
            }
        }
        if (takers.isEmpty()) {
            PaymentProvider first = providers.checked(order, plan.providers().get(0));
            addProviderRules(order, first, errors);
            throw KessaiException.invalid(errors);
        }
        String reason = plan.reason() + (skipped.isEmpty() ? "" : "; skipped " + String.join(", ", skipped));
        List<String> failover = takers.stream().skip(1).map(PaymentProvider::id).toList();
        if (!failover.isEmpty() && boundToOneProvider(order)) {
            reason += "; no failover: the card token or stored card belongs to " + takers.get(0).id();
            failover = List.of();
        }
        return new Route(takers.get(0), failover, reason, plan.taken());
    }

    /** A card token or a card stored at a provider can only be charged by the provider that issued it. */
    private static boolean boundToOneProvider(PaymentOrder order) {
        PaymentOrder.Method m = order.method();
        return "card".equals(m.type()) || m.token() != null || m.memberId() != null || m.cardId() != null;
    }

    /**
     * The provider of this order. A valid order gets its provider or {@code 422 unsupported}; an order that already
     * breaks contract rules gets its provider only where its provider, method type, currency and capture mode
     * still determine one (so that the provider's rules are reported in the same answer), else null.
     */
    private PaymentProvider providerFor(PaymentOrder order, List<FieldError> errors) {
        if (errors.isEmpty()) {
            return providers.choose(order);
        }
        if (order.method() == null || order.method().type() == null || order.currency() == null
                || errors.stream().map(FieldError::field).anyMatch(UNDETERMINED_PROVIDER::contains)) {
            return null;
        }
        try {
            return providers.choose(order);
        } catch (KessaiException unsupported) {
            return null;  // the 400 first; the 422 once the order keeps the contract
        }
    }

    /** Fields whose contract errors leave the provider (or what it is asked to take) unknown. */
    private static final java.util.Set<String> UNDETERMINED_PROVIDER = java.util.Set.of(
            "provider", "method", "method.type", "currency", "capture", "capture.mode");

    /**
     * The chosen provider's rules, added to the contract's in one pass: a field that already breaks a contract rule
     * is not reported twice. Where the order may send the customer away and back, {@code returnUrls.success} is
     * required for the reason the provider gives.
     */
    private static void addProviderRules(PaymentOrder order, PaymentProvider provider, List<FieldError> errors) {
        List<FieldError> found = new ArrayList<>(errors);   // the provider's rules see what the contract's found
        FieldRules rules = new FieldRules(found);
        boolean contractBroken = !errors.isEmpty();
        try {
            provider.check(order, rules);
        } catch (KessaiException unsupported) {
            if (!contractBroken) {
                throw unsupported;
            }
        }
        String reason = provider.redirectReason(order);
        if (reason != null && (order.returnUrls() == null || order.returnUrls().success() == null)) {
            rules.add("returnUrls.success", "required", "is required: " + reason);
        }
        java.util.Set<String> contractFields = new java.util.HashSet<>();
        errors.forEach(e -> contractFields.add(e.field()));
        found.subList(errors.size(), found.size()).stream().filter(e -> !contractFields.contains(e.field()))
                .toList().forEach(errors::add);
    }

    /** The flow asks the provider (inquiry) about the payment's open operation instead of sending anything. */
    private void reconcile(Exchange exchange) {
        exchange.setProperty(Flow.CALL_UPSTREAM, true);
        exchange.setProperty(Flow.RECONCILE, true);
        exchange.removeProperty(Flow.OPERATION);
    }

    private record Created(PaymentRecord payment, PaymentStore.Operation charge) {
    }

    /**
     * Stores the new payment with its key, its first event, its janitor schedule and its charge operation in
     * one transaction. The stored order carries no card token: the charge is sent from the request in memory.
     */
    private Created create(PaymentOrder order, PaymentProvider provider, String hash, String idempotencyKey,
                           String routingReason) {
        var now = store.now();
        PaymentRecord record = new PaymentRecord("pay_" + UlidCreator.getMonotonicUlid(), order.orderId(), provider.id(),
                PaymentStatus.PENDING, order.amountValue(), order.currency(), BigDecimal.ZERO, BigDecimal.ZERO,
                order.capture().mode(), order.capture().at(), null, null, Map.of(), null, null,
                UUID.randomUUID().toString(), hash, stateMachine.withoutCardToken(write(order)), now, now);
        try {
            PaymentStore.Operation charge = store.insert(record, idempotencyKey, "api", stateMachine.created(record),
                    stateMachine.schedule(record, null), "charge", routingReason);
            PaymentLog.created(record, "api");
            return new Created(record, charge);
        } catch (StoreException e) {
            if (!e.isUniqueViolation()) {
                throw e;
            }
            // Another Kessai node stored this order first: answer what it stored.
            return new Created(store.findByOrderId(order.orderId())
                    .filter(p -> p.requestHash().equals(hash))
                    .orElseThrow(() -> new KessaiException(ErrorCode.IDEMPOTENCY_CONFLICT,
                            "orderId " + order.orderId() + " was already used with a different request")), null);
        }
    }

    /**
     * The provider route failed. Sending a charge: a refusal or a failure that surely did nothing fails the
     * payment; an unknown outcome leaves it pending (504, reconciled). Asking about an open payment: it stays
     * as it is unless the provider says it never got the charge and the in-flight grace has passed.
     */
    public ProviderOutcome chargeFailed(Exchange exchange) {
        KessaiException k = UpstreamFailures.toKessai(caught(exchange), exchange.getProperty(Flow.PROVIDER, String.class));
        if (exchange.getProperty(Flow.RECONCILE, false, Boolean.class)) {
            if (k instanceof NotAtProvider) {
                exchange.setProperty(NOT_AT_PROVIDER, k.providerCode());
            }
            return stillUnknown(k);
        }
        if (failover(exchange, k)) {
            return null;
        }
        PaymentError error = PaymentError.of(k.code(), k.getMessage(), k.providerCode());
        PaymentStatus status = k.outcomeUnknown() ? PaymentStatus.PENDING : PaymentStatus.FAILED;
        return new ProviderOutcome(status, null, Map.of(), null, error, null, null, null);
    }

    /**
     * A new payment's charge that surely did not happen at its provider ({@link UpstreamFailures#surelyNotDone}) moves
     * to the next provider of its routing rule: the first charge is settled failed and the next one started, with the
     * payment's provider switched, in one transaction ({@link PaymentStore#failover}); the route sends it again.
     * Never after an outcome that is not known or a refusal, never for a replay or a reconciliation, and never for
     * an order whose provider was named or whose card belongs to one provider (those have nowhere to go).
     */
    @SuppressWarnings("unchecked")
    private boolean failover(Exchange exchange, KessaiException why) {
        List<String> next = exchange.getProperty(FAILOVER_TO, List.class);
        if (next == null || next.isEmpty() || !UpstreamFailures.surelyNotDone(why)) {
            return false;
        }
        PaymentRecord payment = exchange.getProperty(Flow.PAYMENT, PaymentRecord.class);
        PaymentStore.Operation op = exchange.getProperty(Flow.OPERATION, PaymentStore.Operation.class);
        String from = exchange.getProperty(Flow.PROVIDER, String.class);
        if (payment == null || op == null || from == null) {
            return false;
        }
        String to = next.get(0);
        String reason = exchange.getProperty(ROUTING_REASON, String.class) + "; failed over from " + from + " to " + to
                + " (" + from + " did not act: " + why.getMessage() + ")";
        Optional<PaymentStore.Failover> moved = store.failover(payment.paymentId(), op.operationId(), from, to,
                "not done at " + from + ": " + why.getMessage() + "; failed over to " + to, reason);
        if (moved.isEmpty()) {
            return false;
        }
        PaymentOrder order = exchange.getProperty(Flow.ORDER, PaymentOrder.class);
        LOG.warn("payment {}: {} did not act on its charge ({}); failing over to {}", payment.paymentId(), from,
                why.getMessage(), to);
        if (meters != null) {
            meters.failover(from, to, order == null ? null : order.method().type());
        }
        exchange.setProperty(FAILOVER_TO, new ArrayList<>(next.subList(1, next.size())));
        exchange.setProperty(ROUTING_REASON, reason);
        exchange.setProperty(Flow.PROVIDER, to);
        exchange.setProperty(Flow.PAYMENT, moved.get().payment());
        exchange.setProperty(Flow.OPERATION, moved.get().operation());
        if (order != null) {
            exchange.setProperty(Flow.ORDER, order.withProvider(to));
        }
        // the next provider gets its own request deadline (kessai.providers.<id>.retry.deadline-ms)
        exchange.removeProperty(UpstreamCalls.DEADLINE_PROPERTY);
        exchange.removeProperty(Exchange.EXCEPTION_CAUGHT);
        exchange.setProperty(CHARGE_AGAIN, true);
        return true;
    }

    private static ProviderOutcome stillUnknown(KessaiException why) {
        return new ProviderOutcome(PaymentStatus.PENDING, null, Map.of(), null,
                PaymentError.of(ErrorCode.PROVIDER_TIMEOUT, "the outcome at the provider is not known yet ("
                        + why.getMessage() + "); the payment is reconciled", why.providerCode()), null, null, null);
    }

    /**
     * Applies the provider's outcome of the prepared operation (charge, 3-D Secure finalize, capture, cancel,
     * refund, inquiry) through the state machine; the body becomes the stored payment.
     */
    public PaymentRecord apply(Exchange exchange) {
        ProviderOutcome outcome = exchange.getMessage().getBody(ProviderOutcome.class);
        PaymentRecord payment = exchange.getProperty(Flow.PAYMENT, PaymentRecord.class);
        io.kessai.events.Notice notice = exchange.getProperty(Flow.NOTICE, io.kessai.events.Notice.class);
        notice = notice != null ? notice : io.kessai.events.Notice.of(source(exchange));
        if (exchange.getProperty(Flow.RECONCILE, false, Boolean.class)) {
            PaymentRecord after = outcome.status() == PaymentStatus.PENDING && outcome.error() != null
                    && payment.status() != PaymentStatus.PENDING
                    ? store.find(payment.paymentId()).orElseThrow()
                    : stateMachine.apply(payment.paymentId(), outcome, notice);
            return reconciliation.settle(after, exchange.getProperty(NOT_AT_PROVIDER, String.class), notice).payment();
        }
        PaymentStore.Operation op = exchange.getProperty(Flow.OPERATION, PaymentStore.Operation.class);
        return stateMachine.apply(payment.paymentId(), outcome, notice, op == null ? null : settlement(op, outcome, payment));
    }

    /** How the operation that produced this outcome ends: done, failed, or unknown (checked again soon). */
    private PaymentStore.Settlement settlement(PaymentStore.Operation op, ProviderOutcome outcome, PaymentRecord payment) {
        boolean unknown = outcome.error() != null && outcome.error().errorCode() == ErrorCode.PROVIDER_TIMEOUT;
        if (unknown) {
            return new PaymentStore.Settlement(op.operationId(), "unknown", outcome.error().message(),
                    store.now().plus(janitor.delay(payment.provider(), 0)));
        }
        return new PaymentStore.Settlement(op.operationId(), outcome.status() == PaymentStatus.FAILED ? "failed" : "done");
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
        prepareOperation(exchange, "capture", "capture", PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED);
    }

    /** Prepares a cancel: voids an authorization; for a captured payment the provider's cancel is a refund. */
    public void prepareCancel(Exchange exchange) {
        PaymentRecord payment = load(exchange);
        if (payment.status() == PaymentStatus.CAPTURED || payment.status() == PaymentStatus.REFUNDED) {
            prepareOperation(exchange, "cancel", "refund", PaymentStatus.CAPTURED, PaymentStatus.REFUNDED);
        } else if (payment.status() == PaymentStatus.REQUIRES_ACTION) {
            // The customer has not paid (or finished 3-D Secure) yet: withdraw the payment request.
            prepareOperation(exchange, "cancel", "cancel", PaymentStatus.REQUIRES_ACTION, PaymentStatus.CANCELED);
        } else {
            prepareOperation(exchange, "cancel", "cancel", PaymentStatus.AUTHORIZED, PaymentStatus.CANCELED);
        }
    }

    public void prepareRefund(Exchange exchange) {
        prepareOperation(exchange, "refund", "refund", PaymentStatus.CAPTURED, PaymentStatus.REFUNDED);
    }

    /**
     * Prepares the {@code verb} the caller asked for (capture, cancel, refund) as an upstream operation of
     * {@code kind}. Status rules (contract section 4): the payment must be {@code from}; one that is already
     * {@code to} (or anything else) answers {@code 409 invalid_state}, except a repeat of the same request with
     * the same Idempotency-Key, which answers the payment as it is and sends nothing.
     */
    private void prepareOperation(Exchange exchange, String verb, String kind, PaymentStatus from, PaymentStatus to) {
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
        PaymentLog.enter(exchange, current, verb);
        exchange.setProperty(Flow.PAYMENT, current);
        exchange.setProperty(Flow.PROVIDER, current.provider());
        exchange.setProperty(Flow.AMOUNT, amount);
        exchange.setProperty(TARGET, to);
        String key = operationKey(exchange);
        String requestHash = verb + ":" + (amount == null ? "full" : amount.stripTrailingZeros().toPlainString());
        exchange.setProperty(PREPARED, new Prepared(verb, kind, from, amount, key, requestHash));
        boolean replay = false;
        if (key != null) {
            Optional<String> earlier = store.operationByClientKey(current.paymentId(), key);
            if (earlier.isPresent() && !earlier.get().equals(requestHash)) {
                throw new KessaiException(ErrorCode.IDEMPOTENCY_CONFLICT, "Idempotency-Key " + key
                        + " was already used with a different request on this payment", List.of(), null, current.paymentId());
            }
            replay = earlier.isPresent();
        }
        if (!store.openOperations(current.paymentId()).isEmpty()) {
            // An earlier operation's outcome is not known: ask the provider first, never start another.
            reconcile(exchange);
            return;
        }
        if (replay) {
            // The same request again with its key: answer the payment as it is, send nothing.
            exchange.setProperty(Flow.CALL_UPSTREAM, false);
            return;
        }
        if (current.status() != from) {
            throw new KessaiException(ErrorCode.INVALID_STATE, "cannot " + verb + " a payment that is "
                    + current.status().wire() + " (it must be " + from.wire() + ")", List.of(), null, current.paymentId());
        }
        exchange.setProperty(Flow.CALL_UPSTREAM, true);
        exchange.setProperty(Flow.OPERATION, store.startOperation(current.paymentId(), from, kind, amount, key, requestHash)
                .orElseThrow(() -> movedOn(current.paymentId())));
    }

    /**
     * Another request started an operation on this payment, or moved it on, between this one's checks and its start
     * (only possible when the payment's lease was not held: kessai.cluster.key-leases off, or a lease lost): nothing
     * was sent; the caller retries and then sees the payment as it is.
     */
    private static KessaiException movedOn(String paymentId) {
        return new KessaiException(ErrorCode.PROVIDER_UNAVAILABLE, "another request on this payment is in progress;"
                + " nothing was sent; retry later", List.of(), null, paymentId);
    }

    /** What the caller asked for, kept while an earlier operation is reconciled first. */
    private record Prepared(String verb, String kind, PaymentStatus from, BigDecimal amount, String key, String requestHash) {
    }

    /**
     * After an earlier operation was reconciled: if the provider's answer settled it and the payment is still
     * where the requested operation starts, the requested operation goes ahead now (a new operation with its
     * own upstream key: the earlier one is known not to have happened). Otherwise the answer is the payment as
     * it is (or 504 while the earlier outcome is still open).
     */
    public void continueAfterReconcile(Exchange exchange) {
        exchange.setProperty(CONTINUE, goesAhead(exchange));
    }

    private boolean goesAhead(Exchange exchange) {
        Prepared prepared = exchange.getProperty(PREPARED, Prepared.class);
        if (prepared == null || !exchange.getProperty(Flow.RECONCILE, false, Boolean.class)) {
            return false;
        }
        PaymentRecord current = store.find(exchange.getProperty(Flow.PAYMENT, PaymentRecord.class).paymentId()).orElseThrow();
        if (current.status() != prepared.from()) {
            return false;
        }
        List<PaymentStore.OpenOperation> open = store.openOperations(current.paymentId());
        PaymentStore.Operation next;
        if (open.isEmpty()) {
            next = store.startOperation(current.paymentId(), prepared.from(), prepared.kind(), prepared.amount(),
                    prepared.key(), prepared.requestHash()).orElse(null);
            if (next == null) {
                return false;
            }
        } else if (open.size() == 1 && open.get(0).operation().kind().equals(prepared.kind())
                && sameAmount(open.get(0).amount(), prepared.amount()) && honoursKeys(current)) {
            // The same operation, still not known and not done: sent again under its own key, which the
            // provider answers with its first outcome (never twice).
            next = open.get(0).operation();
        } else {
            return false;
        }
        exchange.removeProperty(Flow.RECONCILE);
        exchange.setProperty(Flow.PAYMENT, current);
        exchange.setProperty(Flow.CALL_UPSTREAM, true);
        exchange.setProperty(Flow.OPERATION, next);
        return true;
    }

    private static boolean sameAmount(BigDecimal a, BigDecimal b) {
        return a == null ? b == null : b != null && a.compareTo(b) == 0;
    }

    private boolean honoursKeys(PaymentRecord payment) {
        return providers.find(payment.provider()).map(p -> p.capabilities().idempotencyKeys()).orElse(false);
    }

    private static String operationKey(Exchange exchange) {
        String key = exchange.getMessage().getHeader(Flow.IDEMPOTENCY_KEY_HEADER, String.class);
        if (key != null && !IDEMPOTENCY_KEY.matcher(key).matches()) {
            throw KessaiException.invalid("Idempotency-Key", "pattern", "must be 1 to 64 of [A-Za-z0-9_-]");
        }
        return key;
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

    /**
     * A capture, cancel or refund failed upstream: the payment keeps its status and the caller gets the error.
     * The operation ends failed, or unknown (the janitor asks soon); asking about an earlier one changes nothing.
     */
    public void operationFailed(Exchange exchange) {
        KessaiException k = UpstreamFailures.toKessai(caught(exchange), exchange.getProperty(Flow.PROVIDER, String.class));
        PaymentRecord payment = exchange.getProperty(Flow.PAYMENT, PaymentRecord.class);
        if (exchange.getProperty(Flow.RECONCILE, false, Boolean.class)) {
            throw stillOpen(payment, k);
        }
        PaymentStore.Operation op = exchange.getProperty(Flow.OPERATION, PaymentStore.Operation.class);
        if (op != null) {
            store.settleOperation(k.outcomeUnknown()
                    ? new PaymentStore.Settlement(op.operationId(), "unknown", k.getMessage(),
                    store.now().plus(janitor.delay(payment.provider(), 0)))
                    : new PaymentStore.Settlement(op.operationId(), "failed", k.getMessage(), null));
        }
        throw k.forPayment(payment.paymentId());
    }

    /** The answer of capture, cancel and refund: the current PaymentResult, or 504 while an earlier outcome is open. */
    public PaymentResult current(Exchange exchange) {
        PaymentRecord payment = exchange.getMessage().getBody(PaymentRecord.class);
        if (payment == null) {
            payment = store.find(exchange.getProperty(Flow.PAYMENT, PaymentRecord.class).paymentId()).orElseThrow();
        }
        PaymentStatus target = exchange.getProperty(TARGET, PaymentStatus.class);
        if (exchange.getProperty(Flow.RECONCILE, false, Boolean.class) && payment.status() != target
                && !store.openOperations(payment.paymentId()).isEmpty()) {
            throw stillOpen(payment, null);
        }
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        return result(payment);
    }

    private KessaiException stillOpen(PaymentRecord payment, KessaiException why) {
        return new KessaiException(ErrorCode.PROVIDER_TIMEOUT, "the outcome of an earlier operation on this payment is"
                + " not known yet" + (why == null ? "" : " (" + why.getMessage() + ")")
                + "; it is reconciled with the provider before anything else is sent", List.of(),
                why == null ? null : why.providerCode(), payment.paymentId());
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
                f.format(p.updatedAt().atZoneSameInstant(zone).toOffsetDateTime()),
                store.routing(p.paymentId()).map(r -> new PaymentResult.RoutingView(r.reason(), r.attempts().stream()
                        .map(a -> new PaymentResult.RoutingView.Attempt(a.provider() == null ? p.provider() : a.provider(),
                                a.state(), a.note())).toList())).orElse(null));
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

    /** The request body as bytes (the HTTP door has checked its media type: io.kessai.api.JsonBody). */
    private byte[] bodyBytes(Exchange exchange) {
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
