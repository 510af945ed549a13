package io.kessai.provider;

import io.kessai.model.ErrorCode;
import io.kessai.model.KessaiException;
import io.kessai.payment.Flow;
import io.kessai.store.PaymentRecord;
import io.kessai.store.PaymentStore;
import io.kessai.store.UpstreamAttempt;
import org.apache.camel.Exchange;

import java.time.Duration;

/**
 * The steps of the upstream-call template ({@code routes/upstream.camel.yaml}), the same for every provider:
 * a deadline for the API request, an in-flight permit per endpoint group, a clean message carrying the
 * operation's one upstream key, a record of every attempt (status, provider code, latency; never a secret),
 * and the retry decision. What a failure means for the money is decided by {@link UpstreamFailures}.
 */
public final class UpstreamCalls {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(UpstreamCalls.class);
    static final String ATTEMPTS = "kessaiUpstreamAttempts";
    static final String DEADLINE = "kessaiUpstreamDeadline";
    /** The request deadline's exchange property (a failover to another provider starts a new one). */
    public static final String DEADLINE_PROPERTY = DEADLINE;
    static final String PERMIT = "kessaiUpstreamPermit";
    /** Whether the template's loop sends again, and after how many milliseconds. */
    static final String AGAIN = "kessaiUpstreamAgain";
    static final String DELAY = "kessaiUpstreamDelay";
    /** The provider's route of one attempt (the template's parameter). */
    static final String ATTEMPT = "kessaiUpstreamAttempt";
    /** The attempt holds a permission of the provider's circuit (given back or counted when it ends). */
    static final String CIRCUIT_PERMIT = "kessaiUpstreamCircuitPermit";
    /**
     * An earlier send of this operation may have been processed (a 409/500/502 answer, a timeout): a later failure
     * that by itself proves nothing was done (refused connection, open circuit, 503) no longer proves it for the
     * operation, whose outcome is then unknown.
     */
    static final String MAY_HAVE_ACTED = "kessaiUpstreamMayHaveActed";

    private final PaymentStore store;
    private final InFlightLimits inFlight;
    private final UpstreamPolicy.Registry policies;
    private final ProviderCircuits circuits;
    private volatile org.apache.camel.ProducerTemplate producer;
    private volatile java.util.concurrent.ExecutorService attempts;
    private volatile io.kessai.ops.KessaiMetrics metrics = io.kessai.ops.KessaiMetrics.disabled();

    public UpstreamCalls(PaymentStore store, InFlightLimits inFlight, UpstreamPolicy.Registry policies,
                         ProviderCircuits circuits) {
        this.store = store;
        this.inFlight = inFlight;
        this.policies = policies;
        this.circuits = circuits;
    }

    /** Where every send's latency and result, the retries and the 429s seen are counted. */
    public void metrics(io.kessai.ops.KessaiMetrics metrics) {
        this.metrics = metrics;
    }

    /** Starts one upstream operation: the request's deadline is set by its first operation and kept. */
    public void begin(Exchange exchange) {
        UpstreamPolicy policy = policies.of(provider(exchange));
        if (exchange.getProperty(DEADLINE) == null) {
            exchange.setProperty(DEADLINE, System.nanoTime() + policy.deadline().toNanos());
        }
        exchange.setProperty(ATTEMPTS, 0);
        exchange.removeProperty(MAY_HAVE_ACTED);
        exchange.setProperty(AGAIN, true);
        exchange.setProperty(DELAY, 0L);
    }

    /**
     * Takes a permission of the provider's circuit (none while it is open: {@code 503 provider_unavailable}, nothing
     * sent) and an in-flight permit of the endpoint group, waiting no longer than the deadline allows.
     */
    public void acquire(Exchange exchange) {
        exchange.setProperty(AGAIN, false);
        exchange.setProperty(DELAY, 0L);
        exchange.setProperty(ATTEMPTS, exchange.getProperty(ATTEMPTS, 0, Integer.class) + 1);
        String provider = provider(exchange);
        try {
            circuits.admit(provider);
        } catch (ProviderCircuits.CircuitOpen open) {
            exchange.removeProperty(Flow.UPSTREAM_STARTED);
            record(exchange, null, open.providerCode(), "circuit_open");
            throw heldBack(exchange, open);
        }
        exchange.setProperty(CIRCUIT_PERMIT, provider);
        Duration wait = remaining(exchange);
        String group = exchange.getProperty(Flow.UPSTREAM_GROUP, String.class);
        try {
            inFlight.acquire(group, wait.isNegative() ? Duration.ZERO : wait);
        } catch (KessaiException full) {
            releaseCircuit(exchange);
            throw heldBack(exchange, full);
        }
        exchange.setProperty(PERMIT, group);
    }

    /**
     * A call Kessai did not make (circuit open, in-flight queue full): surely not done, unless an earlier send of the
     * same operation may have been processed, in which case the operation's outcome is unknown.
     */
    private static KessaiException heldBack(Exchange exchange, KessaiException why) {
        if (exchange.getProperty(MAY_HAVE_ACTED, false, Boolean.class)) {
            return UpstreamFailures.unknown(why.getMessage() + "; an earlier send of this operation may have been"
                    + " processed, so the outcome is reconciled with the provider", why.providerCode());
        }
        return why;
    }

