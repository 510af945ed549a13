package io.kessai.model;

import java.util.List;

/**
 * A failure with a canonical error code. The message is written for the API caller and must never
 * carry a secret or card data.
 */
public class KessaiException extends RuntimeException {
    private final ErrorCode code;
    private final List<FieldError> errors;
    private final String providerCode;
    private final String paymentId;

    public KessaiException(ErrorCode code, String detail) {
        this(code, detail, List.of(), null, null);
    }

    public KessaiException(ErrorCode code, String detail, List<FieldError> errors, String providerCode, String paymentId) {
        super(detail);
        this.code = code;
        this.errors = List.copyOf(errors);
        this.providerCode = providerCode;
        this.paymentId = paymentId;
    }

    public static KessaiException invalid(List<FieldError> errors) {
        String detail = errors.size() == 1
                ? errors.get(0).field() + ": " + errors.get(0).message()
                : errors.size() + " fields break the rules; see errors";
        return new KessaiException(ErrorCode.INVALID_REQUEST, detail, errors, null, null);
    }

    public static KessaiException invalid(String field, String code, String message) {
        return invalid(List.of(new FieldError(field, code, message)));
    }

    public static KessaiException unsupported(String field, String message) {
        return new KessaiException(ErrorCode.UNSUPPORTED, message,
                field == null ? List.of() : List.of(new FieldError(field, "unsupported", message)), null, null);
    }

    public KessaiException forPayment(String id) {
        return new KessaiException(code, getMessage(), errors, providerCode, id);
    }

    public ErrorCode code() {
        return code;
    }

    public List<FieldError> errors() {
        return errors;
    }

    public String providerCode() {
        return providerCode;
    }

    public String paymentId() {
        return paymentId;
    }

    /**
     * Whether what happened at the provider is unknown (no answer, or an answer that cannot be believed):
     * the payment then stays pending and is reconciled, never failed.
     */
    public boolean outcomeUnknown() {
        return code == ErrorCode.PROVIDER_TIMEOUT;
    }
}
