package io.kessai.api;

import io.kessai.model.FieldError;

import java.util.List;

/**
 * A refusal at the HTTP door, answered as an RFC 9457 problem with one of the transport titles of contract
 * section 5 ({@code unsupported_media_type}, {@code payload_too_large}, ...) or {@code invalid_request}.
 */
public class HttpProblem extends RuntimeException {
    public static final String UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type";
    public static final String PAYLOAD_TOO_LARGE = "payload_too_large";
    public static final String METHOD_NOT_ALLOWED = "method_not_allowed";
    public static final String NOT_FOUND = "not_found";
    public static final String INVALID_REQUEST = "invalid_request";
    public static final String UNAUTHORIZED = "unauthorized";
    public static final String INTERNAL_ERROR = "internal_error";
    public static final String STORE_UNAVAILABLE = "store_unavailable";

    private final int status;
    private final String title;
    private final List<FieldError> errors;

    public HttpProblem(int status, String title, String detail, List<FieldError> errors) {
        super(detail);
        this.status = status;
        this.title = title;
        this.errors = List.copyOf(errors);
    }

    /** 415: the body is not what this door takes; {@code field} names the header or the body. */
    public static HttpProblem unsupportedMediaType(String field, String code, String message) {
        return new HttpProblem(415, UNSUPPORTED_MEDIA_TYPE, message, List.of(new FieldError(field, code, message)));
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    /** The last segment of the problem's {@code type} URI. */
    public String type() {
        return title;
    }

    public List<FieldError> errors() {
        return errors;
    }
}
