package io.kessai.store;

import io.kessai.model.NextAction;
import io.kessai.model.PaymentError;
import io.kessai.model.PaymentStatus;
import io.kessai.model.PaymentView;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.util.Map;

/** One row of {@code payments}: the stored state of a payment. */
public record PaymentRecord(
        String paymentId,
        String orderId,
        String provider,
        PaymentStatus status,
        BigDecimal amount,
        String currency,
        BigDecimal capturedAmount,
        BigDecimal refundedAmount,
        String captureMode,
        String captureAt,
        OffsetDateTime captureExpiresAt,
        NextAction nextAction,
        Map<String, String> providerRef,
        String providerStatus,
        PaymentError error,
        String csrfToken,
        String requestHash,
        String orderJson,
        OffsetDateTime createdAt,
        OffsetDateTime updatedAt) implements PaymentView {

    @Override
    public String ref(String name) {
        return providerRef == null ? null : providerRef.get(name);
    }

    public PaymentRecord with(PaymentStatus newStatus, BigDecimal captured, BigDecimal refunded,
                              OffsetDateTime expiresAt, NextAction action, Map<String, String> ref,
                              String providerWord, PaymentError err, String order, OffsetDateTime now) {
        return new PaymentRecord(paymentId, orderId, provider, newStatus, amount, currency, captured, refunded,
                captureMode, captureAt, expiresAt, action, ref, providerWord, err, csrfToken, requestHash, order,
                createdAt, now);
    }
}
