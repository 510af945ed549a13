package io.kessai.provider.paymentoptions;

import io.kessai.model.ErrorCode;
import io.kessai.model.PaymentStatus;

/**
 * paymentoptions' words to the canonical ones (providers.md): {@code success:true}, {@code transaction_type
 * CAPTURE} and {@code gateway_response.code INFO0000} is captured; anything else is failed. The document lists no
 * error codes: the decline codes are the sandbox's ({@code DECL<nnnn>}, {@code DECL0051} insufficient funds), and
 * an HTTP 402 is a decline whatever its code.
 */
public final class PaymentOptionsStatusMap {
    static final String CAPTURED_CODE = "INFO0000";
    static final String INSUFFICIENT_FUNDS = "DECL0051";

    private PaymentOptionsStatusMap() {
    }

    /** The canonical status of a payment answer (or webhook), never null. */
    public static PaymentStatus toCanonical(boolean success, String transactionType, String code) {
        return success && "CAPTURE".equals(transactionType) && CAPTURED_CODE.equals(code)
                ? PaymentStatus.CAPTURED : PaymentStatus.FAILED;
    }

    /** The error map: why a payment failed, from the gateway code and the HTTP status (0 when not known). */
    public static ErrorCode error(String code, int httpStatus) {
        if (INSUFFICIENT_FUNDS.equals(code)) {
            return ErrorCode.INSUFFICIENT_FUNDS;
        }
        if ((code != null && code.startsWith("DECL")) || httpStatus == 402) {
            return ErrorCode.CARD_DECLINED;
        }
        return ErrorCode.PAYMENT_FAILED;
    }
}
