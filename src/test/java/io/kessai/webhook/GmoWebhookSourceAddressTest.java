package io.kessai.webhook;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.support.KessaiInstance;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** kessai.providers.gmo-pg.webhook.allowed-cidrs: GMO webhooks from any other source are refused with 401. */
class GmoWebhookSourceAddressTest {

    private static String cashPaid(KessaiInstance kessai) {
        ObjectNode order = Orders.gmoCard("x");
        order.put("provider", "gmo-pg");
        order.putObject("method").put("type", "konbini").put("brand", "LAWSON");
        var created = kessai.post("/payments", order.toString());
        String accessId = created.json().path("providerRef").path("id").asText();
        String csrf = kessai.store().find(created.text("paymentId")).orElseThrow().csrfToken();
        return "{\"accessId\":\"" + accessId + "\",\"event\":\"CASH_PAID\",\"csrfToken\":\"" + csrf + "\"}";
    }

    @Test
    void webhookFromOutsideTheAllowedNetworksIsRefusedAndNotStored() {
        try (KessaiInstance kessai = KessaiInstance.start(TestDatabases.h2(),
                Map.of("kessai.providers.gmo-pg.webhook.allowed-cidrs", "210.197.108.196/32, 210.175.7.20"))) {
            var answer = kessai.webhook("gmo-pg", cashPaid(kessai));
            assertThat(answer.status()).isEqualTo(401);
            assertThat(kessai.inbox().count("gmo-pg")).isZero();
        }
    }

    @Test
    void webhookFromAnAllowedNetworkIsStored() {
        try (KessaiInstance kessai = KessaiInstance.start(TestDatabases.h2(),
                Map.of("kessai.providers.gmo-pg.webhook.allowed-cidrs", "210.175.7.20/32,127.0.0.0/8,::1/128"))) {
            var answer = kessai.webhook("gmo-pg", cashPaid(kessai));
            assertThat(answer.status()).isEqualTo(200);
            assertThat(kessai.inbox().count("gmo-pg")).isEqualTo(1);
        }
    }
}
