package io.kessai.sandbox.japanpayment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kessai.support.KessaiInstance;
import io.kessai.support.KessaiInstance.Answer;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Japan Payment sandbox keeps its orders in Kessai's database: after a restart of Kessai on the same (file)
 * store, the new sandbox still knows the order, so the janitor's inquiry keeps the payment open instead of settling
 * it as never received, and paying it then captures it. Its key pairs are kept too: the restarted sandbox signs with
 * the same key and Kessai signs with the same merchant key (made once, not on every start).
 */
class JapanPaymentSandboxRestartTest {

    @Test
    void aRestartedKessaisSandboxStillKnowsTheOrderTheJanitorAsksAboutAndKeepsItsKeys(@TempDir Path dir) {
        TestDatabases.Db db = new TestDatabases.Db("jdbc:h2:file:" + dir.resolve("kessai").toAbsolutePath(), "sa", "");
        // The janitor asks every 200 ms. After the restart it settles an order the provider does not know as soon as
        // 100 ms passed since the charge was sent: a sandbox that forgot the order would fail the payment at once.
        Map<String, String> settings = Map.of();
        Map<String, String> impatient = Map.of("kessai.janitor.in-flight-grace-ms", "100");
        String orderId;
        String paymentId;
        String sandboxKey;
        String merchantKey;
        try (KessaiInstance before = KessaiInstance.start(db, settings)) {
            sandboxKey = before.japanPaymentSandbox().publicKeyPem();
            merchantKey = before.context().resolvePropertyPlaceholders("{{kessai.providers.japan-payment.private-key}}");
            Answer created = before.post("/payments", Orders.japanPayment("JPY", "1000", "konbini", "LAWSON").toString());
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            assertThat(created.text("status")).isEqualTo("requires_action");
            orderId = created.text("orderId");
            paymentId = created.text("paymentId");
        }

        try (KessaiInstance after = KessaiInstance.start(db, impatient)) {
            JapanPaymentSandbox sandbox = after.japanPaymentSandbox();
            assertThat(sandbox.publicKeyPem()).as("the sandbox's key pair, read back").isEqualTo(sandboxKey);
            assertThat(after.context().resolvePropertyPlaceholders("{{kessai.providers.japan-payment.private-key}}"))
                    .as("the merchant key Kessai signs with, read back").isEqualTo(merchantKey);
            assertThat(sandbox.applications(orderId)).as("the order, read back from the database").isEqualTo(1);
            // The janitor asks the new sandbox, which answers the order (status 0), not "order not found".
            await().atMost(Duration.ofSeconds(60)).until(() -> sandbox.requests().stream()
                    .anyMatch(r -> orderId.equals(r.orderId()) && r.path().endsWith("/query") && "1".equals(r.status())));
            assertThat(after.get("/payments/" + paymentId).text("status")).isEqualTo("requires_action");

            sandbox.advance(orderId, 1);
            sandbox.advance(orderId, 2);
            await().atMost(Duration.ofSeconds(60)).until(() -> "captured".equals(after.get("/payments/" + paymentId).text("status")));
        }
    }
}
