package io.kessai.schedule;

import io.kessai.store.PaymentStore;
import io.kessai.support.KessaiInstance;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The janitor must not look at a payment while its charge is still in flight: with the harness' janitor schedule
 * (first look 200 ms after the payment was created, response timeout 2.5 s) it inquires while Kessai still waits
 * for GMO's answer, applies "captured", and the API answers 201 instead of 504 provider_timeout.
 */
class JanitorInFlightChargeTest {
    @Test
    void janitorNeverLooksAtAPaymentWhileItsChargeIsStillInFlight() {
        try (KessaiInstance kessai = KessaiInstance.start(TestDatabases.h2(), Map.of())) {
            var timedOut = kessai.post("/payments", Orders.json(Orders.gmoCard("tok_slow")));
            assertThat(timedOut.status()).as(timedOut.body()).isEqualTo(504);
            assertThat(timedOut.text("title")).isEqualTo("provider_timeout");
            String id = timedOut.text("paymentId");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> "captured".equals(kessai.get("/payments/" + id).text("status")));
            assertThat(kessai.store().transitions(id)).filteredOn(PaymentStore.TransitionRow::applied)
                    .extracting(t -> t.to() + "/" + t.source()).containsExactly("pending/api", "captured/poll");
        }
    }
}
