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
        String updatedAt) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CaptureView(String mode, String at, String expiresAt) {
    }
}
