package io.kessai.provider;

import io.kessai.api.HttpProblem;
import io.kessai.model.FieldError;

import java.util.List;

/**
 * A webhook Kessai will not store: the answer's status tells the provider whether to retry
 * (401 forged, 400 malformed, 404 unknown provider, 413 too large, 415 not the provider's media type,
 * 503 store unavailable: retry).
 */
public class WebhookRejected extends HttpProblem {
    public WebhookRejected(int status, String title, String detail) {
        this(status, title, detail, List.of());
    }

    public WebhookRejected(int status, String title, String detail, List<FieldError> errors) {
        super(status, title, detail, errors);
    }

    @Override
    public String type() {
        return "webhook-" + title();
    }

    public static WebhookRejected forged(String detail) {
        return new WebhookRejected(401, "unauthorized", detail);
    }

    public static WebhookRejected malformed(String detail) {
        return new WebhookRejected(400, "invalid_request", detail);
    }

    /** A refusal of the HTTP door (media type) as the webhook's answer. */
    public static WebhookRejected of(HttpProblem problem) {
        return new WebhookRejected(problem.status(), problem.title(), problem.getMessage(), problem.errors());
    }
}
