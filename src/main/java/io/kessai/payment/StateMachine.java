package io.kessai.payment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.events.EventFactory;
import io.kessai.events.Notice;
import io.kessai.model.PaymentError;
import io.kessai.model.PaymentStatus;
import io.kessai.model.ProviderOutcome;
import io.kessai.store.PaymentRecord;
import io.kessai.store.PaymentStore;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;

/**
 * The one place that changes a payment's status, whichever door the news came through (API answer,
 * callback, webhook, poll, schedule). A status never moves backwards: a late or repeated notice of an
 * earlier state is recorded as not applied and changes nothing.
 */
public final class StateMachine {
    private final PaymentStore store;
    private final ObjectMapper json;
    private final EventFactory events;
    private final JanitorSchedule janitor;

    public StateMachine(PaymentStore store, ObjectMapper json, EventFactory events, JanitorSchedule janitor) {
        this.store = store;
        this.json = json;
        this.events = events;
        this.janitor = janitor;
    }

    public PaymentRecord apply(String paymentId, ProviderOutcome outcome, String source) {
        return apply(paymentId, outcome, Notice.of(source));
    }

    /**
     * The one way a status changes: if the move is allowed, the new row, its transition, its canonical event
     * (outbox) and its next janitor check are written in one transaction; if not, the notice is recorded as
     * not applied and nothing else changes.
     */
    public PaymentRecord apply(String paymentId, ProviderOutcome outcome, Notice notice) {
        return apply(paymentId, outcome, notice, null);
    }

    /**
     * As {@link #apply(String, ProviderOutcome, Notice)}, settling the upstream operation that produced the
     * outcome in the same transaction: the operation's end, the status change and its event commit together.
     */
    public PaymentRecord apply(String paymentId, ProviderOutcome outcome, Notice notice, PaymentStore.Settlement settle) {
        PaymentStatus[] before = new PaymentStatus[1];
        PaymentRecord after = store.update(paymentId, current -> {
            before[0] = current.status();
            return decide(current, outcome, notice).settling(settle);
        });
        PaymentLog.stateChanged(before[0], after, notice.source());
        return after;
    }

    private PaymentStore.Changed<PaymentRecord> decide(PaymentRecord current, ProviderOutcome outcome, Notice notice) {
        String source = notice.source();
        PaymentStatus target = outcome.status();
        if (target == null) {
            return new PaymentStore.Changed<>(null, null, current);
        }
        Map<String, String> ref = new HashMap<>(current.providerRef() == null ? Map.of() : current.providerRef());
        ref.putAll(outcome.providerRef());
        if (target == current.status()) {
            // Same status again: keep what is new about it (reference, redirect, expiry, timeout error, and the
            // amounts of a provider that captures and refunds in parts: a partial refund stays captured).
            BigDecimal sameCaptured = orElse(outcome.capturedAmount(), current.capturedAmount());
            BigDecimal sameRefunded = orElse(outcome.refundedAmount(), current.refundedAmount());
            boolean amountsChanged = sameCaptured.compareTo(current.capturedAmount()) != 0
                    || sameRefunded.compareTo(current.refundedAmount()) != 0;
            PaymentRecord same = current.with(current.status(), sameCaptured, sameRefunded,
                    orElse(outcome.captureExpiresAt(), current.captureExpiresAt()),
                    orElse(outcome.nextAction(), current.nextAction()), ref,
                    orElse(outcome.providerStatus(), current.providerStatus()),
                    outcome.error() != null ? outcome.error() : current.error(), current.orderJson(), store.now());
            if (amountsChanged) {
                // News for the merchant (payment.<status> again, with the new amounts), not a status change.
                return new PaymentStore.Changed<>(same, null, same, events.paymentChanged(same, notice, store.now()), null);
            }
            return new PaymentStore.Changed<>(same, null, same);
        }
        if (!current.status().canMoveTo(target)) {
            return new PaymentStore.Changed<>(null,
                    new PaymentStore.Transition(target, false, source, outcome.providerStatus()), current);
        }
        BigDecimal captured = orElse(outcome.capturedAmount(), current.capturedAmount());
        BigDecimal refunded = outcome.refundedAmount() != null ? outcome.refundedAmount()
                : target == PaymentStatus.REFUNDED ? captured : current.refundedAmount();
        PaymentError error = target == PaymentStatus.FAILED || target == PaymentStatus.PENDING ? outcome.error() : null;
        PaymentRecord next = current.with(target, captured, refunded,
                orElse(outcome.captureExpiresAt(), current.captureExpiresAt()),
                target == PaymentStatus.REQUIRES_ACTION ? orElse(outcome.nextAction(), current.nextAction()) : null,
                ref, outcome.providerStatus(), error,
                withoutCardToken(current.orderJson()),
                store.now());
        return new PaymentStore.Changed<>(next,
                new PaymentStore.Transition(target, true, source, outcome.providerStatus()), next,
                events.paymentChanged(next, notice, store.now()), schedule(next, outcome));
    }

    /** The first event and janitor schedule of a payment that was just created. */
    public io.kessai.events.OutboxEvent created(PaymentRecord p) {
        return events.paymentChanged(p, Notice.of("api"), store.now());
    }

    public PaymentStore.Schedule schedule(PaymentRecord p, ProviderOutcome outcome) {
        return switch (p.status()) {
            case PENDING, REQUIRES_ACTION -> new PaymentStore.Schedule(
                    store.now().plus(janitor.delay(p.provider(), 0)),
                    outcome == null ? null : outcome.actionDeadline(), null);
            // An authorization is looked at again when it expires; a scheduled one is captured when due.
            case AUTHORIZED -> new PaymentStore.Schedule(p.captureExpiresAt(), null,
                    "scheduled".equals(p.captureMode()) && p.captureAt() != null
                            ? java.time.OffsetDateTime.parse(p.captureAt()) : null);
            default -> new PaymentStore.Schedule(null, null, null);
        };
    }

    /**
     * The stored order never carries a card token: a charge is sent once, from the request in memory, and
     * an operation whose answer was lost is only ever asked about, never sent again from the store.
     */
    public String withoutCardToken(String orderJson) {
        try {
            ObjectNode node = (ObjectNode) json.readTree(orderJson);
            if (node.path("method").has("token")) {
                ((ObjectNode) node.get("method")).put("token", "[removed]");
                return json.writeValueAsString(node);
            }
            return orderJson;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T> T orElse(T value, T fallback) {
        return value != null ? value : fallback;
    }
}
