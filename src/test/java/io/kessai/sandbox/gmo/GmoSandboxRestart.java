package io.kessai.sandbox.gmo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.support.KessaiInstance;
import io.kessai.support.KessaiInstance.Answer;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GMO-PG sandbox keeps its orders in Kessai's database: after a restart of Kessai on the same store, the new
 * sandbox still knows the authorized card payment, the unpaid konbini payment and the 3-D Secure payment whose
 * customer has not come back yet. The janitor's inquiry finds them (the open payments stay open instead of being
 * settled as never received), a capture works, paying the konbini order sends the CASH_PAID webhook that captures
 * it, and the 3-D Secure customer coming back is authorized. The subclasses run it on a file H2 store and on
 * PostgreSQL.
 *
 * <p>Kessai's port and the sandbox's port are the same before and after the restart, as a standalone Kessai's
 * configuration would keep them: the webhook URL and the 3-D Secure page the sandbox handed out stay valid.
 */
abstract class GmoSandboxRestart {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    abstract TestDatabases.Db database(Path dir);

    @Test
    void aRestartedKessaisGmoSandboxStillKnowsTheOrdersTheJanitorCaptureWebhookAndCustomerNeed() {
        TestDatabases.Db db = database(dir);
        int kessaiPort = freePort();
        Map<String, String> settings = new HashMap<>();
        settings.put("kessai.http.port", String.valueOf(kessaiPort));
        settings.put("kessai.sandbox.gmo-pg.port", String.valueOf(freePort()));
        // After the restart the janitor settles an open payment the provider does not know as soon as 100 ms
        // passed since the charge was sent: a sandbox that forgot the orders would fail them at once.
        Map<String, String> impatient = new HashMap<>(settings);
        impatient.put("kessai.janitor.in-flight-grace-ms", "100");

        String cardOrderId;
        String cardId;
        String konbiniOrderId;
        String konbiniId;
        String konbiniAccessId;
        String tdsOrderId;
        String tdsId;
        String tdsRedirect;
        try (KessaiInstance before = KessaiInstance.start(db, settings)) {
            Answer card = before.post("/payments", Orders.manual(gmo(Orders.gmoCard("tok_ok"))).toString());
            assertThat(card.status()).as(card.body()).isEqualTo(201);
            assertThat(card.text("status")).isEqualTo("authorized");
            cardOrderId = card.text("orderId");
            cardId = card.text("paymentId");

            ObjectNode konbiniOrder = gmo(Orders.gmoCard("unused"));
            konbiniOrder.putObject("method").put("type", "konbini").put("brand", "LAWSON");
            Answer konbini = before.post("/payments", konbiniOrder.toString());
            assertThat(konbini.status()).as(konbini.body()).isEqualTo(201);
            assertThat(konbini.text("status")).isEqualTo("requires_action");
            konbiniOrderId = konbini.text("orderId");
            konbiniId = konbini.text("paymentId");
            konbiniAccessId = konbini.json().path("providerRef").path("id").asText();

            Answer tds = before.post("/payments", Orders.manual(gmo(Orders.gmoCard("tok_tds"))).toString());
            assertThat(tds.status()).as(tds.body()).isEqualTo(201);
            assertThat(tds.text("status")).isEqualTo("requires_action");
            tdsOrderId = tds.text("orderId");
            tdsId = tds.text("paymentId");
            tdsRedirect = tds.json().path("nextAction").path("url").asText();
        }

        try (KessaiInstance after = KessaiInstance.start(db, impatient)) {
            GmoSandbox sandbox = after.gmoSandbox();
            assertThat(sandbox.authorizations(cardOrderId)).as("the card order, read back from the database").isEqualTo(1);
            assertThat(sandbox.authorizations(konbiniOrderId)).as("the konbini order, read back").isEqualTo(1);

            // The janitor asks the new sandbox about the open payments; it answers them (200), not "invalid orderId".
            for (String orderId : new String[] {konbiniOrderId, tdsOrderId}) {
                await().atMost(WAIT).until(() -> sandbox.requests().stream().anyMatch(r -> orderId.equals(r.orderId())
                        && r.path().equals("/order/inquiry") && r.status() == 200));
            }
            assertThat(sandbox.requests()).filteredOn(r -> r.path().equals("/order/inquiry"))
                    .allSatisfy(r -> assertThat(r.status()).as("inquiry answers").isEqualTo(200));
            assertThat(after.get("/payments/" + konbiniId).text("status")).isEqualTo("requires_action");
            assertThat(after.get("/payments/" + tdsId).text("status")).isEqualTo("requires_action");

            Answer captured = after.post("/payments/" + cardId + "/capture", null);
            assertThat(captured.status()).as(captured.body()).isEqualTo(200);
            assertThat(captured.text("status")).isEqualTo("captured");
            assertThat(sandbox.requests()).filteredOn(r -> r.path().equals("/order/capture"))
                    .extracting(GmoSandbox.RecordedRequest::status).containsExactly(201);

            sandbox.payCash(konbiniAccessId);
            await().atMost(WAIT).until(() -> "captured".equals(after.get("/payments/" + konbiniId).text("status")));
            assertThat(after.get("/payments/" + konbiniId).text("capturedAmount")).isEqualTo("1000");
            await().atMost(WAIT).until(() -> sandbox.webhookDeliveries().stream()
                    .anyMatch(d -> d.accessId().equals(konbiniAccessId) && d.status() == 200));

            // The 3-D Secure customer comes back after the restart: the sandbox still knows where to send them.
            Answer acs = after.get(tdsRedirect + "?result=success");
            assertThat(acs.status()).as(acs.body()).isEqualTo(302);
            assertThat(acs.location()).startsWith(after.baseUrl() + "/callbacks/gmo-pg?p=");
            Answer callback = after.get(acs.location());
            assertThat(callback.status()).as(callback.body()).isEqualTo(302);
            assertThat(callback.location()).endsWith("&status=authorized");
            assertThat(after.get("/payments/" + tdsId).text("status")).isEqualTo("authorized");
            assertThat(sandbox.authorizations(tdsOrderId)).isEqualTo(1);
        }
    }

    private static ObjectNode gmo(ObjectNode order) {
        return order.put("provider", "gmo-pg");
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