    public void release(Exchange exchange) {
        releaseCircuit(exchange);
        String group = exchange.getProperty(PERMIT, String.class);
        if (group != null) {
            exchange.removeProperty(PERMIT);
            inFlight.release(group);
        }
    }

    /** Gives the circuit's permission back uncounted, if the attempt still holds it. */
    private void releaseCircuit(Exchange exchange) {
        String provider = exchange.getProperty(CIRCUIT_PERMIT, String.class);
        if (provider != null) {
            exchange.removeProperty(CIRCUIT_PERMIT);
            circuits.released(provider);
        }
    }

    /** Counts the attempt in the provider's circuit: a failure (down) or a success. */
    private void countCircuit(Exchange exchange, boolean down, String why) {
        String provider = exchange.getProperty(CIRCUIT_PERMIT, String.class);
        if (provider == null) {
            return;
        }
        exchange.removeProperty(CIRCUIT_PERMIT);
        Long started = exchange.getProperty(Flow.UPSTREAM_STARTED, Long.class);
        long nanos = started == null ? 0 : System.nanoTime() - started;
        if (down) {
            circuits.failed(provider, nanos, why);
        } else {
            circuits.succeeded(provider, nanos);
        }
    }

    /** A clean message (no header of the caller ever reaches a provider) with the operation's upstream key. */
    public void prepare(Exchange exchange) {
        var message = exchange.getMessage();
        message.removeHeaders("*");
        message.setBody(exchange.getProperty(Flow.UPSTREAM_BODY, String.class));
        PaymentStore.Operation op = exchange.getProperty(Flow.OPERATION, PaymentStore.Operation.class);
        if (op != null) {
            message.setHeader(Flow.IDEMPOTENCY_KEY_HEADER, op.upstreamKey());
        }
        exchange.setProperty(Flow.UPSTREAM_STARTED, System.nanoTime());
    }

    /**
     * Runs the provider's attempt route, cut when the attempt's time is up: at most connect + response timeout,
     * and never past the request's deadline. A response timeout alone does not bound an attempt (an answer that
     * drips in byte by byte resets it), so the attempt runs on its own thread, on a copy of the exchange, and an
     * attempt cut short is an unknown outcome (the request may have been processed).
     */
    /** Headers a provider call sends that carry or prove a credential (removed case-insensitively). */
    static final java.util.List<String> CREDENTIAL_HEADERS = java.util.List.of("Authorization", "Proxy-Authorization",
            "x-api-key", "X-Signature", "X-Timestamp", "Cookie");

