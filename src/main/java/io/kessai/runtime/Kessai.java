package io.kessai.runtime;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kessai.api.JsonBody;
import io.kessai.api.ProblemResponder;
import io.kessai.events.EventFactory;
import io.kessai.events.OutboxRelay;
import io.kessai.model.PaymentView;
import io.kessai.payment.BrowserReturns;
import io.kessai.payment.JanitorSchedule;
import io.kessai.payment.KeyLocks;
import io.kessai.payment.PaymentOrderReader;
import io.kessai.payment.PaymentService;
import io.kessai.payment.StateMachine;
import io.kessai.provider.InFlightLimits;
import io.kessai.provider.PaymentLookup;
import io.kessai.provider.ProviderModule;
import io.kessai.provider.ProviderModules;
import io.kessai.provider.ProviderOperation;
import io.kessai.provider.ProviderCircuits;
import io.kessai.provider.ProviderMeters;
import io.kessai.provider.Providers;
import io.kessai.provider.Routing;
import io.kessai.provider.Setting;
import io.kessai.provider.UpstreamCalls;
import io.kessai.provider.UpstreamPolicy;
import io.kessai.payment.Reconciliation;
import io.kessai.provider.WebhookVerifier;
import io.kessai.schedule.Backoff;
import io.kessai.schedule.Janitor;
import io.kessai.schedule.QuartzJobStore;
import io.kessai.schedule.ScheduledCaptures;
import io.kessai.store.Claims;
import io.kessai.store.Database;
import io.kessai.store.KeyLeases;
import io.kessai.store.InboxStore;
import io.kessai.store.OutboxStore;
import io.kessai.store.PaymentStore;
import io.kessai.webhook.Webhooks;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.ToIntFunction;

/**
 * Wires Kessai into a CamelContext: its beans, the provider modules switched on by configuration (each with its
 * beans, its sandbox when enabled, and its routes), and its YAML routes. {@link #install(CamelContext)} is the whole
 * story for an application that embeds Kessai; the standalone runtime ({@link KessaiMain}) binds the same beans and
 * lets camel-main load the same routes. The core knows a provider only through its {@link ProviderModule}.
 */
public final class Kessai {
    private static final Logger LOG = LoggerFactory.getLogger(Kessai.class);
    /** Every Kessai key with its default, on the classpath of the library jar (providers' keys: their modules). */
    public static final String DEFAULTS = "classpath:kessai.properties";
    /** The transport-free routes: direct:kessai-* and the relays and schedules. */
    public static final List<String> ROUTES = List.of(
            "routes/errors.camel.yaml", "routes/upstream.camel.yaml", "routes/payments.camel.yaml", "routes/outbox.camel.yaml",
            "routes/inbox.camel.yaml", "routes/schedules.camel.yaml");
    /** The HTTP API and webhook fan-in (REST DSL); they need a platform-http server in the context. */
    public static final List<String> HTTP_ROUTES = List.of("routes/api.camel.yaml", "routes/webhooks.camel.yaml");
    /** The comma-separated provider ids to install; empty: every module on the classpath. */
    public static final String ENABLED = "kessai.providers.enabled";

    private Kessai() {
    }

    /**
     * Embedding: binds the beans and loads the transport-free routes into an existing (not yet started)
     * CamelContext; the application calls direct:kessai-pay and friends.
     */
    public static void install(CamelContext context) throws Exception {
        install(context, false);
    }

    /** As {@link #install(CamelContext)}, plus the HTTP API when the context has a platform-http server. */
    public static void install(CamelContext context, boolean httpApi) throws Exception {
        install(context, httpApi, ProviderModules.discover());
    }

    /** As {@link #install(CamelContext, boolean)} with these provider modules instead of those on the classpath. */
    public static void install(CamelContext context, boolean httpApi, List<ProviderModule> modules) throws Exception {
        bind(context, modules);
        List<Resource> resources = new ArrayList<>();
        for (String route : routes(context, httpApi)) {
            resources.add(PluginHelper.getResourceLoader(context).resolveResource("classpath:" + route));
        }
        PluginHelper.getRoutesLoader(context).loadRoutes(resources);
    }

