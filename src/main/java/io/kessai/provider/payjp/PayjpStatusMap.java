package io.kessai.provider.payjp;

import com.fasterxml.jackson.databind.JsonNode;
import io.kessai.model.PaymentStatus;

/**
 * A PAY.JP charge object to the canonical status. PAY.JP has no status word: the charge's flags decide.
 * <ul>
 *   <li>{@code paid:false} — the card was declined: failed;</li>
 *   <li>{@code paid}, not {@code captured}, {@code refunded} — the authorization was released: canceled;</li>
 *   <li>{@code paid}, not {@code captured}, {@code expired_at} passed — expired;</li>
 *   <li>{@code paid}, not {@code captured} — authorized;</li>
 *   <li>{@code captured}, {@code refunded} — refunded (in full);</li>
 *   <li>{@code captured} — captured (a partial refund stays captured).</li>
 * </ul>
 * A charge without the flags is not a charge Kessai can read: null.
 */
public final class PayjpStatusMap {
    private PayjpStatusMap() {
    }

    public static PaymentStatus toCanonical(JsonNode charge, long nowEpochSeconds) {
        JsonNode paid = charge.get("paid");
        JsonNode captured = charge.get("captured");
        JsonNode refunded = charge.get("refunded");
        if (paid == null || !paid.isBoolean() || captured == null || !captured.isBoolean()
                || refunded == null || !refunded.isBoolean()) {
            return null;
        }
        if (!paid.asBoolean()) {
            return PaymentStatus.FAILED;
        }
        if (!captured.asBoolean()) {
            if (refunded.asBoolean()) {
                return PaymentStatus.CANCELED;
            }
            JsonNode expiredAt = charge.get("expired_at");
            if (expiredAt != null && expiredAt.isNumber() && expiredAt.asLong() < nowEpochSeconds) {
                return PaymentStatus.EXPIRED;
            }
            return PaymentStatus.AUTHORIZED;
        }
        return refunded.asBoolean() ? PaymentStatus.REFUNDED : PaymentStatus.CAPTURED;
    }

    /** The provider status word Kessai keeps for the audit trail. */
    static String word(JsonNode charge, PaymentStatus status) {
        return switch (status) {
            case FAILED -> "failed:" + charge.path("failure_code").asText("unknown");
            case CANCELED -> "released";
            case EXPIRED -> "expired";
            case AUTHORIZED -> "authorized";
            case REFUNDED -> "refunded";
            case CAPTURED -> charge.path("amount_refunded").asLong() > 0 ? "captured_partly_refunded" : "captured";
            default -> status.wire();
        };
    }
}
