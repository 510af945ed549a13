package io.kessai.ops;

import io.kessai.model.ErrorCode;
import io.kessai.model.KessaiException;
import io.kessai.model.ProviderOutcome;
import io.kessai.provider.InFlightLimits;
import io.kessai.provider.ProviderOperation;
import io.kessai.store.BacklogStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.component.micrometer.MicrometerUtils;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.apache.camel.support.service.ServiceSupport;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Kessai's meters, recorded in one place and named after Prometheus conventions (Micrometer's names with dots become
 * {@code kessai_upstream_retries_total}, {@code kessai_outbox_lag_seconds}, ...). Labels are bounded sets only: the
 * installed provider ids, {@link ProviderOperation}s, canonical error codes, fixed verdicts and states, and upstream
 * endpoint paths with every segment that could be an identifier replaced by {@code {id}}. No payment id, order id,
 * key or secret is ever a label value.
 *
 * <p>The meters live in the context's {@code metricsRegistry} (camel-micrometer's name): the one the application
 * bound, else a Prometheus registry Kessai binds, which camel-micrometer-prometheus then serves on the management
 * port ({@code /observe/metrics}) together with Camel's route metrics. That registry also joins
 * {@link Metrics#globalRegistry} while the context runs, so meters other code registers there (resilience4j's, for
 * instance) appear in the same scrape.
 *
 * <p>Provider operations ({@code direct:kessai-<provider>-<operation>}, wherever they are called from) are timed by an
 * event notifier; the store's backlog is sampled at most once per {@link #SAMPLE_EVERY} when scraped.
 */
