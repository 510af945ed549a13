package io.kessai.payment;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.sandbox.japanpayment.JapanPaymentSandbox;
import io.kessai.support.KessaiInstance;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A collection whose notifications never reach Kessai is completed by the janitor's signed queries alone. */
class JapanPaymentPollingTest {

    @Test
    void paymentThatOnlyThePollerCompletesIsCapturedWithSourcePoll() {
        // Kessai tells the provider a notify URL nobody answers at: only polling can learn the outcome.
        try (KessaiInstance kessai = KessaiInstance.start(TestDatabases.h2(), Map.of(
                "kessai.public-base-url", "http://127.0.0.1:9",
                "kessai.janitor.schedule", "200ms"))) {
            JapanPaymentSandbox jp = kessai.japanPaymentSandbox();
            ObjectNode order = Orders.japanPayment("JPY", "3000", "konbini", "LAWSON");
            String orderId = order.get("orderId").asText();
            String id = kessai.post("/payments", order.toString()).text("paymentId");
            jp.advance(orderId, 1);
            jp.advance(orderId, -1);
            await().atMost(Duration.ofSeconds(10)).until(() -> "pending".equals(kessai.get("/payments/" + id).text("status")));
            jp.advance(orderId, 2);
            await().atMost(Duration.ofSeconds(10)).until(() -> "captured".equals(kessai.get("/payments/" + id).text("status")));
            assertThat(jp.notifications()).filteredOn(n -> n.orderId().equals(orderId)).allMatch(n -> n.httpStatus() != 200);
            assertThat(kessai.store().transitions(id)).extracting(t -> t.to() + "/" + t.source())
                    .containsExactly("pending/api", "requires_action/api", "pending/poll", "captured/poll");
        }
    }

    @Test
    void collectionNeverPaidExpiresAfterTheMaximumAge() {
        try (KessaiInstance kessai = KessaiInstance.start(TestDatabases.h2(), Map.of(
                "kessai.janitor.schedule", "100ms", "kessai.janitor.japan-payment.max-age", "700ms"))) {
            String id = kessai.post("/payments", Orders.japanPayment("JPY", "300", "konbini", "LAWSON").toString())
                    .text("paymentId");
            await().atMost(Duration.ofSeconds(10)).until(() -> "expired".equals(kessai.get("/payments/" + id).text("status")));
        }
    }
}
