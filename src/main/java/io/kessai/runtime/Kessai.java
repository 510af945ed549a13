package io.kessai.runtime;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kessai.api.JsonBody;
import io.kessai.api.ProblemResponder;
import io.kessai.events.EventFactory;
import io.kessai.events.OutboxRelay;
import io.kessai.payment.JanitorSchedule;
import io.kessai.payment.KeyLocks;
import io.kessai.provider.gmo.GmoWebhookVerifier;
import io.kessai.provider.japanpayment.JapanPaymentAnswers;
import io.kessai.provider.japanpayment.JapanPaymentProvider;
import io.kessai.provider.japanpayment.JapanPaymentRequests;
import io.kessai.provider.japanpayment.JapanPaymentSettings;
import io.kessai.provider.japanpayment.JapanPaymentSignature;
import io.kessai.sandbox.japanpayment.JapanPaymentSandbox;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.RSAPublicKeySpec;
import io.kessai.provider.japanpayment.JapanPaymentWebhookVerifier;
import io.kessai.schedule.Backoff;
import io.kessai.schedule.Janitor;
import io.kessai.schedule.QuartzJobStore;
import io.kessai.schedule.ScheduledCaptures;
import io.kessai.store.InboxStore;
import io.kessai.store.OutboxStore;
import io.kessai.webhook.Webhooks;
import io.kessai.payment.PaymentOrderReader;
import io.kessai.payment.PaymentService;
import io.kessai.payment.StateMachine;
import io.kessai.provider.InFlightLimits;
import io.kessai.provider.Providers;
import io.kessai.provider.UpstreamCalls;
import io.kessai.provider.UpstreamPolicy;
import io.kessai.payment.Reconciliation;
import io.kessai.provider.gmo.GmoAnswers;
import io.kessai.provider.gmo.GmoAuth;
import io.kessai.provider.gmo.GmoCallback;
import io.kessai.provider.gmo.GmoProvider;
import io.kessai.provider.gmo.GmoRequests;
import io.kessai.provider.gmo.GmoSettings;
import io.kessai.sandbox.gmo.GmoSandbox;
import io.kessai.store.Database;
import io.kessai.store.PaymentStore;
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
import java.util.List;
import java.util.Map;

/**
 * Wires Kessai into a CamelContext: its beans, its built-in sandboxes when enabled, and its YAML routes.
 * {@link #install(CamelContext)} is the whole story for an application that embeds Kessai; the standalone
 * runtime ({@link KessaiMain}) binds the same beans and lets camel-main load the same routes.
 */
