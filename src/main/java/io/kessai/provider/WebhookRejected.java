package io.kessai.provider;

/**
 * A webhook Kessai will not store: the answer's status tells the provider whether to retry
 * (401 forged, 400 malformed, 404 unknown provider, 413 too large, 503 store unavailable: retry).
 */
public class WebhookRejected extends RuntimeException {
    private final int status;
    private final String title;

    public WebhookRejected(int status, String title, String detail) {
        super(detail);
        this.status = status;
        this.title = title;
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public static WebhookRejected forged(String detail) {
        return new WebhookRejected(401, "unauthorized", detail);
    }

    public static WebhookRejected malformed(String detail) {
        return new WebhookRejected(400, "invalid_request", detail);
    }
}
