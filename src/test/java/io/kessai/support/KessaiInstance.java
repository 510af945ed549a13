package io.kessai.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kessai.runtime.KessaiMain;
import io.kessai.sandbox.gmo.GmoSandbox;
import io.kessai.store.PaymentStore;
import org.apache.camel.CamelContext;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

/**
 * A whole Kessai (camel-main, HTTP API, built-in GMO sandbox) on a free port, for tests that go through
 * the public doors. Settings are Kessai's configuration keys.
 */
public final class KessaiInstance implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final KessaiMain main;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();

    private KessaiInstance(KessaiMain main, int port) {
        this.main = main;
        this.port = port;
    }

    private static final java.util.concurrent.atomic.AtomicInteger INSTANCES = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * Kessai talking to a GMO sandbox the test started itself (so that the provider's state survives a
     * restart of Kessai, as a real provider's would).
     */
    public static KessaiInstance startWith(GmoSandbox sandbox, TestDatabases.Db db, Map<String, String> settings) {
        Map<String, String> all = new java.util.HashMap<>();
        all.put("kessai.sandbox.enabled", "false");
        // Only GMO is pointed at a provider here; every other module would miss its base URL and keys.
        all.put("kessai.providers.enabled", "gmo-pg");
        all.put("kessai.providers.gmo-pg.base-url", sandbox.baseUrl());
        all.put("kessai.providers.gmo-pg.token-url", sandbox.tokenUrl());
        all.put("kessai.providers.gmo-pg.shop-id", sandbox.settings().shopId());
        all.put("kessai.providers.gmo-pg.shop-pass", sandbox.settings().shopPass());
        all.putAll(settings);
        return start(db, all);
    }

    /** Kessai on a free port, or on {@code kessai.http.port} when the settings name one (a restart on the same port). */
    public static KessaiInstance start(TestDatabases.Db db, Map<String, String> settings) {
        int port = settings.containsKey("kessai.http.port") ? Integer.parseInt(settings.get("kessai.http.port")) : freePort();
        Properties p = new Properties();
        p.put("kessai.http.port", String.valueOf(port));
        p.put("kessai.public-base-url", "http://localhost:" + port);
        p.put("kessai.db.url", db.url());
        p.put("kessai.db.user", db.user());
        p.put("kessai.db.password", db.password());
        p.put("kessai.sandbox.gmo-pg.slow-ms", "4000");
        p.put("kessai.providers.gmo-pg.response-timeout-ms", "2500");
        p.put("kessai.providers.gmo-pg.retry.initial-delay-ms", "20");
        p.put("kessai.providers.gmo-pg.retry.max-delay-ms", "200");
        // The asynchronous half, fast: relays, inbox and schedules every few tens of milliseconds.
        p.put("kessai.events.relay-period-ms", "50");
        p.put("kessai.events.retry.initial-delay-ms", "50");
        p.put("kessai.events.retry.max-delay-ms", "200");
        p.put("kessai.webhooks.process-period-ms", "50");
        p.put("kessai.webhooks.retry.initial-delay-ms", "50");
        p.put("kessai.webhooks.retry.max-delay-ms", "200");
        p.put("kessai.janitor.interval-ms", "100");
        p.put("kessai.janitor.schedule", "200ms");
        p.put("kessai.captures.interval-ms", "100");
        p.put("kessai.captures.retry.initial-delay-ms", "50");
        p.put("kessai.captures.retry.max-delay-ms", "200");
        p.put("kessai.scheduler.name", "kessai-test-" + INSTANCES.incrementAndGet());
        p.put("kessai.sandbox.japan-payment.notify-retry-interval-ms", "100");
        p.put("kessai.providers.payjp.retry.initial-delay-ms", "20");
        p.put("kessai.providers.payjp.retry.max-delay-ms", "200");
        p.put("kessai.sandbox.payjp.webhook-retry-interval-ms", "200");
        // The management server (Jolokia) on a free port of its own: tests that use it name one.
        p.put("kessai.management.port", "0");
        p.putAll(settings);
        try {
            return new KessaiInstance(new KessaiMain(p).start(), port);
        } catch (Exception e) {
            throw new IllegalStateException("Kessai did not start", e);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public String baseUrl() {
        return "http://localhost:" + port;
    }

    /** The management server (Jolokia at /observe/jolokia), on the kessai.management.port the test named. */
    public String managementUrl() {
        String managementPort = context().resolvePropertyPlaceholders("{{kessai.management.port}}");
        if ("0".equals(managementPort)) {
            throw new IllegalStateException("start Kessai with a kessai.management.port to reach its management server");
        }
        return "http://127.0.0.1:" + managementPort;
    }

    public CamelContext context() {
        return main.context();
    }

    public GmoSandbox gmoSandbox() {
        return context().getRegistry().lookupByNameAndType("gmoSandbox", GmoSandbox.class);
    }

    public io.kessai.sandbox.japanpayment.JapanPaymentSandbox japanPaymentSandbox() {
        return context().getRegistry().lookupByNameAndType("japanPaymentSandbox",
                io.kessai.sandbox.japanpayment.JapanPaymentSandbox.class);
    }

    public io.kessai.sandbox.payjp.PayjpSandbox payjpSandbox() {
        return context().getRegistry().lookupByNameAndType("payjpSandbox", io.kessai.sandbox.payjp.PayjpSandbox.class);
    }

    public PaymentStore store() {
        return context().getRegistry().lookupByNameAndType("kessaiStore", PaymentStore.class);
    }

    public io.kessai.store.OutboxStore outbox() {
        return context().getRegistry().lookupByNameAndType("kessaiOutboxStore", io.kessai.store.OutboxStore.class);
    }

    public io.kessai.store.InboxStore inbox() {
        return context().getRegistry().lookupByNameAndType("kessaiInbox", io.kessai.store.InboxStore.class);
    }

    /** POSTs a webhook as a provider would (raw JSON body). */
    public Answer webhook(String provider, String body) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl() + "/webhooks/" + provider))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    public Answer post(String path, String json) {
        return post(path, json, null);
    }

    public Answer post(String path, String json, String idempotencyKey) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl() + path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (idempotencyKey != null) {
            b.header("Idempotency-Key", idempotencyKey);
        }
        return send(b.build());
    }

    public Answer get(String pathOrUrl) {
        String url = pathOrUrl.startsWith("http") ? pathOrUrl : baseUrl() + pathOrUrl;
        return send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build());
    }

    /** Sends any request to Kessai (for tests that need headers the helpers above do not set). */
    public Answer send(HttpRequest request) {
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body(), r.headers().firstValue("Content-Type").orElse(null),
                    r.headers().firstValue("Location").orElse(null));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** An HTTP answer with its JSON body parsed on demand. */
    public record Answer(int status, String body, String contentType, String location) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException("not JSON: " + body, e);
            }
        }

        public String text(String field) {
            JsonNode v = json().get(field);
            return v == null || v.isNull() ? null : v.asText();
        }
    }

    @Override
    public void close() {
        try {
            main.stop();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
