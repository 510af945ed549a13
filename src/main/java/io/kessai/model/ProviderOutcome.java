package io.kessai.model;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.Map;

/**
 * What a provider said, normalized. Provider routes produce outcomes; only the state machine turns them
 * into status changes.
 *
 * @param status          the status the provider's answer means, or {@code null} when it changes nothing
 * @param providerStatus  the provider's own status word, kept for the audit trail
 * @param providerRef     the provider's identifiers of the payment (e.g. GMO accessId)
 * @param nextAction      what the customer must do, for {@code requires_action}
 * @param error           why the payment failed, for {@code failed}
 * @param capturedAmount  how much is captured after this outcome, when the provider says
 * @param captureExpiresAt until when an authorization can be captured
 * @param actionDeadline  until when the customer can act (pay offline, finish a redirect)
 * @param refundedAmount  how much of the captured amount is refunded after this outcome, when the provider says
 *                        (a partial refund leaves the payment {@code captured} with this amount)
 */
public record ProviderOutcome(
        PaymentStatus status,
        String providerStatus,
        Map<String, String> providerRef,
        NextAction nextAction,
        PaymentError error,
        BigDecimal capturedAmount,
        OffsetDateTime captureExpiresAt,
        OffsetDateTime actionDeadline,
        BigDecimal refundedAmount) {

    /** An outcome that says nothing about refunds (the refunded amount is Kessai's own). */
    public ProviderOutcome(PaymentStatus status, String providerStatus, Map<String, String> providerRef,
                           NextAction nextAction, PaymentError error, BigDecimal capturedAmount,
                           OffsetDateTime captureExpiresAt, OffsetDateTime actionDeadline) {
        this(status, providerStatus, providerRef, nextAction, error, capturedAmount, captureExpiresAt, actionDeadline, null);
    }

    public static ProviderOutcome of(PaymentStatus status, String providerStatus) {
        return new ProviderOutcome(status, providerStatus, Map.of(), null, null, null, null, null);
    }

    public ProviderOutcome withRefundedAmount(BigDecimal amount) {
        return new ProviderOutcome(status, providerStatus, providerRef, nextAction, error, capturedAmount, captureExpiresAt,
                actionDeadline, amount);
    }

    public ProviderOutcome withActionDeadline(OffsetDateTime at) {
        return new ProviderOutcome(status, providerStatus, providerRef, nextAction, error, capturedAmount, captureExpiresAt, at, refundedAmount);
    }

    public ProviderOutcome withProviderRef(Map<String, String> ref) {
        return new ProviderOutcome(status, providerStatus, ref, nextAction, error, capturedAmount, captureExpiresAt, actionDeadline, refundedAmount);
    }

    public ProviderOutcome withNextAction(NextAction action) {
        return new ProviderOutcome(status, providerStatus, providerRef, action, error, capturedAmount, captureExpiresAt, actionDeadline, refundedAmount);
    }

    public ProviderOutcome withError(PaymentError e) {
        return new ProviderOutcome(status, providerStatus, providerRef, nextAction, e, capturedAmount, captureExpiresAt, actionDeadline, refundedAmount);
    }

    public ProviderOutcome withCapturedAmount(BigDecimal amount) {
        return new ProviderOutcome(status, providerStatus, providerRef, nextAction, error, amount, captureExpiresAt, actionDeadline, refundedAmount);
    }

    public ProviderOutcome withCaptureExpiresAt(OffsetDateTime at) {
        return new ProviderOutcome(status, providerStatus, providerRef, nextAction, error, capturedAmount, at, actionDeadline, refundedAmount);
    }
}
