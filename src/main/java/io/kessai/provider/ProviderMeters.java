package io.kessai.provider;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.ArrayList;
import java.util.List;

/**
 * The routing's meters on a Micrometer registry (Kessai uses {@code Metrics.globalRegistry}; the management server
 * publishes it): per provider its circuit's state ({@code kessai.circuit.state}, tags {@code provider} and
 * {@code state}, 1 for the current state and 0 for the others), failure rate ({@code kessai.circuit.failure.rate},
 * percent, -1 until the minimum number of calls), the calls in its sliding window ({@code kessai.circuit.window.calls},
 * tag {@code kind} successful / failed), the calls refused while open ({@code kessai.circuit.not.permitted}), its
 * state changes ({@code kessai.circuit.transitions}), and the failovers ({@code kessai.routing.failovers}, tags {@code from},
 * {@code to}, {@code method}). {@link #close()} removes them again (a stopped Kessai leaves no meters behind).
 */
public final class ProviderMeters implements AutoCloseable {
    private static final CircuitBreaker.State[] STATES = {CircuitBreaker.State.CLOSED, CircuitBreaker.State.OPEN,
            CircuitBreaker.State.HALF_OPEN, CircuitBreaker.State.FORCED_OPEN, CircuitBreaker.State.DISABLED};

    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();

    public ProviderMeters(MeterRegistry registry, ProviderCircuits circuits) {
        this.registry = registry;
        for (String provider : circuits.providers()) {
            CircuitBreaker circuit = circuits.of(provider);
            for (CircuitBreaker.State state : STATES) {
                meters.add(Gauge.builder("kessai.circuit.state", circuit, c -> c.getState() == state ? 1 : 0)
                        .description("the provider's circuit is in this state (1) or not (0)")
                        .tag("provider", provider).tag("state", state.name().toLowerCase())
                        .register(registry));
            }
            meters.add(Gauge.builder("kessai.circuit.failure.rate", circuit, c -> c.getMetrics().getFailureRate())
                    .description("percent of the counted calls in the window that did not reach the provider or got a 5xx")
                    .baseUnit("percent").tag("provider", provider).register(registry));
            meters.add(Gauge.builder("kessai.circuit.window.calls", circuit, c -> c.getMetrics().getNumberOfSuccessfulCalls())
                    .description("calls in the circuit's sliding window, by how they counted")
                    .tag("provider", provider).tag("kind", "successful").register(registry));
            meters.add(Gauge.builder("kessai.circuit.window.calls", circuit, c -> c.getMetrics().getNumberOfFailedCalls())
                    .description("calls in the circuit's sliding window, by how they counted")
                    .tag("provider", provider).tag("kind", "failed").register(registry));
            Counter notPermitted = Counter.builder("kessai.circuit.not.permitted")
                    .description("calls answered 503 without calling the provider while its circuit was open")
                    .tag("provider", provider).register(registry);
            meters.add(notPermitted);
            circuit.getEventPublisher().onCallNotPermitted(e -> notPermitted.increment());
            Counter transitions = Counter.builder("kessai.circuit.transitions")
                    .description("changes of the provider circuit's state").tag("provider", provider).register(registry);
            meters.add(transitions);
            circuit.getEventPublisher().onStateTransition(e -> transitions.increment());
        }
    }

    /** A new payment's charge moved from one provider to the next of its rule. */
    public void failover(String from, String to, String method) {
        Counter counter = Counter.builder("kessai.routing.failovers")
                .description("charges moved to the next provider of their routing rule (the first surely did not act)")
                .tag("from", from).tag("to", to).tag("method", method == null ? "unknown" : method)
                .register(registry);
        synchronized (meters) {
            if (!meters.contains(counter)) {
                meters.add(counter);
            }
        }
        counter.increment();
    }

    @Override
    public void close() {
        synchronized (meters) {
            meters.forEach(registry::remove);
            meters.clear();
        }
    }
}
