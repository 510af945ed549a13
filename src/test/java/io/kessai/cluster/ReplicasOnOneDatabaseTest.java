package io.kessai.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.sandbox.gmo.GmoSandbox;
import io.kessai.support.EventSink;
import io.kessai.support.KessaiInstance;
import io.kessai.support.KessaiInstance.Answer;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two Kessai replicas (two CamelContexts, each with its own in-JVM locks, node id and relays) on one PostgreSQL
 * database and one GMO sandbox: what one replica does, the other must see through the database alone. The GMO sandbox
 * holds the first replica's answer ({@link GmoSandbox#holdNextAnswer}) until the second replica's request is in
 * flight, so that the two really are at the same key at the same time.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplicasOnOneDatabaseTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private TestDatabases.Db db;
    private GmoSandbox gmo;
    private EventSink sink;
    private KessaiInstance a;
    private KessaiInstance b;
    private final ExecutorService clients = Executors.newCachedThreadPool();

    @BeforeAll
    void start() {
        gmo = new GmoSandbox(GmoSandbox.Settings.defaults("tshop00000001", "sandbox-pass")).start();
        sink = new EventSink();
        db = TestDatabases.postgres();
        Map<String, String> settings = Map.of("kessai.events.uri", sink.uri(),
                // held answers take a while: they must not turn into lost ones
                "kessai.providers.gmo-pg.response-timeout-ms", "30000",
                "kessai.janitor.schedule", "1h", "kessai.scheduler.name", "kessai-replicas-one-db");
        a = KessaiInstance.startWith(gmo, db, with(settings, "kessai.cluster.node-id", "replica-a"));
        b = KessaiInstance.startWith(gmo, db, with(settings, "kessai.cluster.node-id", "replica-b"));
    }

    private static Map<String, String> with(Map<String, String> settings, String key, String value) {
        Map<String, String> all = new HashMap<>(settings);
        all.put(key, value);
        return all;
    }

    @AfterAll
    void stop() throws Exception {
        clients.shutdownNow();
        clients.awaitTermination(10, TimeUnit.SECONDS);
        for (AutoCloseable c : new AutoCloseable[] {a, b, gmo, sink}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    void samePaymentAtTwoReplicasAtOnceIsChargedOnceAndTheSecondWaitsForTheFirstsAnswer() throws Exception {
        ObjectNode order = Orders.gmoCard("tok_visa");
        String orderId = order.path("orderId").asText();
        String key = "same-" + orderId;
        GmoSandbox.Hold hold = gmo.holdNextAnswer("/credit/charge", orderId);
        CompletableFuture<Answer> first = async(() -> a.post("/payments", order.toString(), key));
        assertThat(hold.awaitHeld(WAIT)).as("replica A's charge reached GMO").isTrue();

        CompletableFuture<Answer> second = async(() -> b.post("/payments", order.toString(), key));
        awaitInFlight(b);
        assertThat(second).as("replica B answers only once A's charge is answered").isNotDone();
        hold.release();

        Answer one = first.get(30, TimeUnit.SECONDS);
        Answer two = second.get(30, TimeUnit.SECONDS);
        assertThat(one.status()).as(one.body()).isEqualTo(201);
        assertThat(two.status()).as(two.body()).isEqualTo(200);
        assertThat(two.text("paymentId")).isEqualTo(one.text("paymentId"));
        assertThat(two.text("status")).isEqualTo("captured").isEqualTo(one.text("status"));
        assertThat(gmo.authorizations(orderId)).as("charges at GMO").isEqualTo(1);
        assertThat(gmo.requests()).filteredOn(r -> orderId.equals(r.orderId()))
                .extracting(GmoSandbox.RecordedRequest::path).as("B neither charged nor had to ask GMO")
                .containsExactly("/credit/charge");
    }

    @Test
    void twoCapturesOfOneAuthorizationAtTwoReplicasAtOnceCaptureOnce() throws Exception {
        ObjectNode order = Orders.manual(Orders.gmoCard("tok_visa"));
        String orderId = order.path("orderId").asText();
        Answer created = a.post("/payments", order.toString());
        assertThat(created.text("status")).as(created.body()).isEqualTo("authorized");
        String id = created.text("paymentId");
        String accessId = created.json().path("providerRef").path("id").asText();

        GmoSandbox.Hold hold = gmo.holdNextAnswer("/order/capture", accessId);
        CompletableFuture<Answer> first = async(() -> a.post("/payments/" + id + "/capture", "", "capture-a-" + orderId));
        assertThat(hold.awaitHeld(WAIT)).as("replica A's capture reached GMO").isTrue();
        CompletableFuture<Answer> second = async(() -> b.post("/payments/" + id + "/capture", "", "capture-b-" + orderId));
        awaitInFlight(b);
        hold.release();

        Answer one = first.get(30, TimeUnit.SECONDS);
        Answer two = second.get(30, TimeUnit.SECONDS);
        assertThat(one.status()).as(one.body()).isEqualTo(200);
        assertThat(one.text("status")).isEqualTo("captured");
        assertThat(two.status()).as("the second capture, another request, finds the payment captured: " + two.body())
                .isEqualTo(409);
        assertThat(two.text("title")).isEqualTo("invalid_state");
        assertThat(gmo.requests()).filteredOn(r -> orderId.equals(r.orderId()) && r.path().equals("/order/capture"))
                .as("captures sent to GMO").hasSize(1);
    }

    @Test
    void oneWebhookArrivingAtBothReplicasAtOnceIsStoredAndAppliedOnce() throws Exception {
        ObjectNode order = Orders.gmoCard("unused");
        order.putObject("method").put("type", "konbini").put("brand", "LAWSON");
        order.put("provider", "gmo-pg");
        Answer created = a.post("/payments", order.toString());
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String id = created.text("paymentId");
        String accessId = created.json().path("providerRef").path("id").asText();
        gmo.payCash(accessId);
        String body = "{\"accessId\":\"" + accessId + "\",\"event\":\"CASH_PAID\",\"csrfToken\":\""
                + a.store().find(id).orElseThrow().csrfToken() + "\"}";

        List<CompletableFuture<Answer>> copies = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            KessaiInstance at = i % 2 == 0 ? a : b;
            copies.add(async(() -> at.webhook("gmo-pg", body)));
        }
        for (CompletableFuture<Answer> copy : copies) {
            Answer answer = copy.get(30, TimeUnit.SECONDS);
            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        }
        await().atMost(WAIT).until(() -> "captured".equals(b.get("/payments/" + id).text("status")));
        // the sandbox's own CASH_PAID webhook (to replica A) is one more copy of the same notification
        await().atMost(WAIT).until(() -> !gmo.webhookDeliveries().isEmpty());
        await().atMost(WAIT).until(() -> sink.receivedFor(id).size() >= 3);
        assertThat(sink.receivedFor(id)).extracting(e -> e.path("type").asText())
                .containsExactly("payment.pending", "payment.requires_action", "payment.captured");
        assertThat(storedCopies(accessId)).as("notifications stored for this payment").isEqualTo(1);
    }

    @Test
    void eventsWrittenAtBothReplicasAreDeliveredOnceEachAndInOrderByBothRelays() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            KessaiInstance at = i % 2 == 0 ? a : b;
            Answer created = at.post("/payments", Orders.manual(Orders.gmoCard("tok_visa")).toString());
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            String id = created.text("paymentId");
            Answer captured = (i % 2 == 0 ? b : a).post("/payments/" + id + "/capture", "");
            assertThat(captured.status()).as(captured.body()).isEqualTo(200);
            ids.add(id);
        }
        await().atMost(WAIT).until(() -> ids.stream().allMatch(id -> sink.receivedFor(id).size() >= 3));
        for (String id : ids) {
            List<JsonNode> events = sink.receivedFor(id);
            assertThat(events).extracting(e -> e.path("type").asText()).as(id)
                    .containsExactly("payment.pending", "payment.authorized", "payment.captured");
            Set<String> eventIds = new HashSet<>();
            events.forEach(e -> eventIds.add(e.path("eventId").asText()));
            assertThat(eventIds).as("distinct eventIds of " + id).hasSize(3);
        }
    }

    private long storedCopies(String accessId) throws Exception {
        try (var c = java.sql.DriverManager.getConnection(db.url(), db.user(), db.password());
             var ps = c.prepareStatement("SELECT COUNT(*) FROM webhook_inbox WHERE provider = 'gmo-pg' AND provider_ref_id = ?")) {
            ps.setString(1, accessId);
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Waits until replica {@code k} is working on an exchange (the request that must wait for the other replica). */
    private static void awaitInFlight(KessaiInstance k) {
        await().atMost(WAIT).pollInterval(Duration.ofMillis(10))
                .until(() -> k.context().getInflightRepository().size() > 0);
    }

    private CompletableFuture<Answer> async(Supplier<Answer> request) {
        return CompletableFuture.supplyAsync(request, clients);
    }
}
