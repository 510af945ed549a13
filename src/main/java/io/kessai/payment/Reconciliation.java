package io.kessai.payment;

import io.kessai.events.Notice;
import io.kessai.model.ErrorCode;
import io.kessai.model.PaymentError;
import io.kessai.model.PaymentStatus;
import io.kessai.model.ProviderOutcome;
import io.kessai.store.PaymentRecord;
import io.kessai.store.PaymentStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Settles the upstream operations whose outcome was not known, once the provider's inquiry has told the
 * truth (the API's retry of an open payment and the janitor both end here). For each open operation,
 * oldest first:
 * <ul>
 *   <li>its effect shows in the payment (a charge that is no longer pending, a capture that is captured,
 *       ...): {@code done};</li>
 *   <li>the payment is final without it, or the in-flight grace has passed (nothing sent can still be
 *       processed) and the inquiry shows it did not happen: {@code failed}. A charge is failed only on the
 *       provider's word that it has no such payment ({@code notAtProvider}): the payment then becomes
 *       {@code failed} with {@code provider_error}, retryable;</li>
 *   <li>otherwise it stays open; past the maximum age it is marked {@code unresolved} with a note, the
 *       operator's record (and a WARN log line), and the janitor keeps asking.</li>
 * </ul>
 */
public final class Reconciliation {
    private static final Logger LOG = LoggerFactory.getLogger(Reconciliation.class);

    private final PaymentStore store;
    private final StateMachine stateMachine;
    private final JanitorSchedule schedule;
    private final Duration inFlightGrace;

    public Reconciliation(PaymentStore store, StateMachine stateMachine, JanitorSchedule schedule, Duration inFlightGrace) {
        this.store = store;
        this.stateMachine = stateMachine;
        this.schedule = schedule;
        this.inFlightGrace = inFlightGrace;
    }

    /**
     * @param payment        the payment after the inquiry's answer was applied
     * @param notAtProvider  the providerCode of the provider's "no such payment", or null when it knows the payment
     * @return the payment after settling, and whether operations are still open
     */
    public Result settle(PaymentRecord payment, String notAtProvider, Notice notice) {
        OffsetDateTime now = store.now();
        PaymentRecord current = payment;
        List<PaymentStore.OpenOperation> stillOpen = new ArrayList<>();
        for (PaymentStore.OpenOperation open : store.openOperations(payment.paymentId())) {
            String kind = open.operation().kind();
            boolean pastGrace = open.updatedAt().isBefore(now.minus(inFlightGrace));
            if ("refund".equals(kind) ? refunded(open, current) : reached(kind, current)) {
                store.settleOperation(new PaymentStore.Settlement(open.operation().operationId(), "done"));
            } else if (current.status().isFinal()) {
                store.settleOperation(new PaymentStore.Settlement(open.operation().operationId(), "failed",
                        "the payment became " + current.status().wire() + " without it", null));
            } else if ("charge".equals(kind) && notAtProvider != null && pastGrace) {
                current = stateMachine.apply(current.paymentId(), ProviderOutcome.of(PaymentStatus.FAILED, null)
                                .withError(PaymentError.of(ErrorCode.PROVIDER_ERROR, current.provider()
                                        + " has no record of this payment: the charge never reached it", notAtProvider)),
                        notice, new PaymentStore.Settlement(open.operation().operationId(), "failed",
                                "the provider has no record of it", null));
            } else if (!"charge".equals(kind) && pastGrace && notAtProvider == null) {
                store.settleOperation(new PaymentStore.Settlement(open.operation().operationId(), "failed",
                        "the provider's inquiry shows it did not happen", null));
            } else if (pastMaxAge(open, current, now)) {
                markUnresolved(open, current);
                stillOpen.add(open);
            } else {
                stillOpen.add(open);
            }
        }
        return new Result(current, !stillOpen.isEmpty());
    }

    /**
     * The provider's inquiry gave no answer (it is down, or it has no inquiry at all): nothing is settled, but an
     * operation still not known past the janitor's maximum age is marked {@code unresolved} for an operator, as when
     * the inquiry answers without settling it.
     */
    public void unresolvedPastMaxAge(PaymentRecord payment) {
        OffsetDateTime now = store.now();
        for (PaymentStore.OpenOperation open : store.openOperations(payment.paymentId())) {
            if (pastMaxAge(open, payment, now)) {
                markUnresolved(open, payment);
            }
        }
    }

    private boolean pastMaxAge(PaymentStore.OpenOperation open, PaymentRecord payment, OffsetDateTime now) {
        return !"unresolved".equals(open.state()) && open.createdAt().isBefore(now.minus(schedule.maxAge(payment.provider())));
    }

    private void markUnresolved(PaymentStore.OpenOperation open, PaymentRecord payment) {
        String kind = open.operation().kind();
        store.settleOperation(new PaymentStore.Settlement(open.operation().operationId(), "unresolved",
                "no final answer from the provider within " + schedule.maxAge(payment.provider())
                        + "; an operator must check this " + kind + " with the provider", null));
        LOG.warn("payment {}: the outcome of its {} (upstream key {}) is still not known after {}; marked"
                        + " unresolved for an operator", payment.paymentId(), kind, open.operation().upstreamKey(),
                schedule.maxAge(payment.provider()));
    }

    /**
     * Whether a refund shows: the payment is refunded, or (a partial refund) its refunded amount covers this
     * refund on top of every refund already settled done.
     */
    private boolean refunded(PaymentStore.OpenOperation open, PaymentRecord p) {
        if (p.status() == PaymentStatus.REFUNDED) {
            return true;
        }
        if (open.amount() == null) {
            return false;
        }
        return p.refundedAmount().compareTo(store.settledRefunds(p.paymentId()).add(open.amount())) >= 0;
    }

    /** Whether the payment shows the effect of an operation of this kind. */
    static boolean reached(String kind, PaymentRecord p) {
        PaymentStatus s = p.status();
        return switch (kind) {
            case "charge" -> s != PaymentStatus.PENDING;
            case "finalize" -> s != PaymentStatus.PENDING && s != PaymentStatus.REQUIRES_ACTION;
            case "capture" -> s == PaymentStatus.CAPTURED || s == PaymentStatus.REFUNDED;
            case "cancel" -> s == PaymentStatus.CANCELED || s == PaymentStatus.REFUNDED;
            case "refund" -> s == PaymentStatus.REFUNDED;
            default -> false;
        };
    }

    public record Result(PaymentRecord payment, boolean operationsOpen) {
    }
}
