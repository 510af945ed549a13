package io.kessai.ops;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.support.CapturedLogs;
import io.kessai.support.KessaiInstance;
import io.kessai.support.KessaiInstance.Answer;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A pending payment whose charge stays unknown past the janitor's maximum age, at a provider whose inquiry can never
 * answer (paymentoptions has none): the janitor marks the operation {@code unresolved} with a WARN line, the payment
 * stays {@code pending} (never failed), and {@code kessai_operations_open{state="unresolved"}} counts it for on-call.
 */
class UnresolvedOperationsTest {
    @Test
    void aChargeUnknownPastTheMaximumAgeIsMarkedUnresolvedLoggedAndCounted() {
        try (CapturedLogs logs = CapturedLogs.start("unresolved");
             KessaiInstance kessai = KessaiInstance.start(TestDatabases.h2(), Map.of(
                     "kessai.management.enabled", "true",
                     "kessai.providers.enabled", "paymentoptions",
                     "kessai.providers.paymentoptions.response-timeout-ms", "300",
                     "kessai.sandbox.paymentoptions.slow-ms", "1000",
                     "kessai.janitor.paymentoptions.max-age", "1s",
                     "kessai.janitor.in-flight-grace-ms", "200"))) {
            ObjectNode order = Orders.gmoCard("tok-slow-" + UUID.randomUUID());
            order.put("provider", "paymentoptions");
            ((ObjectNode) order.get("customer")).put("ip", "127.0.0.1");
            order.putObject("billingAddress").put("name", "Taro Yamada").put("line1", "1-2-3 Shinjuku")
                    .put("city", "Shinjuku-ku").put("state", "Tokyo").put("postalCode", "1600022").put("country", "JP");
            Answer timedOut = kessai.post("/payments", order.toString());
            assertThat(timedOut.status()).as(timedOut.body()).isEqualTo(504);
            String paymentId = timedOut.text("paymentId");

            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).until(() -> Scrape.parse(
                    kessai.get(kessai.managementUrl() + "/observe/metrics").body())
                    .value("kessai_operations_open", "provider", "paymentoptions", "state", "unresolved") == 1);

            assertThat(kessai.get("/payments/" + paymentId).text("status")).as("never failed").isEqualTo("pending");
            assertThat(logs.lines()).anySatisfy(line -> assertThat(line).startsWith("WARN")
                    .contains(paymentId).contains("marked unresolved for an operator"));
        }
    }
}
