package io.kessai.payment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.events.OutboxEvent;
import io.kessai.sandbox.gmo.GmoSandbox;
import io.kessai.store.PaymentStore.TransitionRow;
import io.kessai.support.EventSink;
import io.kessai.support.KessaiInstance;
import io.kessai.support.KessaiInstance.Answer;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Contract section 4: a state never moves backwards. Through each door that applies a provider's outcome (webhook,
 * browser callback, janitor poll, API replay), an outcome that was true when GMO answered but arrives after the
 * payment was captured, or refunded, by another door changes nothing: the status and amounts stay, the notice is
 * recorded as not applied, and no event is published.
 *
 * <p>The stale outcome is made the way it happens: the GMO sandbox processes the door's request on arrival and holds
 * its answer ({@link GmoSandbox#holdNextAnswer}) while the payment moves on elsewhere, then lets it go. Two Kessai
 * nodes share one store and one GMO sandbox (a second replica is how a browser's second return or a client's
 * retry overtakes a slow first one). Only node B's janitor runs (every 100 ms); it polls a payment 200 ms after
 * node B wrote it, and an hour after node A did.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StaleOutcomesTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** What the payment became before the stale outcome arrived. */
    enum After {
        CAPTURE("captured", "1000", "0"), REFUND("refunded", "1000", "1000");

        final String status;
        final String capturedAmount;
        final String refundedAmount;

        After(String status, String capturedAmount, String refundedAmount) {
            this.status = status;
            this.capturedAmount = capturedAmount;
            this.refundedAmount = refundedAmount;
        }
    }

    private GmoSandbox gmo;
    private EventSink sink;
    private KessaiInstance a;
    private KessaiInstance b;
    private final ExecutorService browser = Executors.newCachedThreadPool();

    @BeforeAll
    void start() {
        gmo = new GmoSandbox(GmoSandbox.Settings.defaults("tshop00000001", "sandbox-pass")).start();
        sink = new EventSink();
        TestDatabases.Db db = TestDatabases.h2();
        // Held answers take seconds: the response timeout must not turn them into lost ones. Without key leases a
        // client's replay at node B goes ahead while node A's request is still out, as it does with leases once node
        // A has lost its lease (it could not renew it for a whole kessai.cluster.lease-ms): the state machine, not
        // the lease, must then keep the stale answer from changing anything.
        a = KessaiInstance.startWith(gmo, db, Map.of("kessai.events.uri", sink.uri(),
                "kessai.providers.gmo-pg.response-timeout-ms", "30000", "kessai.janitor.schedule", "1h",
                "kessai.janitor.interval-ms", "3600000", "kessai.cluster.key-leases", "false"));
        b = KessaiInstance.startWith(gmo, db, Map.of("kessai.events.uri", sink.uri(),
                "kessai.providers.gmo-pg.response-timeout-ms", "30000", "kessai.janitor.schedule", "200ms",
                "kessai.cluster.key-leases", "false"));
    }

    @AfterAll
    void stop() throws InterruptedException {
        browser.shutdownNow();
        browser.awaitTermination(10, TimeUnit.SECONDS);
        for (AutoCloseable c : new AutoCloseable[] {a, b, gmo, sink}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    // ------------------------------------------------------------------ the four doors

    @ParameterizedTest
    @EnumSource(After.class)
    void staleInquiryAnswerToAWebhookChangesNothing(After after) throws Exception {
        Answer created = a.post("/payments", order(after == After.CAPTURE ? "manual" : "immediate", "tok_visa"));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String id = created.text("paymentId");
        String accessId = created.json().path("providerRef").path("id").asText();

        // GMO's webhook says "ask me"; the inquiry Kessai sends for it is answered before, delivered after
        GmoSandbox.Hold hold = gmo.holdNextAnswer("/order/inquiry", accessId);
        String csrf = a.store().find(id).orElseThrow().csrfToken();
        Answer received = a.webhook("gmo-pg", "{\"accessId\":\"" + accessId + "\",\"event\":\"CASH_PAID\",\"csrfToken\":\""
                + csrf + "\"}");
        assertThat(received.status()).as(received.body()).isEqualTo(200);
        assertThat(hold.awaitHeld(WAIT)).as("the webhook's inquiry reached GMO").isTrue();

        moveOn(a, id, after);
        Set<String> events = eventIds(id);
        hold.release();

        assertStaleOutcomeChangedNothing(id, after, "webhook", events);
    }

    @ParameterizedTest
    @EnumSource(After.class)
    void staleFinalizeAnswerToABrowserReturnChangesNothing(After after) throws Exception {
        Answer created = a.post("/payments", order(after == After.CAPTURE ? "manual" : "immediate", "tok_tds"));
        assertThat(created.text("status")).as(created.body()).isEqualTo("requires_action");
        String id = created.text("paymentId");
        String accessId = created.json().path("providerRef").path("id").asText();
        Answer acs = a.get(created.json().path("nextAction").path("url").asText() + "?result=success");
        String callbackPath = acs.location().substring(acs.location().indexOf("/callbacks/"));

        // the browser comes back through node A, whose finalize is answered late ...
        GmoSandbox.Hold hold = gmo.holdNextAnswer("/tds2/finalizeCharge", accessId);
        CompletableFuture<Answer> slowReturn = async(() -> a.get(callbackPath));
        assertThat(hold.awaitHeld(WAIT)).as("node A's finalize reached GMO").isTrue();
        // ... reloads, lands on node B, which finishes the payment
        Answer reload = b.get(callbackPath);
        assertThat(reload.status()).as(reload.body()).isEqualTo(302);
        String expected = after == After.CAPTURE ? "authorized" : "captured";
        assertThat(reload.location()).endsWith("&status=" + expected);
        if (after == After.REFUND) {
            refund(b, id);
        } else {
            capture(b, id);
        }
        Set<String> events = eventIds(id);
        hold.release();

        Answer late = slowReturn.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(late.status()).as(late.body()).isEqualTo(302);
        assertThat(late.location()).endsWith("&status=" + after.status);
        assertStaleOutcomeChangedNothing(id, after, "callback", events);
    }

    @ParameterizedTest
    @EnumSource(After.class)
    void staleInquiryAnswerToAJanitorPollChangesNothing(After after) throws Exception {
        // written by node B: polled every 200 ms while it waits for the customer
        Answer created = b.post("/payments", order(after == After.CAPTURE ? "manual" : "immediate", "tok_tds"));
        assertThat(created.text("status")).as(created.body()).isEqualTo("requires_action");
        String id = created.text("paymentId");
        String accessId = created.json().path("providerRef").path("id").asText();

        // the janitor asks while the customer is still at 3-D Secure; the answer (AUTHENTICATED) comes late
        GmoSandbox.Hold hold = gmo.holdNextAnswer("/order/inquiry", accessId);
        assertThat(hold.awaitHeld(WAIT)).as("a janitor's inquiry reached GMO").isTrue();
        Answer acs = a.get(created.json().path("nextAction").path("url").asText() + "?result=success");
        Answer back = a.get(acs.location().substring(acs.location().indexOf("/callbacks/")));
        assertThat(back.status()).as(back.body()).isEqualTo(302);
        if (after == After.REFUND) {
            refund(a, id);
        } else {
            capture(a, id);
        }
        Set<String> events = eventIds(id);
        hold.release();

        assertStaleOutcomeChangedNothing(id, after, "poll", events);
    }

    @ParameterizedTest
    @EnumSource(After.class)
    void staleAnswerToAnApiReplayChangesNothing(After after) throws Exception {
        ObjectNode order = Orders.gmoCard("tok_visa");
        order.putObject("capture").put("mode", after == After.CAPTURE ? "manual" : "immediate");
        String body = order.toString();
        String orderId = order.get("orderId").asText();
        String key = "replay-" + orderId;

        // the client's first request is slow to be answered ...
        GmoSandbox.Hold first = gmo.holdNextAnswer("/credit/charge", orderId);
        CompletableFuture<Answer> original = async(() -> a.post("/payments", body, key));
        assertThat(first.awaitHeld(WAIT)).as("the charge reached GMO").isTrue();
        // ... so it retries, on node B, whose call to GMO is answered late too
        GmoSandbox.Hold second = gmo.holdNextAnswer(null, orderId);
        CompletableFuture<Answer> replay = async(() -> b.post("/payments", body, key));
        assertThat(second.awaitHeld(WAIT)).as("the replay's call reached GMO").isTrue();

        first.release();
        Answer created = original.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String id = created.text("paymentId");
        if (after == After.REFUND) {
            assertThat(created.text("status")).isEqualTo("captured");
            refund(a, id);
        } else {
            assertThat(created.text("status")).isEqualTo("authorized");
            capture(a, id);
        }
        Set<String> events = eventIds(id);
        second.release();

        Answer replayed = replay.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(replayed.status()).as(replayed.body()).isEqualTo(200);
        assertThat(replayed.text("paymentId")).isEqualTo(id);
        assertThat(replayed.text("status")).isEqualTo(after.status);
        assertThat(gmo.authorizations(orderId)).as("one charge at GMO").isEqualTo(1);
        assertStaleOutcomeChangedNothing(id, after, "api", events);
    }

    // ------------------------------------------------------------------ helpers

    private static String order(String captureMode, String token) {
        ObjectNode order = Orders.gmoCard(token);
        order.putObject("capture").put("mode", captureMode);
        return order.toString();
    }

    /** Capture (of an authorization), or refund (of a captured payment), through the API. */
    private void moveOn(KessaiInstance node, String id, After after) {
        if (after == After.REFUND) {
            refund(node, id);
        } else {
            capture(node, id);
        }
    }

    private static void capture(KessaiInstance node, String id) {
        Answer captured = node.post("/payments/" + id + "/capture", null);
        assertThat(captured.status()).as(captured.body()).isEqualTo(200);
        assertThat(captured.text("status")).isEqualTo("captured");
    }

    private static void refund(KessaiInstance node, String id) {
        Answer refunded = node.post("/payments/" + id + "/refund", null);
        assertThat(refunded.status()).as(refunded.body()).isEqualTo(200);
        assertThat(refunded.text("status")).isEqualTo("refunded");
    }

    private CompletableFuture<Answer> async(Supplier<Answer> request) {
        return CompletableFuture.supplyAsync(request, browser);
    }

    private Set<String> eventIds(String paymentId) {
        Set<String> ids = new HashSet<>();
        for (OutboxEvent e : a.outbox().events(paymentId)) {
            ids.add(e.eventId());
        }
        return ids;
    }

    /**
     * The late outcome was recorded as a notice that was not applied (from that door), and nothing else changed:
     * status and amounts, the outbox, and what the consumer receives.
     */
    private void assertStaleOutcomeChangedNothing(String id, After after, String source, Set<String> eventsBefore) {
        await().atMost(WAIT).untilAsserted(() -> assertThat(a.store().transitions(id))
                .as("transitions of %s", id)
                .anySatisfy(t -> {
                    assertThat(t.applied()).isFalse();
                    assertThat(t.source()).isEqualTo(source);
                    assertThat(t.from()).isEqualTo(after.status);
                }));
        List<TransitionRow> transitions = a.store().transitions(id);
        assertThat(transitions).filteredOn(TransitionRow::applied).extracting(TransitionRow::to)
                .as("applied moves").last().isEqualTo(after.status);
        assertThat(transitions).filteredOn(t -> !t.applied())
                .allSatisfy(t -> assertThat(List.of("pending", "requires_action", "authorized", "captured"))
                        .as("a stale notice names an earlier status").contains(t.to()));

        for (KessaiInstance node : List.of(a, b)) {
            Answer now = node.get("/payments/" + id);
            assertThat(now.text("status")).isEqualTo(after.status);
            assertThat(now.text("capturedAmount")).isEqualTo(after.capturedAmount);
            assertThat(now.text("refundedAmount")).isEqualTo(after.refundedAmount);
        }
        assertThat(eventIds(id)).as("outbox events of %s", id).isEqualTo(eventsBefore);
        // the consumer gets the events written before, and nothing more while the relays keep running
        await().atMost(WAIT).until(() -> received(id).containsAll(eventsBefore));
        await().during(Duration.ofMillis(500)).atMost(WAIT).until(() -> eventsBefore.containsAll(received(id)));
        List<JsonNode> last = sink.receivedFor(id);
        assertThat(last).extracting(e -> e.path("status").asText()).contains(after.status);
    }

    private Set<String> received(String paymentId) {
        Set<String> ids = new HashSet<>();
        sink.receivedFor(paymentId).forEach(e -> ids.add(e.path("eventId").asText()));
        return ids;
    }
}
