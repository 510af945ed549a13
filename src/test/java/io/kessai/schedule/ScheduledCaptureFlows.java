package io.kessai.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.events.OutboxEvent;
import io.kessai.sandbox.gmo.GmoSandbox;
import io.kessai.support.KessaiInstance;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Scheduled captures ({@code capture.mode: scheduled}) on one store, against a GMO sandbox that outlives the Kessai
 * instances (as the real provider would). The subclasses run the same behaviour on H2 and on PostgreSQL.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class ScheduledCaptureFlows {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ZoneOffset TOKYO = ZoneOffset.ofHours(9);
    /** Slow enough backoff to be measured between attempts: 200 ms, 400 ms, 800 ms, 800 ms, ... */
    private static final Map<String, String> BACKOFF = Map.of(
            "kessai.captures.retry.initial-delay-ms", "200",
            "kessai.captures.retry.max-delay-ms", "800");

    GmoSandbox gmo;
    TestDatabases.Db db;
    /** The Kessai running after the restart; the failure case reuses it. */
    KessaiInstance kessai;

    abstract TestDatabases.Db database();

    @BeforeAll
    void startTheProvider() {
        db = database();
        gmo = new GmoSandbox(GmoSandbox.Settings.defaults("tshop00000001", "sandbox-pass")).start();
    }

    @AfterAll
    void stop() {
        if (kessai != null) {
            kessai.close();
        }
        if (gmo != null) {
            gmo.close();
        }
    }

    private KessaiInstance kessai() {
        if (kessai == null) {
            kessai = KessaiInstance.startWith(gmo, db, BACKOFF);
        }
        return kessai;
    }

    private static ObjectNode scheduledAt(OffsetDateTime at) {
        ObjectNode order = Orders.gmoCard("tok_visa");
        order.putObject("capture").put("mode", "scheduled").put("at", DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(at));
        return order;
    }

    /** The sandbox's /order/capture requests made for this payment (by the upstream keys of its capture operations). */
    private static List<GmoSandbox.RecordedRequest> captureRequests(GmoSandbox gmo, KessaiInstance kessai, String id) {
        Set<String> keys = kessai.store().operationKeys(id).stream().filter(k -> k.startsWith("capture:"))
                .map(k -> k.split(":")[1]).collect(Collectors.toSet());
        return gmo.requests().stream().filter(r -> r.path().equals("/order/capture"))
                .filter(r -> keys.contains(r.idempotencyKey())).toList();
    }

    private static long captureCalls(GmoSandbox gmo) {
        return gmo.requests().stream().filter(r -> r.path().equals("/order/capture")).count();
    }

    @Test
    @Order(1)
    void scheduledCaptureIsDoneOnceByTheNextKessaiAfterARestart() {
        OffsetDateTime at;
        String atText;
        String id;
        long capturesBefore = captureCalls(gmo);
        try (KessaiInstance first = KessaiInstance.startWith(gmo, db, Map.of())) {
            // due a few seconds after the first Kessai is up (however long its start took on a busy machine)
            at = OffsetDateTime.now(TOKYO).plusSeconds(4).truncatedTo(ChronoUnit.MILLIS);
            atText = DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(at);
            var created = first.post("/payments", Orders.json(scheduledAt(at)));
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            assertThat(created.text("status")).isEqualTo("authorized");
            assertThat(created.json().path("capture").path("mode").asText()).isEqualTo("scheduled");
            assertThat(created.json().path("capture").path("at").asText()).isEqualTo(atText);
            id = created.text("paymentId");
        }
        // Stopped before the capture was due: nothing was captured by the first Kessai.
        assertThat(OffsetDateTime.now(TOKYO)).isBefore(at);
        assertThat(captureCalls(gmo)).isEqualTo(capturesBefore);

        KessaiInstance second = kessai();
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(50))
                .until(() -> "captured".equals(second.get("/payments/" + id).text("status")));
        var captured = second.get("/payments/" + id);
        assertThat(captured.text("capturedAmount")).isEqualTo("1000");
        assertThat(captured.json().path("capture").path("at").asText()).isEqualTo(atText);
        assertThat(OffsetDateTime.now(TOKYO)).isAfterOrEqualTo(at);
        assertThat(second.store().transitions(id)).filteredOn(t -> t.applied())
                .extracting(t -> t.to() + "/" + t.source())
                .containsExactly("pending/api", "authorized/api", "captured/schedule");
        List<JsonNode> events = events(second, id);
        assertThat(events).extracting(e -> e.path("type").asText())
                .containsExactly("payment.pending", "payment.authorized", "payment.captured");
        assertThat(events.get(2).path("source").asText()).isEqualTo("schedule");
        assertThat(captureRequests(gmo, second, id)).extracting(GmoSandbox.RecordedRequest::status).containsExactly(201);
        assertThat(captureCalls(gmo)).isEqualTo(capturesBefore + 1);

        // It stays captured, with no second capture, over many more scheduler passes (every 100 ms).
        await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50))
                .until(() -> "captured".equals(second.get("/payments/" + id).text("status"))
                        && captureCalls(gmo) == capturesBefore + 1);
        assertThat(second.store().dueCaptures(OffsetDateTime.now(ZoneOffset.UTC).plusYears(1), 1000)).doesNotContain(id);
    }

    /**
     * The provider refuses the capture (the order was cancelled at GMO behind Kessai's back: 400 invalid_status):
     * the scheduled capture is tried again and again with exponential backoff, every attempt is recorded, and the
     * payment is never silently dropped from the schedule nor marked captured.
     */
    @Test
    @Order(2)
    void scheduledCaptureRefusedByTheProviderIsRetriedWithBackoffAndStaysScheduled() throws Exception {
        KessaiInstance k = kessai();
        OffsetDateTime at = OffsetDateTime.now(TOKYO).plusSeconds(1).truncatedTo(ChronoUnit.MILLIS);
        var created = k.post("/payments", Orders.json(scheduledAt(at)));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.text("status")).isEqualTo("authorized");
        String id = created.text("paymentId");
        cancelAtTheProvider(created.json().path("providerRef").path("id").asText());

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> k.store().captureAttempts(id) >= 4);

        assertThat(captureRequests(gmo, k, id)).allSatisfy(r -> {
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.title()).isEqualTo("invalid_status");
        });
        assertThat(k.get("/payments/" + id).text("status")).isEqualTo("authorized");
        assertThat(events(k, id)).extracting(e -> e.path("type").asText())
                .containsExactly("payment.pending", "payment.authorized");
        assertThat(k.store().captureAttempts(id)).isGreaterThanOrEqualTo(4);
        assertThat(k.store().dueCaptures(OffsetDateTime.now(ZoneOffset.UTC).plusYears(1), 1000))
                .as("still scheduled").contains(id);
        assertThat(k.store().operationKeys(id)).filteredOn(o -> o.startsWith("capture:"))
                .allMatch(o -> o.endsWith(":failed"));

        // Exponential backoff: 200 ms, 400 ms, 800 ms at least between the attempts.
        List<OffsetDateTime> times = captureAttemptTimes(k, id);
        assertThat(times).hasSizeGreaterThanOrEqualTo(4);
        long[] minimum = {200, 400, 800};
        for (int i = 0; i < 3; i++) {
            long gap = Duration.between(times.get(i), times.get(i + 1)).toMillis();
            assertThat(gap).as("wait before capture attempt %d", i + 2).isGreaterThanOrEqualTo(minimum[i] - 15);
        }
    }

    /**
     * Many captures due at one moment: one pass takes them batch after batch (batch size 4 here) and captures each
     * batch on several threads at once, and every payment is captured exactly once.
     */
    @Test
    @Order(3)
    void manyCapturesDueAtOnceAreCapturedInParallelBatchesEachExactlyOnce() throws java.sql.SQLException {
        Map<String, String> settings = new java.util.HashMap<>(BACKOFF);
        settings.put("kessai.captures.batch-size", "4");
        settings.put("kessai.captures.parallelism", "4");
        long capturesBefore = captureCalls(gmo);
        try (KessaiInstance k = KessaiInstance.startWith(gmo, db, settings)) {
            // Authorized for a capture an hour away, then all made due at this moment (however long the
            // authorizations took on a busy machine).
            OffsetDateTime at = OffsetDateTime.now(TOKYO).plusHours(1).truncatedTo(ChronoUnit.MILLIS);
            List<String> ids = new java.util.ArrayList<>();
            for (int i = 0; i < 12; i++) {
                var created = k.post("/payments", Orders.json(scheduledAt(at)));
                assertThat(created.status()).as(created.body()).isEqualTo(201);
                ids.add(created.text("paymentId"));
            }
            assertThat(captureCalls(gmo)).isEqualTo(capturesBefore);
            try (java.sql.Connection c = java.sql.DriverManager.getConnection(db.url(), db.user(), db.password());
                 java.sql.PreparedStatement due = c.prepareStatement(
                         "UPDATE payments SET capture_due_at = ? WHERE payment_id = ?")) {
                for (String id : ids) {
                    due.setObject(1, OffsetDateTime.now(ZoneOffset.UTC).minusSeconds(1));
                    due.setString(2, id);
                    assertThat(due.executeUpdate()).isEqualTo(1);
                }
            }
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).until(() ->
                    ids.stream().allMatch(id -> "captured".equals(k.get("/payments/" + id).text("status"))));
            for (String id : ids) {
                assertThat(captureRequests(gmo, k, id)).as(id).extracting(GmoSandbox.RecordedRequest::status)
                        .containsExactly(201);
            }
            assertThat(gmo.maxInFlight("/order/capture")).as("captures made at once").isGreaterThan(1);
        }
    }

    private void cancelAtTheProvider(String accessId) throws IOException, InterruptedException {
        String basic = Base64.getEncoder().encodeToString((gmo.settings().shopId() + ":" + gmo.settings().shopPass())
                .getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(gmo.baseUrl() + "/order/cancel"))
                .header("Authorization", "Basic " + basic).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"accessId\":\"" + accessId + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    private static List<JsonNode> events(KessaiInstance k, String id) {
        List<JsonNode> events = new ArrayList<>();
        for (OutboxEvent e : k.outbox().events(id)) {
            try {
                events.add(JSON.readTree(e.payload()));
            } catch (IOException ex) {
                throw new IllegalStateException(ex);
            }
        }
        return events;
    }

    private static List<OffsetDateTime> captureAttemptTimes(KessaiInstance k, String id) throws SQLException {
        try (Connection c = k.store().database().dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT attempted_at FROM upstream_attempts"
                     + " WHERE payment_id = ? AND operation LIKE '%capture%' ORDER BY id")) {
            ps.setString(1, id);
            List<OffsetDateTime> times = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    times.add(rs.getObject(1, OffsetDateTime.class));
                }
            }
            return times;
        }
    }
}
