package io.kessai.sandbox.payjp;

import static io.kessai.sandbox.payjp.PayjpHttp.form;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.kessai.sandbox.payjp.PayjpSandbox.WebhookDelivery;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Events and their webhooks (X-Payjp-Webhook-Token, retries, duplicates, wrong tokens) of the PAY.JP sandbox. */
class PayjpWebhookTest {

    static final String SK = "sk_test_webhook00000000000000";
    static final String PF = "sk_live_pf_webhook";
    static final String TOKEN = "whook_4f1c0a9c2e";
    private static WebhookReceiver receiver;
    private static PayjpSandbox sandbox;
    private static String charges;

    @BeforeAll
    static void start() throws Exception {
        receiver = new WebhookReceiver();
        sandbox = new PayjpSandbox(PayjpSandbox.Settings.defaults(SK, PF).withRateLimit(10_000, 10_000)
                .withProcessingTime(Duration.ZERO).withWebhook(receiver.url(), TOKEN)
                .withWebhookRetries(Duration.ofMillis(50), 3)).start();
        charges = sandbox.apiBase() + "/charges";
    }

    @AfterAll
    static void stop() {
        sandbox.close();
        receiver.close();
    }

    @BeforeEach
    void reset() {
        sandbox.reset();
        receiver.clear();
    }

    private static String token(String word) {
        return "tok_" + word + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    private static JsonNode json(String body) throws Exception {
        return PayjpHttp.M.readTree(body);
    }

    private static void awaitReceived(int n) {
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.received().size() >= n);
    }

