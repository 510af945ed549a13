package io.kessai.payment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.kessai.events.OutboxEvent;
import io.kessai.support.EventSink;
import io.kessai.support.KessaiInstance;
import io.kessai.support.KessaiInstance.Answer;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The events of the refund flows (contract sections 4 and 6): a full refund publishes {@code payment.refunded}
 * exactly once, in the outbox and at the consumer; a refund that changes nothing (asked again, partial where the
 * provider cannot, refused by the provider, of a payment that is not captured) publishes nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RefundEventsTest {
    private static final Duration WAIT = Duration.ofSeconds(15);
    private KessaiInstance kessai;
    private EventSink sink;

    @BeforeAll
    void start() {
        sink = new EventSink();
        kessai = KessaiInstance.start(TestDatabases.h2(), Map.of(
                "kessai.events.uri", sink.uri(),
                "kessai.providers.gmo-pg.response-timeout-ms", "20000",
                "kessai.janitor.schedule", "1h"));
    }

    @AfterAll
    void stop() {
        if (kessai != null) {
            kessai.close();
        }
        if (sink != null) {
            sink.close();
        }
    }

    @Test
    void fullRefundPublishesPaymentRefundedExactlyOnce() {
        String id = capturedPayment();
        Answer refunded = kessai.post("/payments/" + id + "/refund", null);
        assertThat(refunded.status()).as(refunded.body()).isEqualTo(200);
        assertThat(refunded.text("status")).isEqualTo("refunded");
        assertThat(refunded.text("refundedAmount")).isEqualTo("1000");

        assertThat(types(id)).containsExactly("payment.pending", "payment.captured", "payment.refunded");
        JsonNode event = awaitDelivered(id).stream().filter(e -> e.path("type").asText().equals("payment.refunded"))
                .findFirst().orElseThrow();
        assertThat(event.path("status").asText()).isEqualTo("refunded");
        assertThat(event.path("source").asText()).isEqualTo("api");
        assertThat(event.path("amount").asText()).isEqualTo("1000");
        assertThat(sink.receivedFor(id)).filteredOn(e -> e.path("type").asText().equals("payment.refunded")).hasSize(1);
    }

    @Test
    void cancelOfACapturedPaymentRefundsItAndPublishesPaymentRefundedExactlyOnce() {
        String id = capturedPayment();
        Answer canceled = kessai.post("/payments/" + id + "/cancel", null);
        assertThat(canceled.status()).as(canceled.body()).isEqualTo(200);
        assertThat(canceled.text("status")).isEqualTo("refunded");
        assertThat(types(id)).containsExactly("payment.pending", "payment.captured", "payment.refunded");
        assertThat(awaitDelivered(id)).filteredOn(e -> e.path("type").asText().equals("payment.refunded")).hasSize(1);
    }

    @Test
    void refundOfARefundedPaymentPublishesNothingAndCallsNothing() {
        String id = capturedPayment();
        assertThat(kessai.post("/payments/" + id + "/refund", null).text("status")).isEqualTo("refunded");
        List<String> before = eventIds(id);
        awaitDelivered(id);
        int sends = kessai.gmoSandbox().requests().size();

        for (String path : List.of("/refund", "/cancel")) {
            Answer again = kessai.post("/payments/" + id + path, null);
            assertThat(again.status()).as(again.body()).isIn(200, 409);
            assertThat(kessai.get("/payments/" + id).text("status")).isEqualTo("refunded");
        }

        assertThat(eventIds(id)).isEqualTo(before);
        assertThat(kessai.gmoSandbox().requests()).hasSize(sends);
        assertNothingMoreDelivered(id, before.size());
        assertThat(kessai.store().transitions(id)).filteredOn(t -> t.to().equals("refunded") && t.applied()).hasSize(1);
    }

    @Test
    void partialRefundWhereTheProviderCannotIsUnsupportedAndPublishesNothing() {
        // GMO refunds the whole sale (/order/cancel); Japan Payment's collections have no refund at all
        String id = capturedPayment();
        List<String> before = eventIds(id);
        Answer partial = kessai.post("/payments/" + id + "/refund", "{\"amount\":\"400\"}");
        assertThat(partial.status()).as(partial.body()).isEqualTo(422);
        assertThat(partial.text("title")).isEqualTo("unsupported");
        Answer stored = kessai.get("/payments/" + id);
        assertThat(stored.text("status")).isEqualTo("captured");
        assertThat(stored.text("refundedAmount")).isEqualTo("0");
        assertThat(eventIds(id)).isEqualTo(before);
        assertNothingMoreDelivered(id, before.size());
    }

    @Test
    void refundRefusedByTheProviderPublishesNothing() {
        String id = capturedPayment();
        List<String> before = eventIds(id);
        kessai.gmoSandbox().failNext("/order/cancel", 400, "invalid_status", 1);
        Answer refused = kessai.post("/payments/" + id + "/refund", null);
        assertThat(refused.status()).as(refused.body()).isGreaterThanOrEqualTo(400);
        assertThat(kessai.get("/payments/" + id).text("status")).isEqualTo("captured");
        assertThat(eventIds(id)).isEqualTo(before);
        assertNothingMoreDelivered(id, before.size());
    }

    @Test
    void refundOfAnAuthorizationIsInvalidStateAndPublishesNothing() {
        Answer created = kessai.post("/payments", Orders.manual(Orders.gmoCard("tok_visa")).toString());
        assertThat(created.text("status")).as(created.body()).isEqualTo("authorized");
        String id = created.text("paymentId");
        List<String> before = eventIds(id);
        Answer refund = kessai.post("/payments/" + id + "/refund", null);
        assertThat(refund.status()).as(refund.body()).isEqualTo(409);
        assertThat(refund.text("title")).isEqualTo("invalid_state");
        assertThat(eventIds(id)).isEqualTo(before);
        assertNothingMoreDelivered(id, before.size());
    }

    @Test
    void refundAfterCaptureOfAnAuthorizationPublishesCapturedThenRefundedOnceEach() {
        Answer created = kessai.post("/payments", Orders.manual(Orders.gmoCard("tok_visa")).toString());
        String id = created.text("paymentId");
        assertThat(kessai.post("/payments/" + id + "/capture", null).text("status")).isEqualTo("captured");
        assertThat(kessai.post("/payments/" + id + "/refund", null).text("status")).isEqualTo("refunded");
        assertThat(types(id)).containsExactly("payment.pending", "payment.authorized", "payment.captured",
                "payment.refunded");
        List<JsonNode> delivered = awaitDelivered(id);
        assertThat(delivered).extracting(e -> e.path("type").asText()).containsExactly("payment.pending",
                "payment.authorized", "payment.captured", "payment.refunded");
        assertThat(delivered).extracting(e -> e.path("eventId").asText()).doesNotHaveDuplicates();
    }

    // ------------------------------------------------------------------ helpers

    private String capturedPayment() {
        Answer created = kessai.post("/payments", Orders.gmoCard("tok_visa").toString());
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.text("status")).isEqualTo("captured");
        return created.text("paymentId");
    }

    /** The payment's events in the outbox, by id (their delivery attempts change as the relay works). */
    private List<String> eventIds(String paymentId) {
        return kessai.outbox().events(paymentId).stream().map(OutboxEvent::eventId).toList();
    }

    private List<String> types(String paymentId) {
        return kessai.outbox().events(paymentId).stream().map(OutboxEvent::type).toList();
    }

    /** Waits until the consumer has every event of the outbox, then returns what it received. */
    private List<JsonNode> awaitDelivered(String paymentId) {
        int expected = kessai.outbox().events(paymentId).size();
        await().atMost(WAIT).until(() -> sink.receivedFor(paymentId).size() >= expected);
        List<JsonNode> received = sink.receivedFor(paymentId);
        assertThat(received).extracting(e -> e.path("eventId").asText())
                .containsExactlyElementsOf(kessai.outbox().events(paymentId).stream().map(OutboxEvent::eventId).toList());
        return received;
    }

    /** The consumer got the payment's events so far, and no more arrive while the relay keeps running. */
    private void assertNothingMoreDelivered(String paymentId, int events) {
        await().atMost(WAIT).until(() -> sink.receivedFor(paymentId).size() >= events);
        await().during(Duration.ofMillis(600)).atMost(WAIT).until(() -> sink.receivedFor(paymentId).size() == events);
    }
}