    /** The route files of a bound context: the core, each installed provider's, and the HTTP API if asked. */
    public static List<String> routes(CamelContext context, boolean httpApi) {
        List<String> routes = new ArrayList<>(ROUTES);
        InstalledModules installed = context.getRegistry().lookupByNameAndType("kessaiModules", InstalledModules.class);
        installed.modules().forEach(module -> routes.add(module.routes()));
        if (httpApi) {
            routes.addAll(HTTP_ROUTES);
        }
        return routes;
    }

    /**
     * The configuration keys camel-main masks in its start-up summary: the last word of every secret setting of the
     * provider modules on the classpath, as written and without hyphens (camel-main also sees camelCase keys).
     */
    public static String sensitiveKeywords() {
        Set<String> words = new LinkedHashSet<>();
        for (ProviderModule module : ProviderModules.discover()) {
            for (Setting setting : module.settings()) {
                if (setting.secret()) {
                    words.add(setting.name());
                    words.add(setting.name().replace("-", ""));
                }
            }
        }
        return String.join(",", words);
    }

    /** The provider modules of a bound context, in the order they were installed. */
    record InstalledModules(List<ProviderModule> modules) {
    }

    /** {@link #bind(CamelContext, List)} with the provider modules on the classpath. */
    public static void bind(CamelContext context) {
        bind(context, ProviderModules.discover());
    }

