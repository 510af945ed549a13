package io.kessai.provider;

import io.kessai.model.ErrorCode;
import io.kessai.model.KessaiException;

import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;

/**
 * Classifies what went wrong on the way to a provider. The line that matters: a failure before the
 * request left (connection refused, DNS) is known not to have happened; a failure after it left (read
 * timeout, connection dropped before the answer) is an unknown outcome and must never be failed.
 */
public final class UpstreamFailures {
    private UpstreamFailures() {
    }

    public static KessaiException toKessai(Throwable failure, String provider) {
        Throwable t = unwrap(failure);
        if (t instanceof KessaiException k) {
            return k;
        }
        if (t instanceof RetryableUpstreamAnswer r) {
            return switch (r.status()) {
                // 409: the first request with this key is still being processed: its outcome is unknown.
                case 409 -> new KessaiException(ErrorCode.PROVIDER_TIMEOUT, provider
                        + " is still processing an earlier attempt of this operation", java.util.List.of(), r.providerCode(), null);
                case 429 -> new KessaiException(ErrorCode.PROVIDER_UNAVAILABLE, provider
                        + " refused the call: too many concurrent requests", java.util.List.of(), r.providerCode(), null);
                default -> new KessaiException(ErrorCode.PROVIDER_ERROR, provider + " failed with HTTP " + r.status()
                        + " and did not process the request", java.util.List.of(), r.providerCode(), null);
            };
        }
        if (isBeforeSending(t)) {
            return new KessaiException(ErrorCode.PROVIDER_UNAVAILABLE, provider + " could not be reached");
        }
        if (t instanceof java.io.IOException) {
            return new KessaiException(ErrorCode.PROVIDER_TIMEOUT, provider
                    + " did not answer in time; the payment stays pending and is reconciled");
        }
        return new KessaiException(ErrorCode.INTERNAL_ERROR, "unexpected failure calling " + provider);
    }

    /** Connection-level failures that happen before any byte of the request reached the provider. */
    public static boolean isBeforeSending(Throwable t) {
        return t instanceof ConnectException || t instanceof NoRouteToHostException
                || t instanceof UnknownHostException
                || (t instanceof InterruptedIOException && !(t instanceof SocketTimeoutException)
                && t.getClass().getName().endsWith("ConnectTimeoutException"));
    }

    private static Throwable unwrap(Throwable t) {
        Throwable current = t;
        while (current.getCause() != null && !(current instanceof KessaiException)
                && !(current instanceof RetryableUpstreamAnswer) && !(current instanceof java.io.IOException)) {
            current = current.getCause();
        }
        return current;
    }
}
