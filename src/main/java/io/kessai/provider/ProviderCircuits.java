package io.kessai.provider;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.kessai.model.ErrorCode;
import io.kessai.model.KessaiException;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One resilience4j circuit breaker per provider, fed by the upstream-call template ({@link UpstreamCalls}) attempt by
 * attempt. Only what says the provider is down counts as a failure: a call that surely did not reach it (connection
 * refused, connect timeout, unknown host) or an answer with a 5xx status. Every other answer counts as a success (a
 * declined card, a 400 or a 404 are the provider working); a timeout after sending, a 409 or 429, and a call Kessai
 * itself held back (the in-flight queue, the deadline) count as neither. While the circuit is open no call is made:
 * the attempt fails at once with {@code 503 provider_unavailable}, which (nothing was sent) the payment core may fail
 * over to the rule's next provider. After {@code wait-in-open-ms} the next calls (at most {@code half-open-calls}) go
 * through as probes; their outcome closes or opens the circuit again.
 *
 * <p>Settings per provider ({@code kessai.providers.<id>.circuit.*}, falling back to {@code kessai.circuit.*}):
 * {@code enabled}, {@code failure-rate-threshold} (percent), {@code sliding-window} (calls), {@code minimum-calls},
 * {@code wait-in-open-ms}, {@code half-open-calls}.
 */
public final class ProviderCircuits {
    private static final String[] KEYS = {"enabled", "failure-rate-threshold", "sliding-window", "minimum-calls",
            "wait-in-open-ms", "half-open-calls"};

    private final Map<String, CircuitBreaker> circuits = new LinkedHashMap<>();
    private final Map<String, Duration> waits = new LinkedHashMap<>();

    /** Reads every installed provider's settings (a wrong value stops start-up naming the key). */
    public ProviderCircuits(Function<String, String> config, List<String> providers) {
        for (String provider : providers) {
            boolean enabled = !"false".equalsIgnoreCase(value(config, provider, "enabled"));
            int threshold = number(config, provider, "failure-rate-threshold", 1, 100);
            int window = number(config, provider, "sliding-window", 1, 100_000);
            int minimum = number(config, provider, "minimum-calls", 1, 100_000);
            int wait = number(config, provider, "wait-in-open-ms", 1, Integer.MAX_VALUE);
            int halfOpen = number(config, provider, "half-open-calls", 1, 10_000);
            CircuitBreaker circuit = CircuitBreaker.of("kessai-" + provider, CircuitBreakerConfig.custom()
                    .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                    .slidingWindowSize(window)
                    .minimumNumberOfCalls(minimum)
                    .failureRateThreshold(threshold)
                    .waitDurationInOpenState(Duration.ofMillis(wait))
                    .permittedNumberOfCallsInHalfOpenState(halfOpen)
                    // what counts is decided here, call by call (onError only for "down"), never by exception type
                    .recordException(t -> true)
                    .writableStackTraceEnabled(false)
                    .build());
            if (!enabled) {
                circuit.transitionToDisabledState();
            }
            circuits.put(provider, circuit);
            waits.put(provider, Duration.ofMillis(wait));
        }
    }

    /** The providers with a circuit, in installation order. */
    public List<String> providers() {
        return List.copyOf(circuits.keySet());
    }

    public CircuitBreaker of(String provider) {
        CircuitBreaker circuit = circuits.get(provider);
        if (circuit == null) {
            throw new IllegalStateException("no circuit for provider " + provider);
        }
        return circuit;
    }

    /**
     * Takes the permission for one call, or fails it at once with {@code 503 provider_unavailable} while the circuit
     * is open (or its half-open probes are all out): nothing is sent.
     */
    public void admit(String provider) {
        CircuitBreaker circuit = of(provider);
        if (!circuit.tryAcquirePermission()) {
            throw new CircuitOpen(provider, circuit.getState(), waits.get(provider));
        }
    }

    /** The provider answered (whatever it said, unless it was a 5xx): the call counts as a success. */
    public void succeeded(String provider, long nanos) {
        of(provider).onSuccess(nanos, TimeUnit.NANOSECONDS);
    }

    /** The call did not reach the provider, or it answered a 5xx: the call counts as a failure. */
    public void failed(String provider, long nanos, String why) {
        of(provider).onError(nanos, TimeUnit.NANOSECONDS, new ProviderDown(why));
    }

    /** The call's permission is given back without counting it (a timeout, a 409 or 429, a call held back). */
    public void released(String provider) {
        of(provider).releasePermission();
    }

    /** What health and metrics show of one circuit. */
    public Map<String, Object> details(String provider) {
        CircuitBreaker circuit = of(provider);
        CircuitBreaker.Metrics m = circuit.getMetrics();
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("provider", provider);
        d.put("state", circuit.getState().name());
        d.put("failure_rate", m.getFailureRate());
        d.put("buffered_calls", m.getNumberOfBufferedCalls());
        d.put("failed_calls", m.getNumberOfFailedCalls());
        d.put("not_permitted_calls", m.getNumberOfNotPermittedCalls());
        d.put("failure_rate_threshold", circuit.getCircuitBreakerConfig().getFailureRateThreshold());
        return d;
    }

    /** The circuit of a provider is open: the call was not made. */
    public static final class CircuitOpen extends KessaiException {
        CircuitOpen(String provider, CircuitBreaker.State state, Duration wait) {
            super(ErrorCode.PROVIDER_UNAVAILABLE, provider + " is failing (its circuit is " + state.name().toLowerCase()
                    .replace('_', '-') + ": too many recent calls did not reach it or failed with 5xx); nothing was"
                    + " sent. The circuit lets a probe through " + wait.toMillis() + " ms after it opened",
                    List.of(), "circuit_open", null);
        }
    }

    /** Recorded as the failure of a call; never thrown. */
    private static final class ProviderDown extends RuntimeException {
        ProviderDown(String why) {
            super(why, null, false, false);
        }
    }

    private static String value(Function<String, String> config, String provider, String key) {
        String own = config.apply("kessai.providers." + provider + ".circuit." + key);
        return own != null ? own : config.apply("kessai.circuit." + key);
    }

    private static int number(Function<String, String> config, String provider, String key, int min, int max) {
        String value = value(config, provider, key);
        String name = "kessai.providers." + provider + ".circuit." + key + " (or kessai.circuit." + key + ")";
        if (value == null) {
            throw new IllegalArgumentException("configuration key " + name + " has no value");
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("configuration key " + name + " must be a whole number from " + min
                    + " to " + max + ", not " + value);
        }
    }

    /** The setting names under {@code kessai.circuit.} and {@code kessai.providers.<id>.circuit.}. */
    public static List<String> keys() {
        return List.of(KEYS);
    }
}