    /** Adds Kessai's defaults under whatever the application configured, then binds every bean. */
    public static void bind(CamelContext context, List<ProviderModule> modules) {
        PropertiesComponent pc = context.getPropertiesComponent();
        if (pc.getLocations().stream().noneMatch(l -> l.contains("kessai.properties"))) {
            pc.addLocation(DEFAULTS);
        }
        pc.addPropertiesSource(new ModuleDefaults(modules));
        Config config = new Config(context);
        List<ProviderModule> installed = enabled(config, modules);
        // The routing rules are checked against the installed modules' capability tables before anything starts.
        Map<String, io.kessai.provider.Capabilities> tables = new LinkedHashMap<>();
        installed.forEach(m -> tables.put(m.id(), m.capabilities()));
        Routing routing = Routing.fromConfig(config::find, PaymentOrderReader.METHOD_TYPES, tables, routing(config, installed));

        ObjectMapper json = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                // Money never passes through a binary float, not even while parsing a provider's answer.
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        Clock clock = Clock.systemUTC();
        ZoneId zone = ZoneId.of(config.get("kessai.time-zone"));

        Database database = new Database(config.get("kessai.db.url"), config.get("kessai.db.user"),
                java.util.Objects.requireNonNullElse(config.find("kessai.db.password"), ""), config.integer("kessai.db.pool-size"));
        closeWithContext(context, database);
        Claims claims = new Claims(nodeId(config), Duration.ofMillis(config.integer("kessai.cluster.lease-ms")));
        KeyLeases keyLeases = new KeyLeases(database, clock, claims);
        PaymentStore store = new PaymentStore(database, json, clock);
        PaymentLookup lookup = paymentLookup(store);

        io.kessai.store.TransferStore transfers = new io.kessai.store.TransferStore(database,
                new EventFactory(json, zone), json, clock);
        Map<ProviderModule, ModuleContext> contexts = new LinkedHashMap<>();
        for (ProviderModule module : installed) {
            contexts.put(module, new ModuleContext(module.id(), context, config, json, clock, lookup,
                    database.dataSource(), transfers.forProvider(module.id())));
        }
        if (config.flag("kessai.sandbox.enabled")) {
            contexts.forEach((module, moduleContext) -> module.startSandbox(moduleContext)
                    .ifPresent(url -> LOG.info("{} sandbox listening on {}", module.id(), url)));
        }
        ProviderChecks.requireSettings(installed, config);

        Providers providers = new Providers(routing);
        Map<String, WebhookVerifier> verifiers = new HashMap<>();
        Map<String, ToIntFunction<String>> limits = new HashMap<>();
        int replicas = config.integer("kessai.cluster.replicas");
        if (replicas < 1) {
            throw new IllegalArgumentException("configuration key kessai.cluster.replicas must be at least 1");
        }
        contexts.forEach((module, moduleContext) -> {
            ProviderModule.Installed provider = module.install(moduleContext);
            checkInstalled(module, provider);
            providers.register(provider.provider());
            limits.put(module.id(), shareOf(provider.inFlightLimit(), replicas));
            if (provider.webhookVerifier() != null) {
                verifiers.put(module.id(), provider.webhookVerifier());
            }
        });

        JanitorSchedule janitorSchedule = janitorSchedule(config, providers.installed());
        StateMachine stateMachine = new StateMachine(store, json, new EventFactory(json, zone), janitorSchedule);
        InFlightLimits inFlight = new InFlightLimits(limits,
                Duration.ofMillis(config.integer("kessai.in-flight.queue-timeout-ms")));
        UpstreamPolicy.Registry policies = new UpstreamPolicy.Registry(config::find);
        providers.installed().forEach(policies::of);
        ProviderCircuits circuits = new ProviderCircuits(config::find, providers.installed());
        ProviderMeters meters = new ProviderMeters(io.micrometer.core.instrument.Metrics.globalRegistry, circuits);
        closeWithContext(context, meters);
        registerHealthChecks(context, circuits);
        UpstreamCalls upstream = new UpstreamCalls(store, inFlight, policies, circuits);
        Duration inFlightGrace = Duration.ofMillis(config.integer("kessai.janitor.in-flight-grace-ms"));
        Reconciliation reconciliation = new Reconciliation(store, stateMachine, janitorSchedule, inFlightGrace);
        PaymentService payments = new PaymentService(store, providers,
                new PaymentOrderReader(json, clock, providers.catalog()), stateMachine, json,
                new KeyLocks(Duration.ofMillis(config.integer("kessai.in-flight.queue-timeout-ms")),
                        config.flag("kessai.cluster.key-leases") ? keyLeases : null), zone,
                reconciliation, janitorSchedule, meters);

        var registry = context.getRegistry();
        registry.bind("kessaiModules", new InstalledModules(List.copyOf(installed)));
        registry.bind("kessaiJson", json);
        registry.bind("kessaiDatabase", database);
        registry.bind("kessaiStore", store);
        registry.bind("kessaiPayments", payments);
        registry.bind("kessaiOrderPresets", new io.kessai.payment.OrderPresets(json));
        registry.bind("kessaiCallbacks", new BrowserReturns(store, providers, json));
        registry.bind("kessaiStateMachine", stateMachine);
        registry.bind("kessaiProviders", providers);
        registry.bind("kessaiInFlight", inFlight);
        registry.bind("kessaiUpstream", upstream);
        registry.bind("kessaiCircuits", circuits);
        registry.bind("kessaiProblems", new ProblemResponder(json));
        registry.bind("kessaiJsonBody", new JsonBody());

        OutboxStore outbox = new OutboxStore(database, clock, claims);
        registry.bind("kessaiOutboxStore", outbox);
        registry.bind("kessaiOutbox", new OutboxRelay(outbox, config.backoff("kessai.events.retry"),
                config.integer("kessai.events.batch-size")));
        InboxStore inbox = new InboxStore(database, clock, claims);
        registry.bind("kessaiInbox", inbox);
        Webhooks webhooks = new Webhooks(verifiers, inbox, store, stateMachine, config.integer("kessai.webhooks.max-body-bytes"),
                config.backoff("kessai.webhooks.retry"), config.integer("kessai.webhooks.batch-size"),
                config.integer("kessai.webhooks.confirm-attempts"));
        registry.bind("kessaiWebhooks", webhooks);
        registry.bind("kessaiJanitor", new Janitor(store, stateMachine, janitorSchedule, reconciliation,
                config.integer("kessai.janitor.batch-size"), inFlightGrace));
        // The scheduled-capture pass captures a batch on these threads; shut down with the context.
        registry.bind("kessaiCaptureThreads", context.getExecutorServiceManager().newFixedThreadPool(
                ScheduledCaptures.class, "kessai-scheduled-captures", config.integer("kessai.captures.parallelism")));
        registry.bind("kessaiScheduledCaptures", new ScheduledCaptures(store, config.backoff("kessai.captures.retry"),
                config.integer("kessai.captures.batch-size")));
        configureQuartz(context, config, database);
        observe(context, config, database, clock, providers.installed(), inFlight, upstream, webhooks);
        renewClaims(context, claims, keyLeases, outbox, inbox);
        // HttpClient 5 would otherwise re-send a POST by itself after a 503 or 429 (once, or after
        // Retry-After): a payment call must be retried only where the provider allows, with the same key,
        // and a refused event delivery must count as one relay attempt.
        context.getComponent("http", org.apache.camel.component.http.HttpComponent.class).setAutomaticRetriesDisabled(true);
        context.getComponent("https", org.apache.camel.component.http.HttpComponent.class).setAutomaticRetriesDisabled(true);
        try {
            context.addStartupListener(ProviderChecks.endpoints(installed));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        LOG.info("Kessai bound: store {}, providers {}, node {}", redactUrl(config.get("kessai.db.url")),
                providers.installed(), claims.owner());
    }

    /**
     * The modules to install: those named by {@code kessai.providers.enabled} (default: every module given), less
     * those with {@code kessai.providers.<id>.enabled=false}.
     */
    static List<ProviderModule> enabled(Config config, List<ProviderModule> modules) {
        List<String> named = config.list(ENABLED);
        List<String> ids = modules.stream().map(ProviderModule::id).toList();
        for (String id : named) {
            if (!ids.contains(id)) {
                throw new IllegalStateException("Kessai cannot start: " + ENABLED + " names the provider " + id
                        + ", but no provider module " + id + " is on the classpath (found: " + String.join(", ", ids)
                        + "). Add its jar, or take it out of " + ENABLED + ".");
            }
        }
        List<ProviderModule> enabled = modules.stream()
                .filter(m -> named.isEmpty() || named.contains(m.id()))
                .filter(m -> !"false".equalsIgnoreCase(config.find("kessai.providers." + m.id() + ".enabled")))
                .toList();
        if (enabled.isEmpty()) {
            LOG.warn("no payment provider is installed ({} and kessai.providers.<id>.enabled): every payment answers 422 unsupported", ENABLED);
        }
        return enabled;
    }

    /** A module's installed parts agree with its capability table. */
    private static void checkInstalled(ProviderModule module, ProviderModule.Installed installed) {
        String id = module.id();
        if (!id.equals(installed.provider().id())) {
            throw new IllegalStateException("Kessai cannot start: provider module " + id + " installed a provider named "
                    + installed.provider().id() + "; the two ids must be the same.");
        }
        boolean notices = module.capabilities().offers(ProviderOperation.NOTICE);
        if (notices != (installed.webhookVerifier() != null)) {
            throw new IllegalStateException("Kessai cannot start: provider " + id + (notices
                    ? " offers notice in its capability table but installs no webhook verifier: POST /webhooks/" + id
                    + " would have nothing to check notifications with. Return one from install, or take notice out."
                    : " installs a webhook verifier but does not offer notice: its stored notifications would never be"
                    + " confirmed. Add notice to its capabilities and serve direct:kessai-" + id + "-notice."));
        }
        if (!module.capabilities().equals(installed.provider().capabilities())) {
            throw new IllegalStateException("Kessai cannot start: provider " + id
                    + " answers a capability table other than its module's; make them the same table.");
        }
    }

    /**
     * Each provider's circuit as a Camel health check in the context's registry (readiness, group {@code kessai}); the
     * management server shows them. Without camel-health's registry (an embedding application without it) there
     * are none, and the circuits work the same.
     */
    private static void registerHealthChecks(CamelContext context, ProviderCircuits circuits) {
        org.apache.camel.health.HealthCheckRegistry registry = org.apache.camel.health.HealthCheckRegistry.get(context);
        if (registry == null) {
            LOG.info("no Camel health check registry in this context: the provider circuits are not health checks");
            return;
        }
        for (String provider : circuits.providers()) {
            CircuitHealthCheck check = new CircuitHealthCheck(circuits, provider);
            check.setCamelContext(context);
            registry.register(check);
        }
    }

    /**
     * Per method type, where orders that name no provider and match no {@code kessai.routing.rules.<n>} go, with where
     * that comes from: {@code kessai.routing.<type>} when set, else the one installed provider whose capability table
     * routes the type by default.
     */
    static Map<String, Map.Entry<String, String>> routing(Config config, List<ProviderModule> installed) {
        Map<String, Map.Entry<String, String>> routing = new HashMap<>();
        List<String> ids = installed.stream().map(ProviderModule::id).toList();
        for (String type : PaymentOrderReader.METHOD_TYPES) {
            String configured = config.find("kessai.routing." + type);
            if (configured != null) {
                if (!ids.contains(configured)) {
                    LOG.warn("kessai.routing.{} names {}, which is not installed: such orders answer 422 unsupported", type, configured);
                }
                routing.put(type, Map.entry(configured, "kessai.routing." + type));
                continue;
            }
            List<String> defaults = installed.stream()
                    .filter(m -> m.capabilities().routesByDefault().contains(type)).map(ProviderModule::id).toList();
            if (defaults.size() > 1) {
                throw new IllegalStateException("Kessai cannot start: the providers " + String.join(" and ", defaults)
                        + " both take method type " + type + " by default. Set kessai.routing." + type + " to one of them.");
            }
            if (defaults.size() == 1) {
                routing.put(type, Map.entry(defaults.get(0), "the default for " + type
                        + " (" + defaults.get(0) + "'s capability table)"));
            }
        }
        return routing;
    }

    /** Read-only payments for the provider modules. */
    private static PaymentLookup paymentLookup(PaymentStore store) {
        return new PaymentLookup() {
            @Override
            public Optional<PaymentView> find(String paymentId) {
                return store.find(paymentId).map(PaymentView.class::cast);
            }

            @Override
            public Optional<PaymentView> findByProviderRef(String provider, String ref) {
                return store.findByProviderRef(provider, ref).map(PaymentView.class::cast);
            }
        };
    }

    private static JanitorSchedule janitorSchedule(Config config, List<String> providers) {
        Map<String, List<Duration>> schedules = new HashMap<>();
        Map<String, Duration> maxAges = new HashMap<>();
        for (String id : providers) {
            String schedule = config.find("kessai.janitor." + id + ".schedule");
            if (schedule != null) {
                schedules.put(id, JanitorSchedule.parseList("kessai.janitor." + id + ".schedule", schedule));
            }
            String maxAge = config.find("kessai.janitor." + id + ".max-age");
            if (maxAge != null) {
                maxAges.put(id, JanitorSchedule.parse("kessai.janitor." + id + ".max-age", maxAge));
            }
        }
        return new JanitorSchedule(JanitorSchedule.parseList("kessai.janitor.schedule", config.get("kessai.janitor.schedule")),
                JanitorSchedule.parse("kessai.janitor.max-age", config.get("kessai.janitor.max-age")), schedules, maxAges);
    }

    /**
     * Operations: Kessai's meters (in the context's metricsRegistry, which the management port serves at
     * /observe/metrics) and its readiness checks (Camel health checks in the registry, /observe/health).
     */
    private static void observe(CamelContext context, Config config, Database database, Clock clock, List<String> providers,
                                InFlightLimits inFlight, UpstreamCalls upstream, Webhooks webhooks) {
        io.kessai.store.BacklogStore backlog = new io.kessai.store.BacklogStore(database, clock);
        io.kessai.ops.StoreProbe probe = new io.kessai.ops.StoreProbe(backlog);
        closeWithContext(context, probe);
        io.kessai.ops.KessaiMetrics metrics = io.kessai.ops.KessaiMetrics.install(context, providers, inFlight, backlog, probe);
        upstream.metrics(metrics);
        webhooks.metrics(metrics);
        context.getRegistry().bind("kessaiMetrics", metrics);
        Duration lagMax = Duration.ofMillis(config.integer("kessai.health.outbox-lag-max-ms"));
        io.kessai.ops.KessaiHealthChecks.of(context, backlog, probe, lagMax).forEach(check -> context.getRegistry().bind(check.getId(), check));
    }

    /**
     * This replica's name in the shared database (leases and claims): {@code kessai.cluster.node-id}, else the
     * {@code HOSTNAME} environment variable (the pod's name on Kubernetes), with a random suffix, unique for every
     * start (a restarted replica does not inherit what its earlier life held). No name lookup: it may be slow.
     */
    static String nodeId(Config config) {
        String configured = config.find("kessai.cluster.node-id");
        String host = System.getenv("HOSTNAME");
        String base = configured != null ? configured : host != null && !host.isBlank() ? host.trim() : "kessai";
        String id = base + "-" + UUID.randomUUID().toString().substring(0, 8);
        return id.length() <= 100 ? id : id.substring(id.length() - 100);
    }

    /**
     * A provider's concurrency limit is the provider's, for all of Kessai's replicas together: each replica keeps its
     * share of it, the limit divided by {@code kessai.cluster.replicas} (at least one call).
     */
    static ToIntFunction<String> shareOf(ToIntFunction<String> limit, int replicas) {
        return replicas == 1 ? limit : path -> Math.max(1, limit.applyAsInt(path) / replicas);
    }

    /**
     * Every third of a lease, this replica extends the leases and claims it is working under, until the context
     * stops; a replica that dies stops renewing, and its work is taken over once its claims expire.
     */
    private static void renewClaims(CamelContext context, Claims claims, KeyLeases keys, OutboxStore outbox, InboxStore inbox) {
        long every = Math.max(30, claims.lease().toMillis() / 3);
        java.util.concurrent.ScheduledExecutorService renewer = context.getExecutorServiceManager()
                .newSingleThreadScheduledExecutor(Kessai.class, "kessai-claims-renewer");
        renewer.scheduleWithFixedDelay(() -> {
            for (Runnable renew : List.<Runnable>of(keys::renew, outbox::renewClaims, inbox::renewClaims)) {
                try {
                    renew.run();
                } catch (RuntimeException e) {
                    LOG.warn("could not renew this replica's claims (they expire in {} unless renewed): {}",
                            claims.lease(), e.getMessage());
                }
            }
        }, every, every, java.util.concurrent.TimeUnit.MILLISECONDS);
        closeWithContext(context, () -> context.getExecutorServiceManager().shutdownNow(renewer));
    }

    /** camel-quartz keeps its triggers in Kessai's database (JDBC job store, clustered). */
    private static void configureQuartz(CamelContext context, Config config, Database database) {
        org.apache.camel.component.quartz.QuartzComponent quartz =
                context.getComponent("quartz", org.apache.camel.component.quartz.QuartzComponent.class);
        String name = config.get("kessai.scheduler.name");
        quartz.setProperties(QuartzJobStore.properties(name, database.dataSource(),
                database.isPostgres(), config.flag("kessai.scheduler.clustered"),
                config.integer("kessai.scheduler.checkin-interval-ms")));
        closeWithContext(context, () -> QuartzJobStore.forget(name, database.dataSource()));
        quartz.setPrefixInstanceName(false);
        quartz.setInterruptJobsOnShutdown(true);
    }

    static void closeWithContext(CamelContext context, AutoCloseable closeable) {
        try {
            context.addService(new ServiceSupport() {
                @Override
                protected void doStop() throws Exception {
                    closeable.close();
                }
            }, true, true);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String redactUrl(String url) {
        return url.replaceAll("(?i)(password|pass|pwd)=[^;&]*", "$1=***");
    }

    /** Reads Kessai's keys through Camel properties: system properties and environment variables win. */
    static final class Config {
        private final CamelContext context;

        Config(CamelContext context) {
            this.context = context;
        }

        String find(String key) {
            return context.getPropertiesComponent().resolveProperty(key).map(String::trim)
                    .filter(v -> !v.isEmpty()).orElse(null);
        }

        String get(String key) {
            String value = find(key);
            if (value == null) {
                throw new IllegalArgumentException("configuration key " + key + " has no value");
            }
            return value;
        }

        boolean flag(String key) {
            return Boolean.parseBoolean(get(key));
        }

        int integer(String key) {
            try {
                return Integer.parseInt(get(key));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("configuration key " + key + " must be a whole number");
            }
        }

        /** {@code <prefix>.initial-delay-ms} and {@code <prefix>.max-delay-ms}. */
        Backoff backoff(String prefix) {
            return new Backoff(Duration.ofMillis(integer(prefix + ".initial-delay-ms")),
                    Duration.ofMillis(integer(prefix + ".max-delay-ms")));
        }

        List<String> list(String key) {
            String v = find(key);
            return v == null ? List.of() : java.util.Arrays.stream(v.split(",")).map(String::trim)
                    .filter(x -> !x.isEmpty()).toList();
        }
    }
}
