package io.kessai.provider;

/**
 * The provider answered with a status that its document says may succeed when retried with the same
 * idempotency key (GMO: 409, 429, 500, 502). The provider's call route retries it with backoff.
 */
public class RetryableUpstreamAnswer extends RuntimeException {
    private final int status;
    private final String providerCode;

    public RetryableUpstreamAnswer(int status, String providerCode) {
        super("provider answered " + status + (providerCode == null ? "" : " " + providerCode));
        this.status = status;
        this.providerCode = providerCode;
    }

    public int status() {
        return status;
    }

    public String providerCode() {
        return providerCode;
    }
}