    public void send(Exchange exchange) throws Exception {
        String provider = provider(exchange);
        Duration remaining = remaining(exchange);
        if (remaining.isNegative() || remaining.isZero()) {
            throw new KessaiException(ErrorCode.PROVIDER_UNAVAILABLE, "the deadline of this request passed before "
                    + provider + " could be called; nothing was sent");
        }
        Duration budget = policies.of(provider).attemptBudget();
        Duration limit = budget.compareTo(remaining) < 0 ? budget : remaining;
        Exchange attempt = exchange.copy();
        java.util.concurrent.Future<Exchange> running = executor(exchange).submit(io.kessai.payment.PaymentLog.withContext(() ->
                producer(exchange).send(exchange.getProperty(ATTEMPT, String.class), attempt)));
        try {
            running.get(limit.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            running.cancel(true);
            throw new java.net.SocketTimeoutException(provider + " sent no complete answer within " + limit.toMillis() + " ms");
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
        exchange.getMessage().copyFrom(attempt.getMessage());
        // The attempt's request headers stay with the attempt: credentials and signatures must not travel on with
        // the answer (to an embedding application's direct: call, a log, or an HTTP answer).
        CREDENTIAL_HEADERS.forEach(exchange.getMessage()::removeHeader);
        attempt.getProperties().forEach(exchange::setProperty);
        if (attempt.getException() != null) {
            throw attempt.getException();
        }
    }

    private org.apache.camel.ProducerTemplate producer(Exchange exchange) {
        if (producer == null) {
            synchronized (this) {
                if (producer == null) {
                    producer = exchange.getContext().createProducerTemplate();
                }
            }
        }
        return producer;
    }

    private java.util.concurrent.ExecutorService executor(Exchange exchange) {
        if (attempts == null) {
            synchronized (this) {
                if (attempts == null) {
                    attempts = exchange.getContext().getExecutorServiceManager().newCachedThreadPool(this, "KessaiUpstream");
                }
            }
        }
        return attempts;
    }

    /** The provider's reader accepted the answer. */
    public void answered(Exchange exchange) {
        Integer status = status(exchange);
        countCircuit(exchange, status != null && status >= 500, "HTTP " + status);
        record(exchange, status, null, "answered");
    }

    /**
     * An attempt failed: record it, then either send again (a retryable answer or a connection that failed
     * before sending, while the retry limit and the deadline allow) or end the operation with what the
     * failure means for the money.
     */
    public void failed(Exchange exchange) {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (cause == null) {
            cause = new IllegalStateException("an upstream attempt failed without an exception");
        }
        String provider = provider(exchange);
        boolean retryable = cause instanceof RetryableUpstreamAnswer || UpstreamFailures.isBeforeSending(cause);
        String providerCode = cause instanceof RetryableUpstreamAnswer r ? r.providerCode()
                : cause instanceof KessaiException k ? k.providerCode() : null;
        Integer status = status(exchange);
        record(exchange, status, providerCode, label(cause, retryable));
        boolean notSent = UpstreamFailures.isBeforeSending(cause);
        if (notSent || (status != null && status >= 500)) {
            countCircuit(exchange, true, notSent ? cause.getClass().getSimpleName() : "HTTP " + status);
        } else if (status != null && status != 409 && status != 429) {
            countCircuit(exchange, false, null);   // the provider answered: it is up (a declined card is no failure)
        }   // a timeout after sending, a 409 or 429, a call held back: uncounted (release gives the permission back)
        boolean provesNothing = notSent || (cause instanceof RetryableUpstreamAnswer r && r.provesNothingHappened())
                || (cause instanceof KessaiException k && !k.outcomeUnknown());
        if (!provesNothing) {
            exchange.setProperty(MAY_HAVE_ACTED, true);
        }
        if (retryable) {
            UpstreamPolicy policy = policies.of(provider);
            int sent = exchange.getProperty(ATTEMPTS, 1, Integer.class);
            Duration delay = policy.delayAfter(sent);
            boolean fits = remaining(exchange).compareTo(delay.plus(policy.attemptBudget())) >= 0;
            if (sent <= policy.maxRedeliveries() && fits) {
                LOG.warn("{} {}: {} ({}); sending again with the same key in {} ms (send {} of at most {})", provider,
                        exchange.getProperty(Flow.UPSTREAM_PATH, String.class), cause.getMessage(),
                        cause.getClass().getSimpleName(), delay.toMillis(), sent + 1, policy.maxRedeliveries() + 1);
                metrics.retry(provider, exchange.getProperty(Flow.UPSTREAM_PATH, String.class));
                exchange.setProperty(AGAIN, true);
                exchange.setProperty(DELAY, delay.toMillis());
                exchange.setException(null);
                exchange.removeProperty(Exchange.EXCEPTION_CAUGHT);
                return;
            }
        }
        KessaiException outcome = UpstreamFailures.toKessai(cause, provider);
        if (outcome.code() == ErrorCode.PROVIDER_UNAVAILABLE) {
            throw heldBack(exchange, outcome);
        }
        throw outcome;
    }

    private static String label(Throwable cause, boolean retryable) {
        if (cause instanceof RetryableUpstreamAnswer) {
            return "retryable";
        }
        if (retryable) {
            return "not_sent";
        }
        if (cause instanceof KessaiException k) {
            return k.outcomeUnknown() ? "unknown" : k.code() == ErrorCode.PROVIDER_UNAVAILABLE ? "not_processed" : "refused";
        }
        return "no_answer";
    }

    private Duration remaining(Exchange exchange) {
        Long deadline = exchange.getProperty(DEADLINE, Long.class);
        return deadline == null ? Duration.ZERO : Duration.ofNanos(deadline - System.nanoTime());
    }

    private static Integer status(Exchange exchange) {
        Integer status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
        return status == null || status == 0 ? null : status;
    }

    private static String provider(Exchange exchange) {
        String provider = exchange.getProperty(Flow.UPSTREAM_PROVIDER, String.class);
        if (provider == null) {
            throw new IllegalStateException("the upstream-call template was entered without a provider");
        }
        return provider;
    }

    private void record(Exchange exchange, Integer status, String providerCode, String outcome) {
        Long started = exchange.getProperty(Flow.UPSTREAM_STARTED, Long.class);
        long millis = started == null ? 0 : (System.nanoTime() - started) / 1_000_000;
        PaymentRecord payment = exchange.getProperty(Flow.PAYMENT, PaymentRecord.class);
        PaymentStore.Operation op = exchange.getProperty(Flow.OPERATION, PaymentStore.Operation.class);
        store.recordAttempt(new UpstreamAttempt(payment == null ? null : payment.paymentId(), provider(exchange),
                exchange.getProperty(Flow.UPSTREAM_PATH, String.class), op == null ? null : op.upstreamKey(),
                status, providerCode, outcome, millis));
        io.kessai.payment.PaymentLog.upstreamAttempt(payment, provider(exchange), op == null ? null : op.kind(),
                exchange.getProperty(Flow.UPSTREAM_PATH, String.class), exchange.getProperty(ATTEMPTS, 1, Integer.class),
                outcome, status, providerCode, millis);
        metrics.attempt(provider(exchange), exchange.getProperty(Flow.UPSTREAM_PATH, String.class), status, outcome, millis);
    }
}
