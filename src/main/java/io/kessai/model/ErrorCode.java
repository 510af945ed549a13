package io.kessai.model;

import java.util.Locale;

/** The canonical error codes of contract section 5 with their HTTP status. */
public enum ErrorCode {
    INVALID_REQUEST(400),
    UNSUPPORTED(422),
    NOT_FOUND(404),
    INVALID_STATE(409),
    IDEMPOTENCY_CONFLICT(409),
    CARD_DECLINED(402),
    INSUFFICIENT_FUNDS(402),
    AMOUNT_LIMIT_EXCEEDED(402),
    PAYMENT_FAILED(402),
    PROVIDER_AUTH_FAILED(502),
    PROVIDER_ERROR(502),
    PROVIDER_UNAVAILABLE(503),
    PROVIDER_TIMEOUT(504),
    INTERNAL_ERROR(500);

    private final int httpStatus;

    ErrorCode(int httpStatus) {
        this.httpStatus = httpStatus;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ErrorCode fromWire(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }

    /** The provider refused the payment itself (402 family): the payment becomes failed. */
    public boolean isDecline() {
        return httpStatus == 402;
    }
}
