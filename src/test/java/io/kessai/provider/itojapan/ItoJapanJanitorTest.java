package io.kessai.provider.itojapan;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.sandbox.itojapan.ItoJapanPayments;
import io.kessai.sandbox.itojapan.ItoJapanSandbox;
import io.kessai.support.KessaiInstance;
import io.kessai.support.KessaiInstance.Answer;
import io.kessai.support.TestDatabases;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The janitor asks ITO-Japan's check-validity about payments left requires_action, on PostgreSQL. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ItoJapanJanitorTest {
    KessaiInstance kessai;
    ItoJapanSandbox sandbox;

    @BeforeAll
    void start() {
        kessai = KessaiInstance.start(TestDatabases.postgres(), Map.of(
                "kessai.janitor.ito-japan.schedule", "200ms",
                "kessai.janitor.ito-japan.max-age", "8s"));
        sandbox = kessai.context().getRegistry().lookupByNameAndType("itoJapanSandbox", ItoJapanSandbox.class);
    }

    @AfterAll
    void stop() {
        kessai.close();
    }

    private ItoJapanPayments.Payment atSandbox(String orderId) {
        return sandbox.payments().stream().filter(p -> p.custom().equals(orderId)).findFirst().orElseThrow();
    }

    private String status(String id) {
        return kessai.get("/payments/" + id).text("status");
    }

    @Test
    void aPaymentWhoseWebhookWasLostIsCapturedByCheckValidity() {
        ObjectNode order = ItoJapanPaymentsTest.order("USD", "42.00");
        Answer created = kessai.post("/payments", order.toString());
        String id = created.text("paymentId");
        assertThat(created.text("status")).as(created.body()).isEqualTo("requires_action");

        sandbox.payWithoutWebhook(atSandbox(order.get("orderId").asText()).paymentId());

        await().atMost(Duration.ofSeconds(60)).until(() -> "captured".equals(status(id)));
        assertThat(sandbox.webhookAttempts()).noneMatch(a -> a.paymentId().equals(atSandbox(order.get("orderId").asText()).paymentId()));
    }

    @Test
    void anUnpaidPaymentStaysRequiresActionWhileAskedAndExpiresAtTheMaximumAge() {
        ObjectNode order = ItoJapanPaymentsTest.order("JPY", "800");
        String id = kessai.post("/payments", order.toString()).text("paymentId");

        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> "requires_action".equals(status(id)));
        await().atMost(Duration.ofSeconds(60)).until(() -> "expired".equals(status(id)));
    }
}
