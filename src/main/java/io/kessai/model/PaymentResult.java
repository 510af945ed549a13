package io.kessai.model;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.Map;

/** The canonical view of a payment (contract section 4). */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record PaymentResult(
        String paymentId,
        String orderId,
        String provider,
        String status,
        String amount,
        String currency,
        String capturedAmount,
        String refundedAmount,
        CaptureView capture,
        NextAction nextAction,
        Map<String, String> providerRef,
        PaymentError error,
        String createdAt,
        String updatedAt,
        RoutingView routing) {

    public PaymentResult(String paymentId, String orderId, String provider, String status, String amount, String currency,
                         String capturedAmount, String refundedAmount, CaptureView capture, NextAction nextAction,
                         Map<String, String> providerRef, PaymentError error, String createdAt, String updatedAt) {
        this(paymentId, orderId, provider, status, amount, currency, capturedAmount, refundedAmount, capture, nextAction,
                providerRef, error, createdAt, updatedAt, null);
    }

    /**
     * Why the payment is at its provider, and each provider its charge was sent to: {@code reason} names the routing
     * rule (or the order's own {@code provider}), the weight, the providers skipped and any failover; each attempt
     * says its provider, how its charge ended ({@code started}, {@code done}, {@code failed}, {@code unknown}) and why.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RoutingView(String reason, java.util.List<Attempt> attempts) {
        @JsonInclude(JsonInclude.Include.NON_NULL)
        public record Attempt(String provider, String outcome, String note) {
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CaptureView(String mode, String at, String expiresAt) {
    }
}
