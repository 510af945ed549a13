package io.kessai.provider.gmo;

import io.kessai.model.PaymentStatus;

/**
 * GMO {@code orderReference.status} to the canonical status (providers.md, gmo-pg). {@code CANCEL} means
 * refunded when the payment had been captured: GMO voids and refunds with the same call.
 */
public final class GmoStatusMap {
    private GmoStatusMap() {
    }

    public static PaymentStatus toCanonical(String gmoStatus, PaymentStatus current, boolean lastOperationFailed) {
        if (gmoStatus == null) {
            return null;
        }
        return switch (gmoStatus) {
            case "AUTHENTICATED" -> lastOperationFailed ? PaymentStatus.FAILED : PaymentStatus.REQUIRES_ACTION;
            case "UNPROCESSED" -> lastOperationFailed ? PaymentStatus.FAILED : PaymentStatus.PENDING;
            case "AUTH", "CHECK" -> PaymentStatus.AUTHORIZED;
            case "CAPTURE", "SALES" -> PaymentStatus.CAPTURED;
            case "CANCEL" -> current == PaymentStatus.CAPTURED || current == PaymentStatus.REFUNDED
                    ? PaymentStatus.REFUNDED : PaymentStatus.CANCELED;
            // cash (issue 3) and wallet payments
            case "REQSUCCESS", "TRADING" -> PaymentStatus.REQUIRES_ACTION;
            case "PAYSUCCESS" -> PaymentStatus.CAPTURED;
            case "EXPIRED" -> PaymentStatus.EXPIRED;
            case "STOP" -> PaymentStatus.CANCELED;
            case "PAYFAIL" -> PaymentStatus.FAILED;
            case "RETURN" -> PaymentStatus.REFUNDED;
            default -> null;
        };
    }
}
