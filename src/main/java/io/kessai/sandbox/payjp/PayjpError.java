package io.kessai.sandbox.payjp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A refusal answered with PAY.JP's error object {@code {"error":{"code","message","param","status","type"}}}
 * (the ordinary v1 API reference and payjp-platform.txt "Platform Error"). {@code code} and {@code param} are sent as
 * {@code null} when they do not apply; the charge errors also carry {@code charge} (the failed charge's id), as the v1
 * reference's error object does. Messages never quote a key, a token or a body.
 */
final class PayjpError extends RuntimeException {

    // error.type values of the v1 reference; the Platform API documents client_error and server_error only
    static final String CLIENT = "client_error";
    static final String CARD = "card_error";
    static final String SERVER = "server_error";
    static final String AUTH = "auth_error";
    static final String NOT_ALLOWED_METHOD = "not_allowed_method_error";

    final int status;
    final String type;
    final String code;
    final String param;
    final String chargeId;

    PayjpError(int status, String type, String code, String message, String param) {
        this(status, type, code, message, param, null);
    }

    PayjpError(int status, String type, String code, String message, String param, String chargeId) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.chargeId = chargeId;
    }

    static PayjpError client(String code, String message, String param) {
        return new PayjpError(400, CLIENT, code, message, param);
    }

    static PayjpError missing(String param) {
        return client("missing_param", "Missing required param: " + param + ".", param);
    }

    static PayjpError invalidParamKey(String param) {
        return client("invalid_param_key", "Invalid param key to this API: " + param + ".", param);
    }

    static PayjpError invalidQuery(String param) {
        // payjp-platform.txt: {"message": "Invalid query string.", "param": "dummy", "status": 400, "type": "client_error"}
        return client("invalid_querystring", "Invalid query string.", param);
    }

    static PayjpError notFound(String what, String id) {
        // payjp-platform.txt: {"code": "invalid_id", "message": "No such account: dummy", "param": "id", "status": 404}
        return new PayjpError(404, CLIENT, "invalid_id", "No such " + what + ": " + id, "id");
    }

    static PayjpError unknownPath() {
        return new PayjpError(404, CLIENT, "not_found", "Unrecognized request URL.", null);
    }

    static PayjpError methodNotAllowed() {
        return new PayjpError(405, NOT_ALLOWED_METHOD, "not_allowed_method", "Not allowed method.", null);
    }

    static PayjpError overCapacity() {
        // v1 reference (Rate Limit): HTTP 429 with error.code "over_capacity"
        return new PayjpError(429, CLIENT, "over_capacity", "The service is over capacity. Please try again later.",
                null);
    }

    static PayjpError serverError() {
        return new PayjpError(500, SERVER, "pg_wrong", "An error occurred in the payment network.", null);
    }

    ObjectNode toJson() {
        ObjectNode root = PayjpJson.object();
        ObjectNode e = root.putObject("error");
        if (chargeId != null) {
            e.put("charge", chargeId);
        }
        e.put("code", code);
        e.put("message", getMessage());
        e.put("param", param);
        e.put("status", status);
        e.put("type", type);
        return root;
    }

    /**
     * The applications' field errors {@code {"errors":{field:[{code,message}]}}} (payjp-platform.txt, basic and
     * additional applications), HTTP 400.
     */
    static final class FieldErrors extends RuntimeException {
        final Map<String, List<Map.Entry<String, String>>> errors;

        FieldErrors(Map<String, List<Map.Entry<String, String>>> errors) {
            super("field errors", null, false, false);
            this.errors = new LinkedHashMap<>(errors);
        }

        ObjectNode toJson() {
            ObjectNode root = PayjpJson.object();
            ObjectNode fields = root.putObject("errors");
            errors.forEach((field, list) -> {
                var array = fields.putArray(field);
                for (Map.Entry<String, String> e : list) {
                    ObjectNode item = array.addObject();
                    item.put("code", e.getKey());
                    item.put("message", e.getValue());
                }
            });
            return root;
        }
    }
}
