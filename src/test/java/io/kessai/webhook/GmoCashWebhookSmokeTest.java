package io.kessai.webhook;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.sandbox.gmo.GmoSandbox;
import io.kessai.support.EventSink;
import io.kessai.support.KessaiInstance;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class GmoCashWebhookSmokeTest {
    @Test
    void konbiniPaidByWebhookBecomesCapturedWithItsEvents() {
        try (EventSink sink = new EventSink();
             KessaiInstance kessai = KessaiInstance.start(TestDatabases.h2(), Map.of("kessai.events.uri", sink.uri()))) {
            ObjectNode order = Orders.gmoCard("x");
            order.putObject("method").put("type", "konbini").put("brand", "LAWSON");
            order.put("provider", "gmo-pg");
            var created = kessai.post("/payments", order.toString());
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            assertThat(created.text("status")).isEqualTo("requires_action");
            assertThat(created.json().path("nextAction").path("type").asText()).isEqualTo("pay_offline");
            String id = created.text("paymentId");
            String accessId = created.json().path("providerRef").path("id").asText();
            kessai.gmoSandbox().payCash(accessId);
            await().atMost(Duration.ofSeconds(10)).until(() -> "captured".equals(kessai.get("/payments/" + id).text("status")));
            await().atMost(Duration.ofSeconds(10)).until(() -> sink.receivedFor(id).size() == 3);
            assertThat(sink.receivedFor(id)).extracting(e -> e.path("type").asText())
                    .containsExactly("payment.pending", "payment.requires_action", "payment.captured");
            assertThat(sink.receivedFor(id).get(2).path("source").asText()).isEqualTo("webhook");
            System.out.println("EVENT " + sink.receivedFor(id).get(2));
        }
    }
}
