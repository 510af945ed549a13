package io.kessai.provider;

/**
 * The provider answered with a status that its document says may succeed when sent again with the same
 * idempotency key (GMO: 409, 429, 500, 502). The upstream-call template sends it again within the
 * provider's retry limits; when they are exhausted, {@link #provesNothingHappened()} decides between
 * "surely not done" ({@code provider_unavailable}) and "not known" ({@code provider_timeout}).
 */
public class RetryableUpstreamAnswer extends RuntimeException {
    private final int status;
    private final String providerCode;
    private final boolean provesNothingHappened;

    /** @param provesNothingHappened true for answers given before any processing (429 rate limit, 503 maintenance) */
    public RetryableUpstreamAnswer(int status, String providerCode, boolean provesNothingHappened) {
        super("provider answered " + status + (providerCode == null ? "" : " " + providerCode));
        this.status = status;
        this.providerCode = providerCode;
        this.provesNothingHappened = provesNothingHappened;
    }

    /** 429 and 503 are refusals before processing; 409 (still processing), 500 and 502 prove nothing. */
    public RetryableUpstreamAnswer(int status, String providerCode) {
        this(status, providerCode, status == 429 || status == 503);
    }

    public int status() {
        return status;
    }

    public String providerCode() {
        return providerCode;
    }

    public boolean provesNothingHappened() {
        return provesNothingHappened;
    }
}
