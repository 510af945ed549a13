package io.kessai.payment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.sandbox.payjp.PayjpSandbox;
import io.kessai.support.KessaiInstance;
import io.kessai.support.KessaiInstance.Answer;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * PAY.JP card payments through the HTTP API and the webhook door against the PAY.JP sandbox, on one store. The
 * subclasses run the same behaviour on H2 and on PostgreSQL.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class PayjpCardPaymentFlows {
    private static final ObjectMapper JSON = new ObjectMapper();
    KessaiInstance kessai;
    PayjpSandbox payjp;
    final HttpClient http = HttpClient.newHttpClient();

    abstract TestDatabases.Db database();

    @BeforeAll
    void start() {
        kessai = KessaiInstance.start(database(), Map.of(
                "kessai.providers.payjp.response-timeout-ms", "1500",
                "kessai.sandbox.payjp.slow-ms", "5000",
                // the janitor's first look comes after Kessai stopped waiting for the slow charge
                "kessai.janitor.payjp.schedule", "4s,300ms",
                "kessai.janitor.in-flight-grace-ms", "1000"));
        payjp = kessai.payjpSandbox();
    }

    @AfterAll
    void stop() {
        if (kessai != null) {
            kessai.close();
        }
    }

    private Answer pay(ObjectNode order) {
        return kessai.post("/payments", order.toString());
    }

    private String status(String paymentId) {
        return kessai.get("/payments/" + paymentId).text("status");
    }

    /** The charge as PAY.JP holds it (the sandbox's own API, with the merchant's secret key). */
    private JsonNode charge(String chargeId) throws Exception {
        return JSON.readTree(payjpCall("GET", "/charges/" + chargeId).body());
    }

    private HttpResponse<String> payjpCall(String method, String path) throws Exception {
        String basic = Base64.getEncoder().encodeToString((payjp.settings().secretKey() + ":").getBytes(StandardCharsets.UTF_8));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(payjp.apiBase() + path))
                .header("Authorization", "Basic " + basic).timeout(Duration.ofSeconds(30));
        b = "POST".equals(method) ? b.header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.noBody()) : b.GET();
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private Answer webhook(String body, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(kessai.baseUrl() + "/webhooks/payjp"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("X-Payjp-Webhook-Token", token);
        }
        return kessai.send(b.build());
    }

    @Test
    void immediateChargeIsCapturedWithItsPlatformFeeMetadataAndOneIdempotencyKey() throws Exception {
        ObjectNode order = Orders.payjpCard("tok_immediate_" + System.nanoTime());
        Answer created = pay(order);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.text("provider")).isEqualTo("payjp");
        assertThat(created.text("status")).isEqualTo("captured");
        assertThat(created.text("capturedAmount")).isEqualTo("1000");
        String chargeId = created.json().path("providerRef").path("id").asText();
        assertThat(chargeId).startsWith("ch_");
        JsonNode charge = charge(chargeId);
        assertThat(charge.path("captured").asBoolean()).isTrue();
        assertThat(charge.path("platform_fee").asLong()).isEqualTo(100);
        assertThat(charge.path("description").asText()).isEqualTo("Digital Product");
        assertThat(charge.path("metadata").path("cartId").asText()).isEqualTo("c-77");
        assertThat(charge.path("metadata").path("kessai_payment_id").asText()).isEqualTo(created.text("paymentId"));
        assertThat(charge.path("metadata").path("kessai_order_id").asText()).isEqualTo(order.get("orderId").asText());
        var sent = payjp.requests().stream().filter(r -> r.method().equals("POST") && r.path().equals("/v1/charges")
                && r.status() == 200).toList();
        assertThat(sent).anyMatch(r -> "Basic".equals(r.authScheme()) && r.idempotencyKey() != null);
    }

    @Test
    void partialCaptureThenPartialRefundsKeepTheAmountsRight() {
        ObjectNode order = Orders.manual(Orders.payjpCard("tok_partial_" + System.nanoTime()));
        Answer authorized = pay(order);
        assertThat(authorized.status()).as(authorized.body()).isEqualTo(201);
        assertThat(authorized.text("status")).isEqualTo("authorized");
        assertThat(authorized.text("capturedAmount")).isEqualTo("0");
        assertThat(authorized.json().path("capture").path("expiresAt").asText()).isNotBlank();
        String id = authorized.text("paymentId");

        Answer captured = kessai.post("/payments/" + id + "/capture", "{\"amount\":\"600\"}");
        assertThat(captured.status()).as(captured.body()).isEqualTo(200);
        assertThat(captured.text("status")).isEqualTo("captured");
        assertThat(captured.text("capturedAmount")).isEqualTo("600");
        assertThat(captured.text("refundedAmount")).isEqualTo("0");

        Answer refunded = kessai.post("/payments/" + id + "/refund", "{\"amount\":\"100\"}");
        assertThat(refunded.status()).as(refunded.body()).isEqualTo(200);
        assertThat(refunded.text("status")).isEqualTo("captured");
        assertThat(refunded.text("capturedAmount")).isEqualTo("600");
        assertThat(refunded.text("refundedAmount")).isEqualTo("100");

        Answer rest = kessai.post("/payments/" + id + "/refund", "{\"amount\":\"500\"}");
        assertThat(rest.status()).as(rest.body()).isEqualTo(200);
        assertThat(rest.text("status")).isEqualTo("refunded");
        assertThat(rest.text("capturedAmount")).isEqualTo("600");
        assertThat(rest.text("refundedAmount")).isEqualTo("600");
    }

    @Test
    void cancelOfAnAuthorizationReleasesItWithARefund() throws Exception {
        Answer authorized = pay(Orders.manual(Orders.payjpCard("tok_cancel_" + System.nanoTime())));
        String id = authorized.text("paymentId");
        Answer canceled = kessai.post("/payments/" + id + "/cancel", null);
        assertThat(canceled.status()).as(canceled.body()).isEqualTo(200);
        assertThat(canceled.text("status")).isEqualTo("canceled");
        JsonNode charge = charge(authorized.json().path("providerRef").path("id").asText());
        assertThat(charge.path("captured").asBoolean()).isFalse();
        assertThat(charge.path("refunded").asBoolean()).isTrue();
    }

    @Test
    void declinedCardFailsWithCardDeclinedAndPayjpsCode() {
        Answer declined = pay(Orders.payjpCard("tok_declined_" + System.nanoTime()));
        assertThat(declined.status()).as(declined.body()).isEqualTo(402);
        assertThat(declined.text("title")).isEqualTo("card_declined");
        assertThat(declined.body()).contains("card_declined");
        String id = declined.text("paymentId");
        assertThat(status(id)).isEqualTo("failed");
        assertThat(kessai.get("/payments/" + id).json().path("error").path("providerCode").asText()).isEqualTo("card_declined");

        Answer expired = pay(Orders.payjpCard("tok_expired_card_" + System.nanoTime()));
        assertThat(expired.text("title")).isEqualTo("card_declined");
        Answer processing = pay(Orders.payjpCard("tok_processing_error_" + System.nanoTime()));
        assertThat(processing.status()).isEqualTo(402);
        assertThat(processing.text("title")).isEqualTo("payment_failed");
    }

    @Test
    void anotherCurrencyIsUnsupportedBeforeAnyCall() {
        ObjectNode order = Orders.payjpCard("tok_usd_" + System.nanoTime());
        order.put("currency", "USD").put("amount", "10.00").remove("platformFee");
        Answer refused = pay(order);
        assertThat(refused.status()).as(refused.body()).isEqualTo(422);
        assertThat(refused.text("title")).isEqualTo("unsupported");
        assertThat(payjp.chargesWith(order.path("method").path("token").asText())).isZero();
        assertThat(payjp.requests()).noneMatch(r -> r.method().equals("POST") && r.path().equals("/v1/charges")
                && order.path("method").path("token").asText().equals(r.query()));
    }

    @Test
    void aScheduleBeyondWhatPayjpCanHoldIsAFieldErrorAndWithinItAnAuthorizationUntilThatDay() throws Exception {
        String token = "tok_far_" + System.nanoTime();
        ObjectNode far = Orders.payjpCard(token);
        far.putObject("capture").put("mode", "scheduled")
                .put("at", OffsetDateTime.now(ZoneOffset.ofHours(9)).plusDays(70).toString());
        Answer refused = pay(far);
        assertThat(refused.status()).as(refused.body()).isEqualTo(400);
        assertThat(refused.json().path("errors").toString()).contains("capture.at");
        assertThat(payjp.chargesWith(token)).isZero();

        ObjectNode near = Orders.payjpCard("tok_near_" + System.nanoTime());
        near.putObject("capture").put("mode", "scheduled")
                .put("at", OffsetDateTime.now(ZoneOffset.ofHours(9)).plusDays(10).toString());
        Answer authorized = pay(near);
        assertThat(authorized.status()).as(authorized.body()).isEqualTo(201);
        assertThat(authorized.text("status")).isEqualTo("authorized");
        JsonNode charge = charge(authorized.json().path("providerRef").path("id").asText());
        OffsetDateTime expires = OffsetDateTime.ofInstant(java.time.Instant.ofEpochSecond(charge.path("expired_at").asLong()),
                ZoneOffset.ofHours(9));
        assertThat(expires).isAfter(OffsetDateTime.parse(near.path("capture").path("at").asText()));
        assertThat(expires).isBefore(OffsetDateTime.parse(near.path("capture").path("at").asText()).plusDays(2));
    }

    @Test
    void aPlatformFeeAboveTheAmountAndMoreMetadataThanPayjpTakesAreFieldErrorsBeforeAnyCall() {
        String token = "tok_rules_" + System.nanoTime();
        ObjectNode fee = Orders.payjpCard(token);
        fee.put("platformFee", "1001");
        Answer feeRefused = pay(fee);
        assertThat(feeRefused.status()).as(feeRefused.body()).isEqualTo(400);
        assertThat(feeRefused.json().path("errors").toString()).contains("platformFee");

        ObjectNode metadata = Orders.payjpCard(token);
        ObjectNode md = metadata.putObject("metadata");
        for (int i = 0; i < 19; i++) {
            md.put("k" + i, "v");   // PAY.JP takes 20 keys; Kessai's own two leave 18
        }
        md.put("bad[key]", "v");
        Answer mdRefused = pay(metadata);
        assertThat(mdRefused.status()).as(mdRefused.body()).isEqualTo(400);
        assertThat(mdRefused.json().path("errors").toString()).contains("\"metadata\"").contains("metadata.bad[key]");
        assertThat(payjp.chargesWith(token)).isZero();
    }

    @Test
    void aChargeWhoseAnswerWasLostIsFoundByItsMetadataAndSettledAsTheOneCharge() {
        String token = "tok_slow_" + System.nanoTime();
        Answer timedOut = pay(Orders.payjpCard(token));
        assertThat(timedOut.status()).as(timedOut.body()).isEqualTo(504);
        assertThat(timedOut.text("title")).isEqualTo("provider_timeout");
        String id = timedOut.text("paymentId");
        assertThat(status(id)).isIn("pending", "captured");
        await().atMost(Duration.ofSeconds(30)).until(() -> "captured".equals(status(id)));
        Answer settled = kessai.get("/payments/" + id);
        assertThat(settled.json().path("providerRef").path("id").asText()).startsWith("ch_");
        assertThat(settled.text("capturedAmount")).isEqualTo("1000");
        assertThat(payjp.chargesWith(token)).isEqualTo(1);
        assertThat(payjp.requests()).anyMatch(r -> r.method().equals("GET") && r.path().equals("/v1/charges")
                && r.status() == 200 && r.query() != null && r.query().contains("limit=100") && r.query().contains("since="));
    }

    @Test
    void aWebhookWithAWrongOrMissingTokenIsRefused() {
        String event = "{\"id\":\"evnt_forged_" + System.nanoTime() + "\",\"object\":\"event\",\"type\":\"charge.captured\","
                + "\"data\":{\"object\":\"charge\",\"id\":\"ch_x\"}}";
        Answer missing = webhook(event, null);
        assertThat(missing.status()).isEqualTo(401);
        assertThat(missing.text("title")).isEqualTo("unauthorized");
        Answer wrong = webhook(event, "whook_wrong");
        assertThat(wrong.status()).isEqualTo(401);
        Answer almost = webhook(event, payjp.settings().webhookToken() + "x");
        assertThat(almost.status()).isEqualTo(401);
    }

    @Test
    void aWebhookMakesKessaiFetchTheChargeAndTheFetchedChargeDecides() throws Exception {
        Answer authorized = pay(Orders.manual(Orders.payjpCard("tok_hook_" + System.nanoTime())));
        String id = authorized.text("paymentId");
        String chargeId = authorized.json().path("providerRef").path("id").asText();

        // An event with the right token whose body claims a refund: the fetched charge says authorized.
        String claim = "{\"id\":\"evnt_claim_" + System.nanoTime() + "\",\"object\":\"event\",\"type\":\"charge.refunded\","
                + "\"data\":{\"object\":\"charge\",\"id\":\"" + chargeId + "\",\"refunded\":true,\"captured\":true,\"paid\":true}}";
        Answer stored = webhook(claim, payjp.settings().webhookToken());
        assertThat(stored.status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> payjp.requests().stream()
                .anyMatch(r -> r.method().equals("GET") && r.path().equals("/v1/charges/" + chargeId)));
        assertThat(status(id)).isEqualTo("authorized");

        // The merchant captures at PAY.JP itself: the sandbox's charge.captured event, then the fetch, decide.
        assertThat(payjpCall("POST", "/charges/" + chargeId + "/capture").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(15)).until(() -> "captured".equals(status(id)));
        assertThat(kessai.get("/payments/" + id).text("capturedAmount")).isEqualTo("1000");
    }

    @Test
    void otherEventTypesAreAcknowledgedAndChangeNothing() {
        String event = "{\"id\":\"evnt_other_" + System.nanoTime() + "\",\"object\":\"event\",\"type\":\"customer.created\","
                + "\"data\":{\"object\":\"customer\",\"id\":\"cus_1\"}}";
        Answer acknowledged = webhook(event, payjp.settings().webhookToken());
        assertThat(acknowledged.status()).isEqualTo(200);
        Answer again = webhook(event, payjp.settings().webhookToken());
        assertThat(again.status()).isEqualTo(200);
    }
}
