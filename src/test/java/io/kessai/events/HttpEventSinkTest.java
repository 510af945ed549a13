package io.kessai.events;

import com.fasterxml.jackson.databind.JsonNode;
import io.kessai.support.EventSink;
import io.kessai.support.KessaiInstance;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Canonical events (contract section 6) delivered to an HTTP endpoint as kessai.events.uri. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpEventSinkTest {
    private static final List<String> FIELDS = List.of("eventId", "type", "provider", "paymentId", "orderId", "status",
            "amount", "currency", "source", "providerEventId", "occurredAt", "receivedAt", "data");

    EventSink sink;
    KessaiInstance kessai;

    @BeforeAll
    void start() {
        sink = new EventSink();
        kessai = KessaiInstance.start(TestDatabases.h2(), Map.of("kessai.events.uri", sink.uri()));
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

    private String authorize() {
        var created = kessai.post("/payments", Orders.json(Orders.manual(Orders.gmoCard("tok_visa"))));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.text("status")).isEqualTo("authorized");
        return created.text("paymentId");
    }

    @Test
    void everyEventCarriesEveryFieldOfTheCanonicalEvent() {
        String id = authorize();
        String orderId = kessai.get("/payments/" + id).text("orderId");
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.receivedFor(id).size() == 2);

        List<JsonNode> events = sink.receivedFor(id);
        assertThat(events).extracting(e -> e.path("type").asText())
                .containsExactly("payment.pending", "payment.authorized");
        for (JsonNode e : events) {
            assertThat(e.fieldNames()).toIterable().as(e.toString()).containsAll(FIELDS);
            assertThat(e.path("eventId").asText()).startsWith("evt_");
            assertThat(e.path("provider").asText()).isEqualTo("gmo-pg");
            assertThat(e.path("paymentId").asText()).isEqualTo(id);
            assertThat(e.path("orderId").asText()).isEqualTo(orderId);
            assertThat(e.path("status").asText()).isEqualTo(e.path("type").asText().substring("payment.".length()));
            assertThat(e.path("amount").isTextual()).as("amount is a decimal string").isTrue();
            assertThat(e.path("amount").asText()).isEqualTo("1000");
            assertThat(e.path("currency").asText()).isEqualTo("JPY");
            assertThat(e.path("source").asText()).isEqualTo("api");
            assertThat(e.get("providerEventId").isNull()).as("providerEventId of an api event is null").isTrue();
            assertThat(e.path("occurredAt").asText()).endsWith("+09:00");
            assertThat(e.path("receivedAt").asText()).endsWith("+09:00");
            OffsetDateTime.parse(e.path("occurredAt").asText());
            OffsetDateTime.parse(e.path("receivedAt").asText());
            assertThat(e.path("data").isObject()).isTrue();
        }
        assertThat(events.get(1).path("data").path("providerRef").path("id").asText()).matches("[0-9a-f]{32}");
        assertThat(events).extracting(e -> e.path("eventId").asText()).doesNotHaveDuplicates();
    }

    @Test
    void eventsOfAPaymentArriveInTransitionOrderAndARedeliveryKeepsItsEventId() {
        // The sink answers 503 to the first three deliveries: the payment's first event, three times.
        sink.refuseNext(3);
        String id = authorize();
        assertThat(kessai.post("/payments/" + id + "/capture", null).text("status")).isEqualTo("captured");
        assertThat(kessai.post("/payments/" + id + "/cancel", null).text("status")).isEqualTo("refunded");

        await().atMost(Duration.ofSeconds(10)).until(() -> sink.receivedFor(id).size() >= 4);
        assertThat(sink.refused()).isEqualTo(3);
        List<JsonNode> received = sink.receivedFor(id);
        assertThat(received).extracting(e -> e.path("type").asText()).containsExactly(
                "payment.pending", "payment.authorized", "payment.captured", "payment.refunded");
        assertThat(kessai.store().transitions(id)).filteredOn(t -> t.applied()).extracting(t -> "payment." + t.to())
                .containsExactlyElementsOf(received.stream().map(e -> e.path("type").asText()).toList());

        // The refused first event was relayed three more times with the eventId written with its transition;
        // the later events waited for it and went out at their first attempt.
        // the relay records each delivery right after the sink answered it
        await().atMost(Duration.ofSeconds(10)).until(() -> kessai.outbox().events(id).stream().allMatch(e -> e.attempts() > 0));
        List<OutboxEvent> written = kessai.outbox().events(id);
        assertThat(received).extracting(e -> e.path("eventId").asText())
                .containsExactlyElementsOf(written.stream().map(OutboxEvent::eventId).toList());
        assertThat(written.get(0).attempts()).isEqualTo(4);
        assertThat(written.subList(1, 4)).allMatch(e -> e.attempts() == 1, "delivered at the first attempt");
    }
}
