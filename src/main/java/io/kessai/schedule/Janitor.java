package io.kessai.schedule;

import io.kessai.events.Notice;
import io.kessai.model.PaymentError;
import io.kessai.model.PaymentStatus;
import io.kessai.model.ProviderOutcome;
import io.kessai.payment.Flow;
import io.kessai.payment.JanitorSchedule;
import io.kessai.payment.Reconciliation;
import io.kessai.provider.NotAtProvider;
import io.kessai.payment.StateMachine;
import io.kessai.store.PaymentRecord;
import io.kessai.store.PaymentStore;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;

/**
 * Re-asks providers about payments whose outcome is open ({@code pending}, {@code requires_action}) on a
 * per-provider backoff until the answer is final or the payment is too old (then {@code expired}), and
 * expires authorizations that reached their capture deadline uncaptured. The work of one pass is the
 * payments that are due, found through an index, in bounded batches.
 */
public final class Janitor {
    private static final Logger LOG = LoggerFactory.getLogger(Janitor.class);

    private final PaymentStore store;
    private final StateMachine stateMachine;
    private final JanitorSchedule schedule;
    private final Reconciliation reconciliation;
    private final int batchSize;
    private final Duration inFlightGrace;

    /**
     * @param inFlightGrace how long an upstream call may still be running (the provider's response timeout,
     *                      retries and the wait for a permit): the janitor leaves such a payment to it
     */
    public Janitor(PaymentStore store, StateMachine stateMachine, JanitorSchedule schedule, Reconciliation reconciliation,
                   int batchSize, Duration inFlightGrace) {
        this.store = store;
        this.stateMachine = stateMachine;
        this.schedule = schedule;
        this.reconciliation = reconciliation;
        this.batchSize = batchSize;
        this.inFlightGrace = inFlightGrace;
    }

    public List<PaymentStore.DueCheck> due() {
        return store.dueChecks(store.now(), batchSize);
    }

    /** Decides what one due payment needs: an inquiry, or (an authorization past its deadline) expiry. */
    public void prepare(Exchange exchange) {
        PaymentStore.DueCheck due = exchange.getMessage().getBody(PaymentStore.DueCheck.class);
        PaymentRecord payment = store.find(due.paymentId()).orElseThrow();
        exchange.setProperty(Flow.PAYMENT, payment);
        exchange.setProperty(Flow.PROVIDER, payment.provider());
        exchange.setProperty(Flow.SOURCE, "poll");
        exchange.setProperty(Flow.NOTICE, Notice.of("poll"));
        exchange.setProperty("kessaiDueCheck", due);
        // An authorization at its deadline is asked about too, and so is every payment with an operation whose
        // outcome is not known (a capture, cancel or refund whose answer was lost).
        boolean ask = payment.status().isOpen() || payment.status() == PaymentStatus.AUTHORIZED
                || !store.openOperations(payment.paymentId()).isEmpty();
        if (ask && store.operationInFlight(payment.paymentId(), store.now().minus(inFlightGrace))) {
            // A call is still on its way (this node or another): its own answer comes first.
            store.rescheduleCheck(payment.paymentId(), due.checks(), store.now().plus(schedule.delay(payment.provider(), due.checks())));
            ask = false;
        } else if (!ask) {
            store.rescheduleCheck(payment.paymentId(), due.checks(), null);
        }
        exchange.setProperty(Flow.CALL_UPSTREAM, ask);
    }

    /**
     * The provider answered: the state machine applies it, the operations it answers are settled, and a
     * payment still open (or with an operation still open) is checked again later.
     */
    public void inquired(Exchange exchange) {
        ProviderOutcome outcome = exchange.getMessage().getBody(ProviderOutcome.class);
        PaymentRecord payment = exchange.getProperty(Flow.PAYMENT, PaymentRecord.class);
        PaymentRecord after = stateMachine.apply(payment.paymentId(), outcome, Notice.of("poll"));
        Reconciliation.Result settled = reconciliation.settle(after, null, Notice.of("poll"));
        stillOpen(exchange, settled.payment(), settled.operationsOpen());
    }