public final class KessaiMetrics {
    /** Histogram buckets of the latency timers (seconds): from a fast sandbox to a provider's slowest timeout. */
    static final Duration[] BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
            Duration.ofSeconds(30), Duration.ofSeconds(60)};
    /** The store's backlog is read at most this often, however often it is scraped. */
    static final Duration SAMPLE_EVERY = Duration.ofSeconds(1);
    /** The webhook verdicts: stored, stored before (a copy), signature or token wrong, not what the provider sends, not stored. */
    public static final Set<String> VERDICTS = Set.of("accepted", "duplicate", "forged", "malformed", "unavailable");
    /** States of an operation whose outcome is not settled (payment_operations.state). */
    static final List<String> OPEN_STATES = List.of("started", "unknown", "unresolved");
    /** A path segment kept as it is: a word (letters and hyphens, at most one trailing digit); anything else is an id. */
    private static final Pattern WORD = Pattern.compile("[A-Za-z][A-Za-z-]{0,39}[0-9]?");

    private final MeterRegistry registry;
    private final List<String> providers;

    private KessaiMetrics(MeterRegistry registry, List<String> providers) {
        this.registry = registry;
        // longest first, so that an id that is the prefix of another is not taken for it
        this.providers = providers.stream().sorted(Comparator.comparingInt(String::length).reversed()).toList();
    }

    /** Meters that go nowhere (a bean used without {@link #install}). */
    public static KessaiMetrics disabled() {
        return new KessaiMetrics(new CompositeMeterRegistry(), List.of());
    }

    /**
     * Kessai's meters in the context's {@code metricsRegistry} (bound here as a Prometheus registry when the
     * application has none), the provider-operation notifier, the in-flight gauges and the store's backlog gauges.
     */
    public static KessaiMetrics install(CamelContext context, List<String> providers, InFlightLimits inFlight,
                                        BacklogStore backlog, StoreProbe probe) {
        MeterRegistry found = MicrometerUtils.getMeterRegistryFromCamelRegistry(context.getRegistry(),
                MicrometerConstants.METRICS_REGISTRY_NAME);
        boolean own = found == null;
        MeterRegistry registry = own ? new PrometheusMeterRegistry(PrometheusConfig.DEFAULT) : found;
        if (own) {
            context.getRegistry().bind(MicrometerConstants.METRICS_REGISTRY_NAME, registry);
        }
        KessaiMetrics metrics = new KessaiMetrics(registry, providers);
        JvmGcMetrics gc = own ? new JvmGcMetrics() : null;
        if (own) {
            // The JVM's basics for on-call; an application with its own registry binds its own.
            new JvmMemoryMetrics().bindTo(registry);
            new JvmThreadMetrics().bindTo(registry);
            gc.bindTo(registry);
            new ProcessorMetrics().bindTo(registry);
            new UptimeMetrics().bindTo(registry);
        }
        boolean joined = registry != Metrics.globalRegistry && !Metrics.globalRegistry.getRegistries().contains(registry);
        if (joined) {
            Metrics.globalRegistry.add(registry);
        }
        try {
            context.addService(new ServiceSupport() {
                @Override
                protected void doStop() {
                    if (joined) {
                        Metrics.globalRegistry.remove(registry);
                    }
                    if (own) {
                        gc.close();
                        registry.close();
                    }
                }
            }, true, true);
            context.getManagementStrategy().addEventNotifier(metrics.new ProviderOperations());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        inFlight.onNewGroup(group -> metrics.inFlight(inFlight, group));
        metrics.backlog(backlog, probe);
        return metrics;
    }

    public MeterRegistry registry() {
        return registry;
    }

    // ---- upstream calls ---------------------------------------------------------------------------

    /**
     * One send to a provider ({@code UpstreamCalls}): its latency, its result (the attempt record's outcome:
     * answered, retryable, not_sent, refused, unknown, no_answer, not_processed) and a 429 seen.
     */
    public void attempt(String provider, String path, Integer httpStatus, String result, long millis) {
        String endpoint = endpoint(path);
        Timer.builder("kessai.upstream.attempt")
                .description("Latency of each HTTP send to a provider (every retry is a send)")
                .tags("provider", provider, "endpoint", endpoint)
                .serviceLevelObjectives(BUCKETS)
                .register(registry).record(millis, TimeUnit.MILLISECONDS);
        Counter.builder("kessai.upstream.attempts")
                .description("Sends to a provider by result")
                .tags("provider", provider, "endpoint", endpoint, "result", result)
                .register(registry).increment();
        if (httpStatus != null && httpStatus == 429) {
            Counter.builder("kessai.upstream.rate.limited")
                    .description("429 answers seen from a provider")
                    .tags("provider", provider, "endpoint", endpoint)
                    .register(registry).increment();
        }
    }

    /** The upstream-call template sends again (same key) after a retryable answer or a connection that failed. */
    public void retry(String provider, String path) {
        Counter.builder("kessai.upstream.retries")
                .description("Sends repeated after a retryable answer or a connection that failed before sending")
                .tags("provider", provider, "endpoint", endpoint(path))
                .register(registry).increment();
    }

    /** The in-flight gauges of an endpoint group ({@code <provider>/<path>}), registered when it is first used. */
    private void inFlight(InFlightLimits inFlight, String group) {
        int slash = group.indexOf('/');
        String provider = slash < 0 ? group : group.substring(0, slash);
        if (!providers.contains(provider)) {
            return;
        }
        String endpoint = endpoint(slash < 0 ? "" : group.substring(slash));
        Gauge.builder("kessai.upstream.in.flight", inFlight, l -> l.inUse(group))
                .description("Calls in flight to a provider's endpoint group")
                .tags("provider", provider, "group", endpoint).strongReference(true).register(registry);
        Gauge.builder("kessai.upstream.in.flight.limit", inFlight, l -> l.limit(group))
                .description("The provider's concurrency limit of that endpoint group")
                .tags("provider", provider, "group", endpoint).strongReference(true).register(registry);
    }

    /**
     * An upstream path as a label: the segments that are words are kept, any other (an id, a number, a token) becomes
     * {@code {id}}; the query is dropped ({@code /charges/ch_1a2b/capture} → {@code /charges/{id}/capture}).
     */
    public static String endpoint(String path) {
        if (path == null || path.isBlank()) {
            return "/";
        }
        int query = path.indexOf('?');
        String plain = query < 0 ? path : path.substring(0, query);
        StringBuilder b = new StringBuilder();
        for (String segment : plain.split("/")) {
            if (!segment.isEmpty()) {
                b.append('/').append(WORD.matcher(segment).matches() ? segment : "{id}");
            }
        }
        return b.length() == 0 ? "/" : b.toString();
    }

    // ---- webhooks ---------------------------------------------------------------------------------

    /** A notification at {@code POST /webhooks/{provider}} of an installed provider, by verdict ({@link #VERDICTS}). */
    public void webhook(String provider, String verdict) {
        if (!providers.contains(provider) || !VERDICTS.contains(verdict)) {
            return;
        }
        Counter.builder("kessai.webhooks.received")
                .description("Webhook notifications received, by verdict")
                .tags("provider", provider, "verdict", verdict)
                .register(registry).increment();
    }

    // ---- provider operations ----------------------------------------------------------------------

    /** The outcome label of a provider operation: {@code ok}, or the canonical error code it ended with. */
    static String outcome(Exchange exchange) {
        Exception e = exchange.getException();
        if (e != null) {
            return e instanceof KessaiException k ? k.code().wire() : ErrorCode.INTERNAL_ERROR.wire();
        }
        if (exchange.getMessage().getBody() instanceof ProviderOutcome outcome && outcome.error() != null) {
            try {
                return ErrorCode.fromWire(outcome.error().code()).wire();
            } catch (RuntimeException unknown) {
                return ErrorCode.INTERNAL_ERROR.wire();
            }
        }
        return "ok";
    }

    /**
     * Times every provider operation, {@code direct:kessai-<provider>-<operation>}, from wherever it is called (the
     * API, the janitor, the inbox, callbacks): retries and the in-flight queue included.
     */
    final class ProviderOperations extends EventNotifierSupport {
        private static final String PREFIX = "direct://kessai-";
        private final Set<String> operations = java.util.Arrays.stream(ProviderOperation.values())
                .map(ProviderOperation::wire).collect(Collectors.toUnmodifiableSet());

        ProviderOperations() {
            setIgnoreCamelContextEvents(true);
            setIgnoreRouteEvents(true);
            setIgnoreServiceEvents(true);
            setIgnoreExchangeCreatedEvent(true);
            setIgnoreExchangeCompletedEvent(true);
            setIgnoreExchangeFailedEvents(true);
            setIgnoreExchangeRedeliveryEvents(true);
            setIgnoreStepEvents(true);
        }

        /**
         * The sending event too: Camel times a send (and then emits the sent event) only when a notifier took the
         * sending event.
         */
        @Override
        public boolean isEnabled(CamelEvent event) {
            return (event instanceof CamelEvent.ExchangeSendingEvent sending
                    && sending.getEndpoint().getEndpointUri().startsWith(PREFIX))
                    || (event instanceof CamelEvent.ExchangeSentEvent sent
                    && sent.getEndpoint().getEndpointUri().startsWith(PREFIX));
        }

        @Override
        public void notify(CamelEvent event) {
            if (!(event instanceof CamelEvent.ExchangeSentEvent sent)) {
                return;
            }
            String rest = sent.getEndpoint().getEndpointUri().substring(PREFIX.length());
            for (String provider : providers) {
                if (rest.startsWith(provider + "-") && operations.contains(rest.substring(provider.length() + 1))) {
                    String operation = rest.substring(provider.length() + 1);
                    Timer.builder("kessai.provider.operation")
                            .description("Latency of a provider operation, retries and the in-flight queue included")
                            .tags("provider", provider, "operation", operation)
                            .serviceLevelObjectives(BUCKETS)
                            .register(registry).record(sent.getTimeTaken(), TimeUnit.MILLISECONDS);
                    Counter.builder("kessai.provider.operations")
                            .description("Provider operations by outcome: ok or the canonical error code")
                            .tags("provider", provider, "operation", operation, "outcome", outcome(sent.getExchange()))
                            .register(registry).increment();
                    return;
                }
            }
        }
    }

    // ---- the store's backlog ----------------------------------------------------------------------

    private void backlog(BacklogStore store, StoreProbe probe) {
        Sampler sampler = new Sampler(store, probe);
        gauge("kessai.store.reachable", "1 when the last sample of the store's backlog could be read, else 0",
                sampler, s -> s.sample() == null ? 0 : 1, null);
        gauge("kessai.outbox.lag", "Age of the oldest event not delivered yet (0 when every event is delivered)",
                sampler, s -> value(s, b -> b.outbox().oldestAge().toMillis() / 1000.0), "seconds");
        gauge("kessai.outbox.undelivered", "Events written but not delivered yet",
                sampler, s -> value(s, b -> b.outbox().undelivered()), null);
        gauge("kessai.inbox.pending", "Stored webhook notifications not confirmed with the provider yet",
                sampler, s -> value(s, BacklogStore.Backlog::inboxPending), null);
        gauge("kessai.janitor.due", "Payments whose janitor check is due now (the janitor's backlog)",
                sampler, s -> value(s, BacklogStore.Backlog::janitorDue), null);
        gauge("kessai.captures.due", "Scheduled captures due now",
                sampler, s -> value(s, BacklogStore.Backlog::capturesDue), null);
        for (String provider : providers) {
            for (String state : OPEN_STATES) {
                Gauge.builder("kessai.operations.open", sampler, s -> value(s, b -> b.openOperations().stream()
                                .filter(o -> o.provider().equals(provider) && o.state().equals(state))
                                .mapToLong(BacklogStore.OpenOperations::count).sum()))
                        .description("Upstream operations whose outcome is not settled: started (maybe on its way),"
                                + " unknown (reconciling), unresolved (past the janitor's max age, for an operator)")
                        .tags("provider", provider, "state", state).strongReference(true).register(registry);
            }
        }
    }

    private void gauge(String name, String description, Sampler sampler, ToDoubleFunction<Sampler> value, String unit) {
        Gauge.Builder<Sampler> b = Gauge.builder(name, sampler, value).description(description).strongReference(true);
        if (unit != null) {
            b.baseUnit(unit);
        }
        b.register(registry);
    }

    private static double value(Sampler sampler, ToDoubleFunction<BacklogStore.Backlog> value) {
        BacklogStore.Backlog b = sampler.sample();
        return b == null ? Double.NaN : value.applyAsDouble(b);
    }

    /**
     * The store's backlog, read at most once per {@link #SAMPLE_EVERY}; null while the store cannot be read (asked
     * first with the probe's bounded wait, so that a scrape does not wait the pool's connection timeout).
     */
    static final class Sampler {
        private final BacklogStore store;
        private final StoreProbe probe;
        private BacklogStore.Backlog last;
        private long readAt;
        private boolean read;

        Sampler(BacklogStore store, StoreProbe probe) {
            this.store = store;
            this.probe = probe;
        }

        synchronized BacklogStore.Backlog sample() {
            long now = System.nanoTime();
            if (!read || now - readAt >= SAMPLE_EVERY.toNanos()) {
                try {
                    last = probe.failure().isPresent() ? null : store.backlog();
                } catch (RuntimeException e) {
                    last = null;
                }
                read = true;
                readAt = System.nanoTime();
            }
            return last;
        }
    }
}
