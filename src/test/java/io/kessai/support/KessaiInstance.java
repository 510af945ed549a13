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

    public static KessaiInstance start(TestDatabases.Db db, Map<String, String> settings) {
        int port = freePort();
        Properties p = new Properties();
        p.put("kessai.http.port", String.valueOf(port));
        p.put("kessai.public-base-url", "http://localhost:" + port);
        p.put("kessai.db.url", db.url());
        p.put("kessai.db.user", db.user());
        p.put("kessai.db.password", db.password());
        p.put("kessai.sandbox.gmo-pg.slow-ms", "1500");
        p.put("kessai.providers.gmo-pg.response-timeout-ms", "700");
        p.put("kessai.providers.gmo-pg.retry.initial-delay-ms", "20");
        p.put("kessai.providers.gmo-pg.retry.max-delay-ms", "200");
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

    public CamelContext context() {
        return main.context();
    }

    public GmoSandbox gmoSandbox() {
        return context().getRegistry().lookupByNameAndType("gmoSandbox", GmoSandbox.class);
    }

    public PaymentStore store() {
        return context().getRegistry().lookupByNameAndType("kessaiStore", PaymentStore.class);
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

    private Answer send(HttpRequest request) {
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
