package io.kessai.sandbox.gmo;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An RFC 9457 problem answer of the GMO-PG OpenAPI type ({@code application/problem+json}), thrown by the sandbox
 * logic and turned into the HTTP answer by {@link GmoSandbox}. Titles and statuses follow the reference text's
 * "エラーの情報" table.
 */
final class GmoProblem extends RuntimeException {

    private static final long serialVersionUID = 1L;

    static final String TDS_FAILED_TYPE = "https://mp-faq.gmo-pg.com/s/article/F00941";

    final int status;
    final String title;
    final String detail;
    final String type;

    GmoProblem(int status, String title, String detail, String type) {
        super(title + ": " + detail, null, false, false);
        this.status = status;
        this.title = title;
        this.detail = detail;
        this.type = type;
    }

    GmoProblem(int status, String title, String detail) {
        this(status, title, detail, null);
    }

    ObjectNode toJson(String instance) {
        ObjectNode node = GmoOpenApi.MAPPER.createObjectNode();
        if (type != null) {
            node.put("type", type);
        }
        node.put("title", title);
        node.put("detail", detail);
        node.put("instance", instance);
        return node;
    }

    // ---- 400 ----
    static GmoProblem invalidParameter(String field) {
        return new GmoProblem(400, "invalid_parameter", "The parameter value is invalid.(" + field + ")");
    }

    static GmoProblem missingParameter(String field) {
        return new GmoProblem(400, "missing_parameter", "The required parameter is not set.(" + field + ")");
    }

    static GmoProblem invalidHeader(String header) {
        return new GmoProblem(400, "invalid_header", "The header value is invalid.(" + header + ")");
    }

    static GmoProblem invalidRequest(String detail) {
        return new GmoProblem(400, "invalid_request", detail);
    }

    static GmoProblem invalidStatus(String detail) {
        return new GmoProblem(400, "invalid_status", detail);
    }

    static GmoProblem invalidContract(String detail) {
        return new GmoProblem(400, "invalid_contract", detail);
    }

    static GmoProblem transactionExpired() {
        return new GmoProblem(400, "transaction_expired", "The capture period of the authorization has expired.");
    }

    // ---- 401 .. 415 ----
    static GmoProblem unauthorized() {
        return new GmoProblem(401, "unauthorized_request", "The authentication information is invalid.");
    }

    static GmoProblem notFound() {
        return new GmoProblem(404, "resource_not_found", "The requested resource was not found.");
    }

    static GmoProblem methodNotAllowed() {
        return new GmoProblem(405, "method_not_allowed", "The HTTP method is not allowed.");
    }

    static GmoProblem conflict() {
        return new GmoProblem(409, "conflict", "Duplicate request.");
    }

    static GmoProblem unsupportedMediaType(String expected) {
        return new GmoProblem(415, "unsupported_media_type", "Only " + expected + " is supported.");
    }

    static GmoProblem tooManyRequests() {
        return new GmoProblem(429, "too_many_requests", "The number of concurrent connections has exceeded the limit.");
    }

    // ---- 402 ----
    static GmoProblem cardDeclined() {
        return new GmoProblem(402, "card_declined", "This card cannot be used for transactions.(G12)");
    }

    static GmoProblem insufficientBalance() {
        return new GmoProblem(402, "insufficient_balance", "The card balance is insufficient.(G02)");
    }

    static GmoProblem amountLimitExceeded() {
        return new GmoProblem(402, "amount_limit_exceeded", "The card limit amount has been exceeded.(G03)");
    }

    static GmoProblem tdsFailed() {
        return new GmoProblem(402, "processing_failure", "3D secure authentication failed.", TDS_FAILED_TYPE);
    }

    /** The payment provider refused to issue a payment number for a cash payment (sandbox: payer name {@code decline}). */
    static GmoProblem cashProcessingFailure() {
        return new GmoProblem(402, "processing_failure",
                "The payment provider returned an error: the payment number could not be issued.");
    }

    // ---- 5xx ----
    static GmoProblem internalError() {
        return new GmoProblem(500, "internal_server_error", "An unexpected error has occurred.");
    }

    static GmoProblem badGateway() {
        return new GmoProblem(502, "bad_gateway",
                "Payment Processing failed at the external payment center. Please try again later.");
    }
}
