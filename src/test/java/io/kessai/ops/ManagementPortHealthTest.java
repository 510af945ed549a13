package io.kessai.ops;

import com.fasterxml.jackson.databind.JsonNode;
import io.kessai.support.EventSink;
import io.kessai.support.KessaiInstance;
import io.kessai.support.KessaiInstance.Answer;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import org.h2.tools.Server;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code /observe/health} on the management port: Kessai's readiness checks (store, Quartz scheduler, outbox lag)
 * beside Camel's own, 200 while ready, 503 while the store is down (an H2 server the test stops and starts again) or
 * while events wait longer than {@code kessai.health.outbox-lag-max-ms} (an event sink that refuses), and ready
 * again once the cause is gone. Liveness does not depend on the store.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ManagementPortHealthTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    Path dir;
    Server h2;
    int h2Port;
    EventSink sink;
    KessaiInstance kessai;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        this.dir = dir;
        h2Port = freePort();
        startStore();
        sink = new EventSink();
        kessai = KessaiInstance.start(new TestDatabases.Db("jdbc:h2:tcp://127.0.0.1:" + h2Port + "/kessai", "sa", ""), Map.of(
                "kessai.management.enabled", "true",
                "kessai.providers.enabled", "gmo-pg",
                "kessai.events.uri", sink.uri(),
                "kessai.health.outbox-lag-max-ms", "1000"));
    }

    @AfterAll
    void stop() {
        if (kessai != null) {
            kessai.close();
        }
        if (sink != null) {
            sink.close();
        }
        if (h2 != null) {
            h2.stop();
        }
    }

    @Test
    void notReadyWhileTheStoreIsDownAndReadyAgainOnceItIsBack() throws Exception {
        JsonNode ready = awaitHealth("/observe/health", 200);
        assertThat(check(ready, "kessai-store").path("status").asText()).isEqualTo("UP");
        assertThat(check(ready, "kessai-scheduler").path("status").asText()).isEqualTo("UP");
        assertThat(check(ready, "kessai-outbox").path("status").asText()).isEqualTo("UP");
        assertThat(check(ready, "context").path("status").asText()).as("Camel's own checks too").isEqualTo("UP");

        h2.stop();
        try {
            JsonNode down = awaitHealth("/observe/health", 503);
            assertThat(down.path("status").asText()).isEqualTo("DOWN");
            assertThat(check(down, "kessai-store").path("status").asText()).isEqualTo("DOWN");
            assertThat(check(down, "kessai-store").path("message").asText()).contains("store");
            assertThat(status("/observe/health/ready")).isEqualTo(503);
            assertThat(status("/observe/health/live")).as("a store that is down does not make Kessai dead").isEqualTo(200);
        } finally {
            startStore();
        }
        JsonNode back = awaitHealth("/observe/health", 200);
        assertThat(check(back, "kessai-store").path("status").asText()).isEqualTo("UP");
        assertThat(status("/observe/health/ready")).isEqualTo(200);
    }

    @Test
    void notReadyWhileEventsWaitLongerThanTheOutboxBoundAndReadyAgainOnceDelivered() {
        awaitHealth("/observe/health/ready", 200);
        sink.down(true);
        try {
            Answer paid = kessai.post("/payments", Orders.gmoCard("tok_visa").toString());
            assertThat(paid.status()).as(paid.body()).isEqualTo(201);
            JsonNode lagging = awaitHealth("/observe/health/ready", 503);
            JsonNode outbox = check(lagging, "kessai-outbox");
            assertThat(outbox.path("status").asText()).isEqualTo("DOWN");
            assertThat(outbox.path("message").asText()).contains("kessai.health.outbox-lag-max-ms").contains("kessai.events.uri");
        } finally {
            sink.down(false);
        }
        JsonNode delivered = awaitHealth("/observe/health/ready", 200);
        assertThat(check(delivered, "kessai-outbox").path("status").asText()).isEqualTo("UP");
        assertThat(sink.received()).isNotEmpty();
    }

    @Test
    void aCheckRegisteredInCamelsHealthRegistryShowsAndDecidesReadiness() {
        java.util.concurrent.atomic.AtomicBoolean open = new java.util.concurrent.atomic.AtomicBoolean();
        org.apache.camel.impl.health.AbstractHealthCheck breaker = new org.apache.camel.impl.health.AbstractHealthCheck(
                "test", "test-circuit") {
            @Override
            protected void doCall(org.apache.camel.health.HealthCheckResultBuilder builder, Map<String, Object> options) {
                if (open.get()) {
                    builder.message("the circuit is open").down();
                } else {
                    builder.up();
                }
            }
        };
        org.apache.camel.health.HealthCheckRegistry registry = org.apache.camel.health.HealthCheckRegistry.get(kessai.context());
        registry.register(breaker);
        try {
            assertThat(check(awaitHealth("/observe/health/ready", 200), "test-circuit").path("status").asText()).isEqualTo("UP");
            open.set(true);
            JsonNode down = awaitHealth("/observe/health/ready", 503);
            assertThat(check(down, "test-circuit").path("message").asText()).isEqualTo("the circuit is open");
        } finally {
            registry.unregister(breaker);
        }
        awaitHealth("/observe/health/ready", 200);
    }

    private void startStore() throws SQLException {
        h2 = Server.createTcpServer("-tcpPort", String.valueOf(h2Port), "-ifNotExists", "-baseDir", dir.toString()).start();
    }

    private JsonNode awaitHealth(String path, int status) {
        Answer answer = await().atMost(WAIT).pollInterval(Duration.ofMillis(200))
                .until(() -> kessai.get(kessai.managementUrl() + path), a -> a.status() == status);
        return answer.json();
    }

    private int status(String path) {
        return kessai.get(kessai.managementUrl() + path).status();
    }

    private static JsonNode check(JsonNode health, String name) {
        for (JsonNode check : health.path("checks")) {
            if (name.equals(check.path("name").asText())) {
                return check;
            }
        }
        throw new AssertionError("no check " + name + " in " + health);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
