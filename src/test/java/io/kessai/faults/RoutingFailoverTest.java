package io.kessai.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.sandbox.payjp.PayjpSandbox;
import io.kessai.support.FaultProxy;
import io.kessai.support.Orders;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.kessai.support.FaultProxy.bodyContains;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Routing rules with failover, against sandboxes behind fault proxies: konbini and bank transfer are carried by
 * gmo-pg ({@code /cash/charge}) and japan-payment, cards by gmo-pg and payjp. A new payment's charge moves to the
 * rule's next provider only when the first surely did not act (here: its connections are refused), recorded as one
 * payment with two charge attempts; a timeout or a dropped answer never fails over (the outcome is reconciled with
 * the first provider), and a card token never does (it belongs to one provider). Weights split a run of payments.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RoutingFailoverTest extends FaultSuite {
    /** PAY.JP's sandbox, started with the test instance (before the rig, whose settings point payjp at it). */
    private final PayjpSandbox payjp = new PayjpSandbox(PayjpSandbox.Settings.defaults("sk_test_routing",
            "sk_live_pf_routing")).start();

    @Override
    FaultProxy.Connections gmoConnections() {
        return FaultProxy.Connections.REFUSE;
    }

    @Override
    FaultProxy.Connections japanPaymentConnections() {
        return FaultProxy.Connections.ACCEPT;
    }

    @Override
    Map<String, String> settings() {
        return Map.ofEntries(
                Map.entry("kessai.providers.enabled", "gmo-pg,japan-payment,payjp"),
                Map.entry("kessai.providers.payjp.base-url", payjp.apiBase()),
                Map.entry("kessai.providers.payjp.secret-key", "sk_test_routing"),
                Map.entry("kessai.providers.payjp.webhook-token", "whook_routing"),
                Map.entry("kessai.providers.payjp.transfers.enabled", "false"),
                // these tests are about failover: gmo-pg's circuit must not open under their refused sends and 5xx
                Map.entry("kessai.providers.gmo-pg.circuit.enabled", "false"),
                Map.entry("kessai.routing.rules.1.method", "konbini"),
                Map.entry("kessai.routing.rules.1.currency", "JPY"),
                Map.entry("kessai.routing.rules.1.amount-max", "300000"),
                Map.entry("kessai.routing.rules.1.providers", "gmo-pg,japan-payment"),
                Map.entry("kessai.routing.rules.2.method", "card"),
                Map.entry("kessai.routing.rules.2.providers", "gmo-pg,payjp"),
                Map.entry("kessai.routing.rules.3.method", "bank_transfer"),
                Map.entry("kessai.routing.rules.3.brand", "GMO_AOZORA"),
                Map.entry("kessai.routing.rules.3.providers", "gmo-pg:3,japan-payment:1"));
    }

    @AfterAll
    void stopPayjp() {
        payjp.close();
    }

    /** A konbini order both providers can carry (GMO also wants the name in katakana and a phone number). */
    private static ObjectNode konbini() {
        ObjectNode order = Orders.japanPayment("JPY", "3000", "konbini", "LAWSON");
        ((ObjectNode) order.get("customer")).put("nameKana", "ヤマダ タロウ");
        return order;
    }

    private static List<JsonNode> attempts(JsonNode payment) {
        return iterable(payment.path("routing").path("attempts"));
    }

    private static List<JsonNode> iterable(JsonNode array) {
        List<JsonNode> out = new java.util.ArrayList<>();
        array.forEach(out::add);
        return out;
    }

    // The tests with gmo-pg refusing connections come first: a connection Kessai has pooled would still reach it.
    @Test
    @Order(1)
    void konbiniPaymentFailsOverFromAGmoThatRefusesConnectionsToJapanPaymentAsOnePaymentWithItsFinalProvider() {
        rig.gmoProxy.connections(FaultProxy.Connections.REFUSE);
        Call call = pay(konbini());

        assertThat(call.answer().status()).as(call.answer().body()).isEqualTo(201);
        JsonNode result = call.answer().json();
        assertThat(result.path("provider").asText()).isEqualTo("japan-payment");
        assertThat(result.path("status").asText()).isEqualTo("requires_action");
        assertThat(result.path("routing").path("reason").asText())
                .contains("kessai.routing.rules.1 (konbini JPY ..300000): the first of gmo-pg, japan-payment")
                .contains("failed over from gmo-pg to japan-payment")
                .contains("gmo-pg could not be reached; nothing was sent");
        List<JsonNode> attempts = attempts(result);
        assertThat(attempts).hasSize(2);
        assertThat(attempts.get(0).path("provider").asText()).isEqualTo("gmo-pg");
        assertThat(attempts.get(0).path("outcome").asText()).isEqualTo("failed");
        assertThat(attempts.get(0).path("note").asText()).startsWith("not done at gmo-pg").endsWith("failed over to japan-payment");
        assertThat(attempts.get(1).path("provider").asText()).isEqualTo("japan-payment");
        assertThat(attempts.get(1).path("outcome").asText()).isEqualTo("done");

        // exactly one provider has the order, and the two charges had two different upstream keys
        assertThat(rig.jp.applications(call.orderId())).isEqualTo(1);
        assertThat(rig.gmo.requests()).noneMatch(r -> call.orderId().equals(r.orderId()));
        List<String> charges = rig.kessai.store().operationKeys(call.paymentId());
        assertThat(charges).hasSize(2).allMatch(k -> k.startsWith("charge:"));
        assertThat(charges.get(0).split(":")[1]).isNotEqualTo(charges.get(1).split(":")[1]);
        // every send was recorded, to the provider it went to
        assertThat(rig.kessai.store().attempts(call.paymentId()))
                .extracting(a -> a.provider() + ":" + a.outcome())
                .contains("gmo-pg:not_sent", "japan-payment:answered");

        // the event stream shows one payment, never failed, whose events since the switch name japan-payment
        await().atMost(Duration.ofSeconds(10)).until(() -> rig.eventTypes(call.paymentId()).contains("payment.requires_action"));
        List<JsonNode> events = rig.sink.receivedFor(call.paymentId());
        assertThat(events).extracting(e -> e.path("type").asText()).doesNotContain("payment.failed");
        JsonNode last = events.stream().filter(e -> e.path("type").asText().equals("payment.requires_action"))
                .findFirst().orElseThrow();
        assertThat(last.path("provider").asText()).isEqualTo("japan-payment");
        assertThat(last.path("orderId").asText()).isEqualTo(call.orderId());

        // the same request again answers the same payment at japan-payment and sends nothing new
        Call again = pay(call.order(), call.key());
        assertThat(again.answer().status()).as(again.answer().body()).isEqualTo(200);
        assertThat(again.answer().text("paymentId")).isEqualTo(call.paymentId());
        assertThat(again.answer().text("provider")).isEqualTo("japan-payment");
        assertThat(rig.jp.applications(call.orderId())).isEqualTo(1);
    }

    @Test
    @Order(2)
    void cardPaymentIsNeverFailedOverBecauseItsTokenBelongsToOneProvider() {
        rig.gmoProxy.connections(FaultProxy.Connections.REFUSE);
        Call call = pay(Orders.gmoCard("tok_visa"));

        assertThat(call.answer().status()).as(call.answer().body()).isEqualTo(503);
        assertThat(call.answer().text("title")).isEqualTo("provider_unavailable");
        JsonNode payment = payment(call.paymentId());
        assertFailedRetryableWithoutCall(payment);
        assertThat(payment.path("provider").asText()).isEqualTo("gmo-pg");
        assertThat(payment.path("routing").path("reason").asText())
                .contains("kessai.routing.rules.2 (card): the first of gmo-pg, payjp")
                .contains("no failover: the card token or stored card belongs to gmo-pg");
        assertThat(attempts(payment)).extracting(a -> a.path("provider").asText()).containsExactly("gmo-pg");
        assertThat(payjp.requests()).as("PAY.JP never saw the card").isEmpty();
    }

    @Test
    @Order(3)
    void chargeThatTimesOutAfterSendingIsNeverFailedOverAndIsReconciledWithItsProvider() {
        rig.gmoProxy.connections(FaultProxy.Connections.ACCEPT);
        ObjectNode order = konbini();
        String orderId = order.get("orderId").asText();
        // GMO gets the charge only after Kessai stopped waiting for its answer (response timeout 1.5 s)
        rig.gmoProxy.plan(FaultProxy.path("/cash/charge").and(bodyContains(orderId)), 1,
                FaultProxy.Fault.latency(FaultRig.RESPONSE_TIMEOUT.plusMillis(700)));
        Call call = pay(order);

        assertChargeUnknown(call, "requires_action");
        assertThat(payment(call.paymentId()).path("provider").asText()).isEqualTo("gmo-pg");
        assertThat(rig.jp.applications(orderId)).as("japan-payment never got the order").isZero();

        // once GMO has it, the same request again asks GMO (inquiry), never another provider, and answers the truth
        await().atMost(Duration.ofSeconds(5)).until(() -> rig.gmo.requests().stream()
                .anyMatch(r -> r.path().equals("/cash/charge") && orderId.equals(r.orderId())));
        Call again = pay(call.order(), call.key());
        assertThat(again.answer().status()).as(again.answer().body()).isEqualTo(200);
        assertThat(again.answer().text("status")).isEqualTo("requires_action");
        assertThat(again.answer().text("provider")).isEqualTo("gmo-pg");
        assertThat(rig.gmo.requests()).filteredOn(r -> r.path().equals("/cash/charge") && orderId.equals(r.orderId()))
                .hasSize(1);
        assertThat(rig.jp.applications(orderId)).isZero();
        assertThat(attempts(payment(call.paymentId()))).extracting(a -> a.path("provider").asText()).containsExactly("gmo-pg");
    }

    @Test
    @Order(4)
    void answerDroppedAfterSendingIsNeverFailedOverAndIsReconciledWithItsProvider() {
        rig.gmoProxy.connections(FaultProxy.Connections.ACCEPT);
        ObjectNode order = konbini();
        rig.gmoProxy.plan(FaultProxy.path("/cash/charge").and(bodyContains(order.get("orderId").asText())), 1,
                FaultProxy.Fault.dropAnswer());
        Call call = pay(order);

        assertChargeUnknown(call, "requires_action");
        assertThat(payment(call.paymentId()).path("provider").asText()).isEqualTo("gmo-pg");
        assertThat(rig.jp.applications(call.orderId())).isZero();
        Call again = pay(call.order(), call.key());
        assertThat(again.answer().status()).as(again.answer().body()).isEqualTo(200);
        assertThat(again.answer().text("status")).isEqualTo("requires_action");
        assertThat(again.answer().text("provider")).isEqualTo("gmo-pg");
        assertThat(rig.jp.applications(call.orderId())).isZero();
    }

    @Test
    @Order(5)
    void maintenanceAnswerAfterASendThatMayHaveChargedIsNeverFailedOver() {
        rig.gmoProxy.connections(FaultProxy.Connections.ACCEPT);
        ObjectNode order = konbini();
        String orderId = order.get("orderId").asText();
        // the first send reaches GMO (which makes the order) but Kessai sees a 500; the retry, under the same key,
        // meets "maintenance": by itself a proof that nothing was done, but not for the first send
        rig.gmoProxy.plan(FaultProxy.path("/cash/charge").and(bodyContains(orderId)), 1,
                FaultProxy.Fault.replaceAnswer(500, "application/problem+json", "{\"title\":\"internal_server_error\"}"));
        rig.gmoProxy.always(FaultProxy.path("/cash/charge").and(bodyContains(orderId)),
                FaultProxy.Fault.answerWithoutForwarding(503, "application/problem+json", "{\"title\":\"maintenance\"}"));
        Call call = pay(order);

        assertChargeUnknown(call, "requires_action");
        assertThat(payment(call.paymentId()).path("provider").asText()).isEqualTo("gmo-pg");
        assertThat(rig.jp.applications(orderId)).as("japan-payment never got the order").isZero();
        rig.gmoProxy.clearPlan();
        Call again = pay(call.order(), call.key());
        assertThat(again.answer().status()).as(again.answer().body()).isEqualTo(200);
        assertThat(again.answer().text("status")).isEqualTo("requires_action");
        assertThat(again.answer().text("provider")).isEqualTo("gmo-pg");
        assertThat(rig.jp.applications(orderId)).isZero();
    }

    @Test
    @Order(6)
    void weightsSplitARunOfPaymentsBetweenTheProvidersOfTheRule() {
        rig.gmoProxy.connections(FaultProxy.Connections.ACCEPT);
        int gmo = 0;
        int jp = 0;
        for (int i = 0; i < 12; i++) {
            Call call = pay(Orders.japanPayment("JPY", "3000", "bank_transfer", "GMO_AOZORA"));
            assertThat(call.answer().status()).as(call.answer().body()).isEqualTo(201);
            String provider = call.answer().text("provider");
            assertThat(call.answer().json().path("routing").path("reason").asText())
                    .startsWith("kessai.routing.rules.3 (bank_transfer GMO_AOZORA): " + provider + " by weight");
            if ("gmo-pg".equals(provider)) {
                gmo++;
            } else {
                assertThat(provider).isEqualTo("japan-payment");
                jp++;
            }
        }
        // gmo-pg:3, japan-payment:1 -> 9 and 3 of 12, within one payment each
        assertThat(gmo).isBetween(8, 10);
        assertThat(jp).isBetween(2, 4);
    }
}