    /** Still authorized at its capture deadline: the authorization has lapsed at the provider. */
    private void expireIfPastDeadline(Exchange exchange, PaymentRecord payment) {
        OffsetDateTime now = store.now();
        if (payment.captureExpiresAt() != null && !now.isBefore(payment.captureExpiresAt())) {
            stateMachine.apply(payment.paymentId(), ProviderOutcome.of(PaymentStatus.EXPIRED, null), "poll");
            LOG.info("payment {} expired: its authorization was not captured before {}", payment.paymentId(),
                    payment.captureExpiresAt());
        } else {
            PaymentStore.DueCheck due = exchange.getProperty("kessaiDueCheck", PaymentStore.DueCheck.class);
            store.rescheduleCheck(payment.paymentId(), due.checks(), payment.captureExpiresAt());
        }
    }

    /**
     * The inquiry failed (provider down, or it has no record of the payment): a charge it never got is
     * settled failed once the in-flight grace has passed; anything else is tried again later.
     */
    public void inquiryFailed(Exchange exchange) {
        Exception e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        PaymentRecord payment = exchange.getProperty(Flow.PAYMENT, PaymentRecord.class);
        LOG.info("janitor could not confirm payment {}: {}", payment.paymentId(), e == null ? "" : e.getMessage());
        String notAtProvider = e instanceof NotAtProvider n ? n.providerCode() : null;
        if (notAtProvider == null) {
            // no answer settles anything, but an operation unknown past the maximum age is an operator's now
            reconciliation.unresolvedPastMaxAge(store.find(payment.paymentId()).orElseThrow());
        }
        Reconciliation.Result settled = notAtProvider == null
                ? new Reconciliation.Result(store.find(payment.paymentId()).orElseThrow(),
                        !store.openOperations(payment.paymentId()).isEmpty())
                : reconciliation.settle(store.find(payment.paymentId()).orElseThrow(), notAtProvider, Notice.of("poll"));
        stillOpen(exchange, settled.payment(), settled.operationsOpen());
    }

    private void stillOpen(Exchange exchange, PaymentRecord payment, boolean operationsOpen) {
        PaymentStore.DueCheck due = exchange.getProperty("kessaiDueCheck", PaymentStore.DueCheck.class);
        if (operationsOpen && !payment.status().isOpen()) {
            // The payment's status is settled but an operation on it is not: ask again on the backoff.
            int checks = due.checks() + 1;
            store.rescheduleCheck(payment.paymentId(), checks, store.now().plus(schedule.delay(payment.provider(), checks)));
            return;
        }
        if (payment.status() == PaymentStatus.AUTHORIZED) {
            expireIfPastDeadline(exchange, payment);
            return;
        }
        if (!payment.status().isOpen()) {
            return;
        }
        OffsetDateTime now = store.now();
        OffsetDateTime giveUpAt = due.actionDeadline() != null
                ? due.actionDeadline().plus(schedule.delay(payment.provider(), 0))
                : payment.createdAt().plus(schedule.maxAge(payment.provider()));
        if (!now.isBefore(giveUpAt) && operationsOpen && payment.status() == PaymentStatus.PENDING) {
            // Money may have moved: a pending payment whose charge is not known is never expired. It stays
            // pending (its operation marked unresolved for an operator) and is asked about on the last step.
            int checks = due.checks() + 1;
            store.rescheduleCheck(payment.paymentId(), checks, now.plus(schedule.delay(payment.provider(), Integer.MAX_VALUE)));
            return;
        }
        if (!now.isBefore(giveUpAt)) {
            stateMachine.apply(payment.paymentId(), ProviderOutcome.of(PaymentStatus.EXPIRED, null)
                    .withError(PaymentError.of(io.kessai.model.ErrorCode.PAYMENT_FAILED,
                            "no final answer from the provider before " + giveUpAt, null)), "poll");
            return;
        }
        int checks = due.checks() + 1;
        Duration wait = schedule.delay(payment.provider(), checks);
        OffsetDateTime next = now.plus(wait);
        store.rescheduleCheck(payment.paymentId(), checks, next.isAfter(giveUpAt) ? giveUpAt : next);
    }
}
