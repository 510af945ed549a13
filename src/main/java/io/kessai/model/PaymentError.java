package io.kessai.model;

import com.fasterxml.jackson.annotation.JsonInclude;

/** The canonical error carried by a PaymentResult (contract section 5). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PaymentError(String code, String message, String providerCode, boolean retryable) {

    public static PaymentError of(ErrorCode code, String message, String providerCode) {
        return new PaymentError(code.wire(), message, providerCode, isRetryable(code));
    }

    public ErrorCode errorCode() {
        return ErrorCode.fromWire(code);
    }

    static boolean isRetryable(ErrorCode code) {
        return switch (code) {
            case PROVIDER_ERROR, PROVIDER_UNAVAILABLE, PROVIDER_TIMEOUT, INTERNAL_ERROR -> true;
            default -> false;
        };
    }
}
