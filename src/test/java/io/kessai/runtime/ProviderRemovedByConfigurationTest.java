package io.kessai.runtime;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.support.KessaiInstance;
import io.kessai.support.KessaiInstance.Answer;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A provider is removed by configuration alone ({@code kessai.providers.japan-payment.enabled=false}): its routes,
 * beans, sandbox and webhook door are gone, orders it would have taken answer 422, and konbini can be routed to
 * another installed provider by {@code kessai.routing.konbini}. Browser returns and webhooks are dispatched to the
 * provider named in the path; an unknown one is a 404 problem.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProviderRemovedByConfigurationTest {
    private KessaiInstance kessai;

    @BeforeAll
    void start() {
        kessai = KessaiInstance.start(TestDatabases.h2(), Map.of(
                "kessai.providers.japan-payment.enabled", "false",
                "kessai.routing.konbini", "gmo-pg",
                // no slow answers here: a loaded machine must not turn a charge into a timeout
                "kessai.providers.gmo-pg.response-timeout-ms", "20000"));
    }

    @AfterAll
    void stop() {
        if (kessai != null) {
            kessai.close();
        }
    }

    @Test
    void switchedOffProviderHasNoRoutesBeansNorSandbox() {
        assertThat(kessai.context().getRoute("japan-payment-charge")).isNull();
        assertThat(kessai.context().getRegistry().lookupByName("japanPaymentAnswers")).isNull();
        assertThat(kessai.japanPaymentSandbox()).isNull();
        assertThat(kessai.context().getRoute("gmo-pg-charge")).isNotNull();
        Answer card = kessai.post("/payments", Orders.gmoCard("tok_visa").toString());
        assertThat(card.status()).as(card.body()).isEqualTo(201);
    }

    @Test
    void ordersOnlyTheSwitchedOffProviderTookAnswerUnsupported() {
        Answer wallet = kessai.post("/payments", Orders.japanPayment("JPY", "1000", "ewallet", "AU_PAY").toString());
        assertThat(wallet.status()).as(wallet.body()).isEqualTo(422);
        assertThat(wallet.text("title")).isEqualTo("unsupported");

        ObjectNode named = Orders.japanPayment("JPY", "1000", "konbini", "LAWSON").put("provider", "japan-payment");
        Answer answer = kessai.post("/payments", named.toString());
        assertThat(answer.status()).as(answer.body()).isEqualTo(422);
        assertThat(answer.json().path("errors").findValuesAsText("field")).containsExactly("provider");

        ObjectNode dollars = Orders.japanPayment("USD", "10", "konbini", "LAWSON");
        ((ObjectNode) dollars.get("customer")).put("nameKana", "ヤマダ タロウ");
        Answer usd = kessai.post("/payments", dollars.toString());
        assertThat(usd.status()).as("konbini goes to GMO, which takes only JPY: " + usd.body()).isEqualTo(422);
        assertThat(usd.json().path("errors").findValuesAsText("field")).containsExactly("currency");
    }

    @Test
    void konbiniRoutedByConfigurationGoesToTheProviderStillInstalled() {
        ObjectNode konbini = Orders.japanPayment("JPY", "1000", "konbini", "LAWSON");
        ((ObjectNode) konbini.get("customer")).put("nameKana", "ヤマダ タロウ");
        Answer answer = kessai.post("/payments", konbini.toString());
        assertThat(answer.status()).as(answer.body()).isEqualTo(201);
        assertThat(answer.text("provider")).isEqualTo("gmo-pg");
        assertThat(answer.text("status")).isEqualTo("requires_action");
        assertThat(answer.json().path("nextAction").path("type").asText()).isEqualTo("pay_offline");
    }

    @Test
    void webhooksOfTheSwitchedOffProviderAreNotFound() {
        Answer answer = kessai.webhook("japan-payment", "{\"orderNo\":\"1\",\"orderId\":\"o\",\"status\":\"2\"}");
        assertThat(answer.status()).isEqualTo(404);
        assertThat(answer.text("title")).isEqualTo("not_found");
    }

    @Test
    void browserReturnsAreDispatchedToTheProviderInThePath() {
        Answer unknown = kessai.get("/callbacks/nope?p=e30");
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.contentType()).startsWith("application/problem+json");
        assertThat(unknown.text("title")).isEqualTo("not_found");
        assertThat(unknown.text("instance")).isEqualTo("/callbacks/nope");

        Answer switchedOff = kessai.get("/callbacks/japan-payment");
        assertThat(switchedOff.status()).isEqualTo(404);

        Answer gmo = kessai.get("/callbacks/gmo-pg?p=not-base64-json");
        assertThat(gmo.status()).as("GMO's handler read p and refused it: " + gmo.body()).isEqualTo(400);
        assertThat(gmo.json().path("errors").findValuesAsText("field")).containsExactly("p");
    }
}
