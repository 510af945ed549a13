package io.kessai.store;

/**
 * One call to a provider as the audit trail keeps it. Holds no secret, token or card data by construction:
 * there is no field that could carry one.
 */
public record UpstreamAttempt(String paymentId, String provider, String operation, String idempotencyKey,
                              Integer httpStatus, String providerCode, String outcome, long latencyMillis) {
}
