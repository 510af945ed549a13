package io.kessai.provider;

import io.kessai.model.ErrorCode;
import io.kessai.model.KessaiException;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.List;

/**
 * The one place that decides what a failed upstream operation means for the money. Three outcomes:
 * <ul>
 *   <li><b>surely not done</b>: the request never left (connection refused, DNS, connect timeout) or the
 *       provider refused it before processing (429, maintenance) — {@code provider_unavailable} /
 *       {@code provider_error}, the payment may fail;</li>
 *   <li><b>refused</b>: the provider processed it and said no — the provider's own canonical code;</li>
 *   <li><b>unknown</b>: the request may have been processed — a timeout after sending, a connection lost
 *       after the request left, an unreadable or unverifiable answer, retries exhausted on an answer that
 *       does not prove nothing happened (409, 500, 502), or any failure we cannot place. Always
 *       {@code provider_timeout}: the payment stays as it was and the janitor reconciles by inquiry.</li>
 * </ul>
 */
public final class UpstreamFailures {
    /** providerCode of an answer Kessai could not read. */
    public static final String UNREADABLE = "unreadable_answer";

    private UpstreamFailures() {
    }

    public static KessaiException toKessai(Throwable failure, String provider) {
        Throwable t = unwrap(failure);
        if (t instanceof KessaiException k) {
            return k;
        }
        if (t instanceof RetryableUpstreamAnswer r) {
            if (r.provesNothingHappened()) {
                return new KessaiException(ErrorCode.PROVIDER_UNAVAILABLE, provider + " refused the call before processing it (HTTP "
                        + r.status() + ") and did not accept it when sent again", List.of(), r.providerCode(), null);
            }
            return unknown(provider + " answered HTTP " + r.status() + " to every attempt; whether it acted is not known."
                    + " The payment is reconciled with the provider", r.providerCode());
        }
        if (isBeforeSending(t)) {
            return new KessaiException(ErrorCode.PROVIDER_UNAVAILABLE, provider + " could not be reached; nothing was sent");
        }
        if (t instanceof IOException) {
            return unknown(provider + " did not answer in time; the payment stays pending and is reconciled", null);
        }
        return unknown("the call to " + provider + " ended unexpectedly; the outcome is reconciled with the provider", null);
    }

    /**
     * Whether the provider surely did not act on the operation: the request was never sent (connection refused,
     * circuit open, in-flight queue full, deadline passed before sending) or the provider answered that it did
     * nothing (maintenance, 429 or 503 before processing). Every such failure, and only such a failure, carries
     * {@code provider_unavailable} ({@link UpstreamCalls} turns one that follows a send that may have been
     * processed into an unknown outcome). Only these may be failed over to another provider; a refusal, a timeout,
     * a dropped connection after sending or any other answer never are.
     */
    public static boolean surelyNotDone(KessaiException failure) {
        return failure.code() == ErrorCode.PROVIDER_UNAVAILABLE;
    }

    /** An outcome that is not known: reported {@code provider_timeout}, never failed. */
    public static KessaiException unknown(String detail, String providerCode) {
        return new KessaiException(ErrorCode.PROVIDER_TIMEOUT, detail, List.of(), providerCode, null);
    }

    /** A 2xx answer (or an answer to a request the provider may have acted on) that Kessai cannot read. */
    public static KessaiException unreadable(String provider, String what) {
        return unknown(provider + " answered " + what + "; whether it acted is not known."
                + " The payment is reconciled with the provider", UNREADABLE);
    }

    /** Connection-level failures that happen before any byte of the request reached the provider. */
    public static boolean isBeforeSending(Throwable t) {
        Throwable u = unwrap(t);
        // HttpClient 5's ConnectTimeoutException is a SocketTimeoutException, but no byte was sent.
        return u instanceof ConnectException || u instanceof NoRouteToHostException
                || u instanceof UnknownHostException
                || u.getClass().getName().endsWith(".ConnectTimeoutException");
    }

    private static Throwable unwrap(Throwable t) {
        Throwable current = t;
        while (current.getCause() != null && !(current instanceof KessaiException)
                && !(current instanceof RetryableUpstreamAnswer) && !(current instanceof IOException)) {
            current = current.getCause();
        }
        return current;
    }
}