public final class Kessai {
    private static final Logger LOG = LoggerFactory.getLogger(Kessai.class);
    /** Every Kessai key with its default, on the classpath of the library jar. */
    public static final String DEFAULTS = "classpath:kessai.properties";
    /** The transport-free routes: direct:kessai-* and the relays and schedules. */
    public static final List<String> ROUTES = List.of(
            "routes/errors.camel.yaml", "routes/upstream.camel.yaml", "routes/payments.camel.yaml", "routes/outbox.camel.yaml",
            "routes/inbox.camel.yaml", "routes/schedules.camel.yaml");
    /** The HTTP API and webhook fan-in (REST DSL); they need a platform-http server in the context. */
    public static final List<String> HTTP_ROUTES = List.of("routes/api.camel.yaml", "routes/webhooks.camel.yaml");
    /** Configuration keys whose values camel-main must mask in its start-up summary. */
    public static final String SENSITIVE_KEYWORDS = "shop-pass,shoppass,secret-key,secretkey,private-key,privatekey,"
            + "client-secret,clientsecret,api-key,apikey,webhook-token,webhooktoken,webhook-secret,webhooksecret,"
            + "access-key,accesskey";

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
        bind(context);
        List<Resource> resources = new ArrayList<>();
        for (String route : routes(context, httpApi)) {
            resources.add(PluginHelper.getResourceLoader(context).resolveResource("classpath:" + route));
        }
        PluginHelper.getRoutesLoader(context).loadRoutes(resources);
    }

    /** The route files of a bound context: the core, each installed provider's, and the HTTP API if asked. */
    public static List<String> routes(CamelContext context, boolean httpApi) {
        List<String> routes = new ArrayList<>(ROUTES);
        Providers providers = context.getRegistry().lookupByNameAndType("kessaiProviders", Providers.class);
        providers.installed().forEach(id -> routes.add("routes/providers/" + id + ".camel.yaml"));
        if (httpApi) {
            routes.addAll(HTTP_ROUTES);
        }
        return routes;
    }

    /** Adds Kessai's defaults under whatever the application configured, then binds every bean. */
    public static void bind(CamelContext context) {
        PropertiesComponent pc = context.getPropertiesComponent();
        if (pc.getLocations().stream().noneMatch(l -> l.contains("kessai.properties"))) {
            pc.addLocation(DEFAULTS);
        }
        Config config = new Config(context);

        ObjectMapper json = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                // Money never passes through a binary float, not even while parsing a provider's answer.
                .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        Clock clock = Clock.systemUTC();
        ZoneId zone = ZoneId.of(config.get("kessai.time-zone"));

        if (config.flag("kessai.sandbox.enabled")) {
            startSandboxes(context, config);
        }

        Database database = new Database(config.get("kessai.db.url"), config.get("kessai.db.user"),
                java.util.Objects.requireNonNullElse(config.find("kessai.db.password"), ""), config.integer("kessai.db.pool-size"));
        closeWithContext(context, database);
        PaymentStore store = new PaymentStore(database, json, clock);

        GmoSettings gmo = GmoSettings.from(config::find, config.get("kessai.public-base-url"));
        Providers providers = new Providers(config.routing());
        providers.register(new GmoProvider(gmo, clock));
        JapanPaymentSettings japanPayment = JapanPaymentSettings.from(config::find, config.get("kessai.public-base-url"));
        if (japanPayment != null) {
            providers.register(new JapanPaymentProvider());
        }

        JanitorSchedule janitorSchedule = janitorSchedule(config, providers);
        StateMachine stateMachine = new StateMachine(store, json, new EventFactory(json, zone), janitorSchedule);
        int japanPaymentInFlight = config.integer("kessai.providers.japan-payment.in-flight");
        InFlightLimits inFlight = new InFlightLimits(
                Map.of("gmo-pg", gmo::limitOf, "japan-payment", path -> japanPaymentInFlight),
                Duration.ofMillis(config.integer("kessai.in-flight.queue-timeout-ms")));
        UpstreamPolicy.Registry policies = new UpstreamPolicy.Registry(config::find);
        providers.installed().forEach(policies::of);
        UpstreamCalls upstream = new UpstreamCalls(store, inFlight, policies);
        Duration inFlightGrace = Duration.ofMillis(config.integer("kessai.janitor.in-flight-grace-ms"));
        Reconciliation reconciliation = new Reconciliation(store, stateMachine, janitorSchedule, inFlightGrace);
        PaymentService payments = new PaymentService(store, providers,
                new PaymentOrderReader(json, clock), stateMachine, json,
                new KeyLocks(Duration.ofMillis(config.integer("kessai.in-flight.queue-timeout-ms"))), zone,
                reconciliation, janitorSchedule);

        var registry = context.getRegistry();
        registry.bind("kessaiJson", json);
        registry.bind("kessaiDatabase", database);
        registry.bind("kessaiStore", store);
        registry.bind("kessaiPayments", payments);
        registry.bind("kessaiStateMachine", stateMachine);
        registry.bind("kessaiProviders", providers);
        registry.bind("kessaiInFlight", inFlight);
        registry.bind("kessaiUpstream", upstream);
        registry.bind("kessaiProblems", new ProblemResponder(json));
        registry.bind("kessaiJsonBody", new JsonBody());
        registry.bind("gmoSettings", gmo);
        registry.bind("gmoRequests", new GmoRequests(gmo, json));
        registry.bind("gmoAnswers", new GmoAnswers(json));
        GmoAuth auth = new GmoAuth(gmo, json, clock);
        auth.setCamelContext(context);
        registry.bind("gmoAuth", auth);
        registry.bind("gmoCallback", new GmoCallback(store, json));
        Map<String, io.kessai.webhook.WebhookVerifier> verifiers = new java.util.HashMap<>();
        verifiers.put("gmo-pg", new GmoWebhookVerifier(json, store, config.list("kessai.providers.gmo-pg.webhook.allowed-cidrs")));
        if (japanPayment != null) {
            registry.bind("japanPaymentSettings", japanPayment);
            registry.bind("japanPaymentRequests", new JapanPaymentRequests(japanPayment, json));
            registry.bind("japanPaymentAnswers", new JapanPaymentAnswers(japanPayment, json));
            verifiers.put("japan-payment", new JapanPaymentWebhookVerifier(japanPayment, json));
        }

        OutboxStore outbox = new OutboxStore(database, clock);
        registry.bind("kessaiOutboxStore", outbox);
        registry.bind("kessaiOutbox", new OutboxRelay(outbox, config.backoff("kessai.events.retry"),
                config.integer("kessai.events.batch-size")));
        InboxStore inbox = new InboxStore(database, clock);
        registry.bind("kessaiInbox", inbox);
        registry.bind("kessaiWebhooks", new Webhooks(verifiers, inbox, store, stateMachine, config.integer("kessai.webhooks.max-body-bytes"),
                config.backoff("kessai.webhooks.retry"), config.integer("kessai.webhooks.batch-size"),
                config.integer("kessai.webhooks.confirm-attempts")));
        registry.bind("kessaiJanitor", new Janitor(store, stateMachine, janitorSchedule, reconciliation,
                config.integer("kessai.janitor.batch-size"), inFlightGrace));
        registry.bind("kessaiScheduledCaptures", new ScheduledCaptures(store, config.backoff("kessai.captures.retry"),
                config.integer("kessai.captures.batch-size")));
        configureQuartz(context, config, database);
        // HttpClient 5 would otherwise re-send a POST by itself after a 503 or 429 (once, or after
        // Retry-After): a payment call must be retried only where the provider allows, with the same key,
        // and a refused event delivery must count as one relay attempt.
        context.getComponent("http", org.apache.camel.component.http.HttpComponent.class).setAutomaticRetriesDisabled(true);
        context.getComponent("https", org.apache.camel.component.http.HttpComponent.class).setAutomaticRetriesDisabled(true);
        LOG.info("Kessai bound: store {}, providers {}", redactUrl(config.get("kessai.db.url")), providers.installed());
    }

    private static JanitorSchedule janitorSchedule(Config config, Providers providers) {
        Map<String, List<Duration>> schedules = new java.util.HashMap<>();
        Map<String, Duration> maxAges = new java.util.HashMap<>();
        for (String id : PaymentOrderReader.PROVIDERS) {
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

    /** camel-quartz keeps its triggers in Kessai's database (JDBC job store, clustered). */
    private static void configureQuartz(CamelContext context, Config config, Database database) {
        org.apache.camel.component.quartz.QuartzComponent quartz =
                context.getComponent("quartz", org.apache.camel.component.quartz.QuartzComponent.class);
        String name = config.get("kessai.scheduler.name");
        quartz.setProperties(QuartzJobStore.properties(name, database.dataSource(),
                database.isPostgres(), config.flag("kessai.scheduler.clustered")));
        closeWithContext(context, () -> QuartzJobStore.forget(name, database.dataSource()));
        quartz.setPrefixInstanceName(false);
        quartz.setInterruptJobsOnShutdown(true);
    }

    private static void startSandboxes(CamelContext context, Config config) {
        GmoSandbox.Settings settings = GmoSandbox.Settings.defaults(
                        config.get("kessai.sandbox.gmo-pg.shop-id"), config.get("kessai.sandbox.gmo-pg.shop-pass"))
                .withPort(config.integer("kessai.sandbox.gmo-pg.port"))
                .withSlowTime(Duration.ofMillis(config.integer("kessai.sandbox.gmo-pg.slow-ms")))
                .withProcessingTime(Duration.ofMillis(config.integer("kessai.sandbox.gmo-pg.processing-ms")));
        GmoSandbox sandbox = new GmoSandbox(settings).start();
        closeWithContext(context, sandbox);
        context.getRegistry().bind("gmoSandbox", sandbox);
        context.getPropertiesComponent().addOverrideProperty("kessai.providers.gmo-pg.base-url", sandbox.baseUrl());
        context.getPropertiesComponent().addOverrideProperty("kessai.providers.gmo-pg.token-url", sandbox.tokenUrl());
        LOG.info("GMO PG sandbox listening on {}", sandbox.baseUrl());
        startJapanPaymentSandbox(context, config);
    }

    /**
     * The Japan Payment sandbox verifies Kessai's signatures with Kessai's public key and signs with its own.
     * Without a configured private key Kessai makes a key pair for this run (never written anywhere).
     */
    private static void startJapanPaymentSandbox(CamelContext context, Config config) {
        String key = "kessai.providers.japan-payment.private-key";
        PublicKey merchantPublic;
        try {
            String configured = config.find(key);
            if (configured == null) {
                KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
                generator.initialize(2048);
                KeyPair pair = generator.generateKeyPair();
                context.getPropertiesComponent().addOverrideProperty(key,
                        JapanPaymentSignature.pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
                merchantPublic = pair.getPublic();
            } else {
                RSAPrivateCrtKey privateKey = (RSAPrivateCrtKey) JapanPaymentSignature.privateKey(configured, key);
                merchantPublic = KeyFactory.getInstance("RSA").generatePublic(
                        new RSAPublicKeySpec(privateKey.getModulus(), privateKey.getPublicExponent()));
            }
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new IllegalArgumentException(key + " must be an RSA private key (PKCS#8 PEM with CRT parameters)", e);
        }
        JapanPaymentSandbox.Settings settings = JapanPaymentSandbox.Settings.defaults(
                        Long.parseLong(config.get("kessai.providers.japan-payment.app-id-jpy")),
                        Long.parseLong(config.get("kessai.providers.japan-payment.app-id-usd")))
                .withPort(config.integer("kessai.sandbox.japan-payment.port"))
                .withSignAlgorithm(config.get("kessai.providers.japan-payment.sign-algorithm"))
                .withNotifyRetryInterval(Duration.ofMillis(config.integer("kessai.sandbox.japan-payment.notify-retry-interval-ms")));
        JapanPaymentSandbox sandbox = new JapanPaymentSandbox(settings, merchantPublic).start();
        closeWithContext(context, sandbox);
        context.getRegistry().bind("japanPaymentSandbox", sandbox);
        context.getPropertiesComponent().addOverrideProperty("kessai.providers.japan-payment.base-url", sandbox.baseUrl());
        context.getPropertiesComponent().addOverrideProperty("kessai.providers.japan-payment.provider-public-key",
                sandbox.publicKeyPem());
        LOG.info("Japan Payment sandbox listening on {}", sandbox.baseUrl());
    }

    private static void closeWithContext(CamelContext context, AutoCloseable closeable) {
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

        /** {@code kessai.routing.<method-type>}: the provider for orders that name none. */
        Map<String, String> routing() {
            Map<String, String> map = new java.util.HashMap<>();
            for (String type : PaymentOrderReader.METHOD_TYPES) {
                String v = find("kessai.routing." + type);
                if (v != null) {
                    map.put(type, v);
                }
            }
            return map;
        }
    }
}
