package io.kessai.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.support.FaultProxy;
import io.kessai.support.Orders;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckHelper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * gmo-pg's circuit breaker, through the public doors: refused connections open it; while it is open an order for
 * gmo-pg answers {@code 503 provider_unavailable} without a call to GMO, and a konbini order whose rule lists
 * japan-payment after gmo-pg fails over at once; after {@code wait-in-open-ms} one probe goes through and, answered,
 * closes it again. Its state shows in the Camel health check {@code circuit-gmo-pg} (group {@code kessai}) (UP throughout, the state
 * in the details) and in the Micrometer gauge {@code kessai.circuit.state}.
 */
class ProviderCircuitTest extends FaultSuite {
    private static final Duration WAIT_IN_OPEN = Duration.ofSeconds(4);
    /** A registry under Metrics.globalRegistry, where Kessai's meters are read (the management server does the same). */
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

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
        Metrics.globalRegistry.add(meters);
        return Map.ofEntries(
                // the first payment's four refused sends (one and three retries) fill the window and open it
                Map.entry("kessai.providers.gmo-pg.circuit.sliding-window", "4"),
                Map.entry("kessai.providers.gmo-pg.circuit.minimum-calls", "4"),
                Map.entry("kessai.providers.gmo-pg.circuit.failure-rate-threshold", "50"),
                Map.entry("kessai.providers.gmo-pg.circuit.wait-in-open-ms", String.valueOf(WAIT_IN_OPEN.toMillis())),
                Map.entry("kessai.providers.gmo-pg.circuit.half-open-calls", "1"),
                Map.entry("kessai.routing.rules.1.method", "konbini"),
                Map.entry("kessai.routing.rules.1.providers", "gmo-pg,japan-payment"));
    }

    @AfterAll
    void removeMeters() {
        Metrics.globalRegistry.remove(meters);
        meters.close();
    }

    /** The health check as the registry calls it (at exposure level "full" the management server shows these details). */
    private Map<String, Object> health() {
        HealthCheck check = HealthCheckHelper.getHealthCheck(rig.kessai.context(), "circuit-gmo-pg");
        assertThat(check).as("health check circuit-gmo-pg in the context's registry").isNotNull();
        assertThat(check.getGroup()).isEqualTo("kessai");
        assertThat(check.isReadiness()).isTrue();
        HealthCheck.Result result = check.call();
        assertThat(result.getState()).as("an open circuit does not make Kessai unready").isEqualTo(HealthCheck.State.UP);
        return result.getDetails();
    }

    private double gauge(String state) {
        return meters.get("kessai.circuit.state").tag("provider", "gmo-pg").tag("state", state).gauge().value();
    }

    private ObjectNode gmoCard() {
        return Orders.gmoCard("tok_visa").put("provider", "gmo-pg");
    }

    @Test
    void refusedConnectionsOpenTheCircuitWhichAnswers503WithoutCallingAndClosesAgainAfterASuccessfulProbe() {
        assertThat(health()).containsEntry("state", "CLOSED");

        // 1. GMO refuses connections: four sends that surely did not reach it open the circuit
        Call refused = pay(gmoCard());
        assertThat(refused.answer().status()).as(refused.answer().body()).isEqualTo(503);
        assertThat(health()).containsEntry("state", "OPEN").containsEntry("failure_rate", 100.0f);
        assertThat(gauge("open")).isEqualTo(1.0);
        assertThat(gauge("closed")).isEqualTo(0.0);

        // 2. GMO is back, but the circuit is open: 503 at once, and nothing reaches GMO
        rig.gmoProxy.connections(FaultProxy.Connections.ACCEPT);
        Call held = pay(gmoCard());
        assertThat(held.answer().status()).as(held.answer().body()).isEqualTo(503);
        assertThat(held.answer().text("title")).isEqualTo("provider_unavailable");
        JsonNode heldPayment = payment(held.paymentId());
        assertThat(heldPayment.path("status").asText()).isEqualTo("failed");
        assertThat(heldPayment.path("error").path("providerCode").asText()).isEqualTo("circuit_open");
        assertThat(heldPayment.path("error").path("retryable").asBoolean()).isTrue();
        assertThat(rig.gmoProxy.requests(FaultProxy.any())).as("requests that reached GMO's proxy").isEmpty();
        assertThat(rig.kessai.store().attempts(held.paymentId())).extracting(a -> a.outcome())
                .containsExactly("circuit_open");

        // ... and a konbini order whose rule goes on to japan-payment fails over without trying GMO
        ObjectNode konbini = Orders.japanPayment("JPY", "3000", "konbini", "LAWSON");
        ((ObjectNode) konbini.get("customer")).put("nameKana", "ヤマダ タロウ");
        Call failedOver = pay(konbini);
        assertThat(failedOver.answer().status()).as(failedOver.answer().body()).isEqualTo(201);
        assertThat(failedOver.answer().text("provider")).isEqualTo("japan-payment");
        assertThat(failedOver.answer().json().path("routing").path("reason").asText()).contains("circuit is open");
        assertThat(rig.gmoProxy.requests(FaultProxy.any())).isEmpty();
        assertThat(meters.get("kessai.routing.failovers").tag("from", "gmo-pg").tag("to", "japan-payment")
                .tag("method", "konbini").counter().count()).isEqualTo(1.0);
        assertThat(meters.get("kessai.circuit.not.permitted").tag("provider", "gmo-pg").counter().count()).isEqualTo(2.0);

        // 3. after wait-in-open-ms one probe goes through; until then every order answers 503 without a call
        await().atMost(WAIT_IN_OPEN.plusSeconds(8)).pollInterval(Duration.ofMillis(250))
                .until(() -> pay(gmoCard()).answer().status() == 201);
        assertThat(rig.gmoProxy.requests(FaultProxy.path("/credit/charge"))).as("only the probe reached GMO").hasSize(1);
        assertThat(health()).containsEntry("state", "CLOSED");
        assertThat(gauge("closed")).isEqualTo(1.0);
        assertThat(gauge("open")).isEqualTo(0.0);
    }
}