    @Test
    void chargeChangesArePostedAsEventsWithTheWebhookToken() throws Exception {
        String id = PayjpHttp.post(charges, SK, form("card", token(""), "amount", "1000", "currency", "jpy",
                "capture", "false")).json().get("id").asText();
        PayjpHttp.post(charges + "/" + id + "/capture", SK, form("amount", "800"));
        PayjpHttp.post(charges + "/" + id + "/refund", SK, form("amount", "100"));
        PayjpHttp.post(charges, SK, form("card", token("declined"), "amount", "1000", "currency", "jpy"));
        awaitReceived(4);
        List<WebhookReceiver.Received> got = receiver.received();
        assertThat(got).allSatisfy(r -> {
            assertThat(r.token()).isEqualTo(TOKEN);
            assertThat(r.contentType()).startsWith("application/json");
        });
        List<String> types = got.stream().map(r -> {
            try {
                return json(r.body()).get("type").asText();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).toList();
        assertThat(types).containsExactlyInAnyOrder("charge.succeeded", "charge.captured", "charge.refunded",
                "charge.failed");
        JsonNode refunded = json(got.stream().filter(r -> r.body().contains("charge.refunded")).findFirst()
                .orElseThrow().body());
        assertThat(refunded.get("id").asText()).matches("evnt_[0-9a-f]{27}");
        assertThat(refunded.get("object").asText()).isEqualTo("event");
        assertThat(refunded.get("livemode").asBoolean()).isFalse();
        assertThat(refunded.get("created").asLong()).isPositive();
        assertThat(refunded.get("pending_webhooks").asInt()).isEqualTo(1);
        assertThat(refunded.get("data").get("id").asText()).isEqualTo(id);
        assertThat(refunded.get("data").get("amount_refunded").asLong()).isEqualTo(300);
        await().atMost(Duration.ofSeconds(5)).until(() -> sandbox.webhookDeliveries().size() == 4);
        assertThat(sandbox.webhookDeliveries()).allSatisfy(d -> {
            assertThat(d.status()).isEqualTo(200);
            assertThat(d.attempt()).isEqualTo(1);
            assertThat(d.rightToken()).isTrue();
        });
        assertThat(sandbox.events()).hasSize(4);
    }

    @Test
    void aFailedDeliveryIsRetriedUntilItIsAcceptedOrTheRetriesRunOut() throws Exception {
        receiver.answer(500, 503);
        PayjpHttp.post(charges, SK, form("card", token(""), "amount", "1000", "currency", "jpy"));
        await().atMost(Duration.ofSeconds(10)).until(() -> sandbox.webhookDeliveries().size() == 3);
        assertThat(sandbox.webhookDeliveries()).extracting(WebhookDelivery::attempt, WebhookDelivery::status)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, 500), org.assertj.core.groups.Tuple.tuple(2, 503),
                        org.assertj.core.groups.Tuple.tuple(3, 200));
        assertThat(receiver.received()).extracting(WebhookReceiver.Received::body).containsOnly(
                receiver.received().get(0).body());

        sandbox.reset();
        receiver.clear();
        receiver.answer(500, 500, 500, 500, 500, 500);
        PayjpHttp.post(charges, SK, form("card", token(""), "amount", "1000", "currency", "jpy"));
        await().atMost(Duration.ofSeconds(10)).until(() -> sandbox.webhookDeliveries().size() == 4);
        String first = sandbox.webhookDeliveries().get(0).eventId();
        // one more retry interval: nothing more comes
        await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> sandbox.webhookDeliveries().size() == 4);
        assertThat(sandbox.webhookDeliveries()).allSatisfy(d -> assertThat(d.eventId()).isEqualTo(first));
    }

    @Test
    void hooksSendADuplicateAWrongTokenNoTokenAndANewEvent() throws Exception {
        String id = PayjpHttp.post(charges, SK, form("card", token(""), "amount", "1000", "currency", "jpy"))
                .json().get("id").asText();
        awaitReceived(1);
        String eventId = sandbox.events().get(0).id();
        sandbox.resendEvent(eventId);
        awaitReceived(2);
        assertThat(receiver.received().get(1).body()).isEqualTo(receiver.received().get(0).body());
        sandbox.sendEventWithToken(eventId, "not-the-token");
        awaitReceived(3);
        assertThat(receiver.received().get(2).token()).isEqualTo("not-the-token");
        sandbox.sendEventWithToken(eventId, null);
        awaitReceived(4);
        assertThat(receiver.received().get(3).token()).isNull();
        await().atMost(Duration.ofSeconds(5)).until(() -> sandbox.webhookDeliveries().size() == 4);
        assertThat(sandbox.webhookDeliveries()).extracting(WebhookDelivery::rightToken)
                .containsExactly(true, true, false, false);

        String fresh = sandbox.raiseEvent("charge.updated", id);
        awaitReceived(5);
        JsonNode e = json(receiver.received().get(4).body());
        assertThat(e.get("id").asText()).isEqualTo(fresh).isNotEqualTo(eventId);
        assertThat(e.get("type").asText()).isEqualTo("charge.updated");
        assertThat(e.get("data").get("id").asText()).isEqualTo(id);
    }

    @Test
    void aTransferBecomingPaidSendsTransferSucceeded() throws Exception {
        String pf = sandbox.createTransfer(Instant.now(), 2);
        String tr = sandbox.merchantTransferIds(pf).get(0);
        sandbox.changeTransferStatus(tr, "failed");
        sandbox.changeTransferStatus(tr, "paid");
        awaitReceived(1);
        JsonNode e = json(receiver.received().get(0).body());
        assertThat(e.get("type").asText()).isEqualTo("transfer.succeeded");
        assertThat(e.get("data").get("id").asText()).isEqualTo(tr);
        assertThat(e.get("data").get("status").asText()).isEqualTo("paid");
        assertThat(e.get("data").get("transfer_amount").asLong()).isEqualTo(e.get("data").get("amount").asLong());
        sandbox.changeTransferStatus(pf, "paid");
        awaitReceived(2);
        JsonNode p = json(receiver.received().get(1).body());
        assertThat(p.get("data").get("object").asText()).isEqualTo("platform_transfer");
        assertThat(sandbox.events()).extracting(PayjpSandbox.Event::type).containsOnly("transfer.succeeded");
    }
}
