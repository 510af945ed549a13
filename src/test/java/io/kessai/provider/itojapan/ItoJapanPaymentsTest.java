package io.kessai.provider.itojapan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.sandbox.itojapan.ItoJapanPayments;
import io.kessai.sandbox.itojapan.ItoJapanSandbox;
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
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * ITO-Japan hosted checkout through the HTTP API, the checkout page, webhooks and browser returns against its
 * built-in sandbox, on H2. The janitor is slowed down for ito-japan here, so that what captures a payment is the
 * webhook (or the browser return) under test; {@link ItoJapanJanitorTest} covers the janitor.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ItoJapanPaymentsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "ito-secret-" + UUID.randomUUID();

    KessaiInstance kessai;
    ItoJapanSandbox sandbox;
    final HttpClient browser = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @BeforeAll
    void start() {
        kessai = KessaiInstance.start(TestDatabases.h2(), Map.of(
                "kessai.providers.ito-japan.secret-key", SECRET,
                "kessai.sandbox.ito-japan.webhook-retry-interval-ms", "200",
                "kessai.janitor.ito-japan.schedule", "1h"));
        sandbox = kessai.context().getRegistry().lookupByNameAndType("itoJapanSandbox", ItoJapanSandbox.class);
    }

    @AfterAll
    void stop() {
        kessai.close();
    }

    static ObjectNode order(String currency, String amount) {
        ObjectNode o = JSON.createObjectNode().put("orderId", Orders.newOrderId()).put("amount", amount)
                .put("currency", currency).put("description", "Digital Product");
        o.putObject("method").put("type", "hosted_checkout");
        o.putObject("customer").put("name", "Taro Yamada").put("email", "taro@example.jp");
        o.putObject("returnUrls").put("success", "https://shop.example/ok").put("cancel", "https://shop.example/cancel");
        return o;
    }

    private ItoJapanPayments.Payment atSandbox(String orderId) {
        return sandbox.payments().stream().filter(p -> p.custom().equals(orderId)).findFirst().orElseThrow();
    }

    private HttpResponse<String> press(String button, String paymentId) throws Exception {
        return browser.send(HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + "/process-checkout/" + button))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("payment_id=" + paymentId)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private Answer payment(String id) {
        return kessai.get("/payments/" + id);
    }

    private Answer signedWebhook(String body, long timestamp) {
        String signature = "sha256=" + ItoJapanSandbox.hmacHex(SECRET, String.valueOf(timestamp), body.getBytes(StandardCharsets.UTF_8));
        return kessai.send(HttpRequest.newBuilder(URI.create(kessai.baseUrl() + "/webhooks/ito-japan"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .header("X-Timestamp", String.valueOf(timestamp)).header("X-Signature", signature)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private List<ItoJapanSandbox.WebhookAttempt> attempts(String paymentId, ItoJapanSandbox.Webhook kind) {
        return sandbox.webhookAttempts().stream().filter(a -> a.paymentId().equals(paymentId) && a.kind() == kind).toList();
    }

    @Test
    void hostedCheckoutRoutesToItoJapanAndIsSentSignedThenAwaitsTheCustomerOnTheCheckoutPage() {
        ObjectNode order = order("USD", "280.50");
        Answer created = kessai.post("/payments", order.toString());

        assertThat(created.status()).as(created.body()).isIn(201, 202);
        assertThat(created.text("provider")).isEqualTo("ito-japan");
        assertThat(created.text("status")).isEqualTo("requires_action");
        ItoJapanPayments.Payment sent = atSandbox(order.get("orderId").asText());
        assertThat(created.json().path("providerRef").path("id").asText()).isEqualTo(sent.paymentId());
        assertThat(created.json().path("nextAction").path("type").asText()).isEqualTo("redirect");
        assertThat(created.json().path("nextAction").path("url").asText())
                .isEqualTo(sandbox.baseUrl() + "/process-checkout?payment_id=" + sent.paymentId());
        assertThat(sent.amount()).isEqualByComparingTo("280.50");
        assertThat(sent.currency()).isEqualTo("USD");
        assertThat(sent.details()).isEqualTo("Digital Product");
        assertThat(sent.customerEmail()).isEqualTo("taro@example.jp");
        assertThat(sent.webHook()).isEqualTo(kessai.baseUrl() + "/webhooks/ito-japan");
        String paymentId = created.text("paymentId");
        assertThat(sent.successUrl()).startsWith(kessai.baseUrl() + "/callbacks/ito-japan?payment=" + paymentId + "&result=success&token=");
        assertThat(sent.cancelUrl()).startsWith(kessai.baseUrl() + "/callbacks/ito-japan?payment=" + paymentId + "&result=cancel&token=");
    }

    @Test
    void jpyIsSentWithoutDecimalsAndTheDocumentsRulesAreCheckedBeforeAnyCall() {
        ObjectNode order = order("JPY", "1000");
        Answer created = kessai.post("/payments", order.toString());
        assertThat(created.text("status")).as(created.body()).isEqualTo("requires_action");
        assertThat(atSandbox(order.get("orderId").asText()).amount().scale()).isEqualTo(0);

        int before = sandbox.payments().size();
        ObjectNode bad = order("USD", "10.005");
        bad.put("description", "x".repeat(256));
        ((ObjectNode) bad.get("customer")).remove("email");
        Answer refused = kessai.post("/payments", bad.toString());
        assertThat(refused.status()).as(refused.body()).isEqualTo(400);
        assertThat(refused.json().path("errors").findValuesAsText("field"))
                .contains("amount", "description", "customer.email");
        Answer yen = kessai.post("/payments", order("JPY", "1000.5").toString());
        assertThat(yen.status()).as(yen.body()).isEqualTo(400);
        assertThat(sandbox.payments()).hasSize(before);
    }

    @Test
    void manualCaptureAndCaptureCancelRefundAre422UnsupportedWithoutACall() {
        int before = sandbox.payments().size();
        Answer manual = kessai.post("/payments", Orders.manual(order("JPY", "1000")).toString());
        assertThat(manual.status()).as(manual.body()).isEqualTo(422);
        assertThat(manual.json().path("title").asText()).isEqualTo("unsupported");
        assertThat(sandbox.payments()).hasSize(before);
        String id = kessai.post("/payments", order("JPY", "1000").toString()).text("paymentId");
        for (String op : List.of("capture", "cancel", "refund")) {
            Answer a = kessai.post("/payments/" + id + "/" + op, null);
            assertThat(a.status()).as(op + " " + a.body()).isEqualTo(422);
            assertThat(a.json().path("title").asText()).isEqualTo("unsupported");
        }
    }

    @Test
    void payingCapturesOnlyOnceTheWebhookIsConfirmedAndKeepsTheChargeAsTheFee() throws Exception {
        ObjectNode order = order("USD", "100.00");
        String id = kessai.post("/payments", order.toString()).text("paymentId");
        ItoJapanPayments.Payment atIto = atSandbox(order.get("orderId").asText());

        HttpResponse<String> paid = press("pay", atIto.paymentId());

        assertThat(paid.statusCode()).isEqualTo(302);
        assertThat(paid.headers().firstValue("Location")).hasValue(atIto.successUrl());
        await().atMost(Duration.ofSeconds(60)).until(() -> "captured".equals(payment(id).text("status")));
        JsonNode captured = payment(id).json();
        assertThat(captured.path("capturedAmount").asText()).isIn("100.00", "100");
        assertThat(captured.path("providerRef").path("fee").asText()).isEqualTo("5.00");
        assertThat(captured.path("providerRef").path("transaction").asText())
                .isEqualTo(atSandbox(order.get("orderId").asText()).transaction());

        // the browser comes back afterwards and is sent on to the shop's success page
        Answer back = kessai.get(atIto.successUrl());
        assertThat(back.status()).isEqualTo(302);
        assertThat(back.location()).startsWith("https://shop.example/ok?paymentId=" + id).contains("status=captured");
    }

    @Test
    void theBrowserReturnAloneNeverMarksAPaymentPaidAndCancelGoesToTheCancelUrl() throws Exception {
        ObjectNode order = order("JPY", "3000");
        String id = kessai.post("/payments", order.toString()).text("paymentId");
        ItoJapanPayments.Payment atIto = atSandbox(order.get("orderId").asText());

        // a browser claiming success without paying: check-validity does not confirm, nothing changes
        Answer claimed = kessai.get(atIto.successUrl());
        assertThat(claimed.status()).isEqualTo(302);
        assertThat(payment(id).text("status")).isEqualTo("requires_action");

        HttpResponse<String> cancelled = press("cancel", atIto.paymentId());
        assertThat(cancelled.headers().firstValue("Location")).hasValue(atIto.cancelUrl());
        Answer back = kessai.get(atIto.cancelUrl());
        assertThat(back.status()).isEqualTo(302);
        assertThat(back.location()).startsWith("https://shop.example/cancel?paymentId=" + id);
        assertThat(payment(id).text("status")).isEqualTo("requires_action");

        Answer forged = kessai.get(kessai.baseUrl() + "/callbacks/ito-japan?payment=" + id + "&result=success&token=wrong");
        assertThat(forged.status()).isEqualTo(400);
    }

    @Test
    void forgedStaleAndReserializedWebhooksAre401AndADuplicateIsStoredOnce() throws Exception {
        ObjectNode order = order("USD", "20.00");
        String id = kessai.post("/payments", order.toString()).text("paymentId");
        String itoId = atSandbox(order.get("orderId").asText()).paymentId();
        press("pay", itoId);
        await().atMost(Duration.ofSeconds(60)).until(() -> "captured".equals(payment(id).text("status")));

        for (ItoJapanSandbox.Webhook kind : List.of(ItoJapanSandbox.Webhook.FORGED, ItoJapanSandbox.Webhook.STALE,
                ItoJapanSandbox.Webhook.RESERIALIZED)) {
            sandbox.sendWebhook(itoId, kind);
            await().atMost(Duration.ofSeconds(30)).until(() -> !attempts(itoId, kind).isEmpty());
            assertThat(attempts(itoId, kind).get(0).status()).as(kind.name()).isEqualTo(401);
        }
        sandbox.sendWebhook(itoId, ItoJapanSandbox.Webhook.GENUINE);
        await().atMost(Duration.ofSeconds(30)).until(() -> attempts(itoId, ItoJapanSandbox.Webhook.GENUINE).size() == 2);
        ItoJapanSandbox.WebhookAttempt duplicate = attempts(itoId, ItoJapanSandbox.Webhook.GENUINE).get(1);
        assertThat(duplicate.status()).isEqualTo(200);
        assertThat(JSON.readTree(duplicate.answer()).path("duplicate").asBoolean()).isTrue();
        assertThat(payment(id).text("status")).isEqualTo("captured");
    }

    @Test
    void aTimestamp301SecondsOldIsRefusedAndAMalformedSignedBodyIs400() {
        String body = "{\"code\":200,\"status\":\"ok\",\"payment_id\":\"NoSuch\",\"transaction\":\"T1\",\"amount\":1,"
                + "\"charge\":0,\"currency\":\"JPY\",\"custom\":\"x\",\"date\":\"22-05-2022\"}";
        long now = Instant.now().getEpochSecond();
        assertThat(signedWebhook(body, now - 301).status()).isEqualTo(401);
        assertThat(signedWebhook(body, now + 301).status()).isEqualTo(401);
        String unsigned = kessai.webhook("ito-japan", body).body();
        assertThat(kessai.webhook("ito-japan", body).status()).as(unsigned).isEqualTo(401);
        assertThat(signedWebhook("{\"code\":200,\"status\":\"ok\"}", now).status()).isEqualTo(400);
        assertThat(signedWebhook("not json", now).status()).isEqualTo(400);
    }

    @Test
    void aWebhookBeforePaymentChangesNothingAndThePaymentIsCapturedOnceItIsPaid() throws Exception {
        ObjectNode order = order("JPY", "500");
        String id = kessai.post("/payments", order.toString()).text("paymentId");
        String itoId = atSandbox(order.get("orderId").asText()).paymentId();

        sandbox.sendWebhook(itoId, ItoJapanSandbox.Webhook.GENUINE);

        await().atMost(Duration.ofSeconds(30)).until(() -> !attempts(itoId, ItoJapanSandbox.Webhook.GENUINE).isEmpty());
        assertThat(attempts(itoId, ItoJapanSandbox.Webhook.GENUINE).get(0).status()).isEqualTo(200);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                .until(() -> "requires_action".equals(payment(id).text("status")));

        press("pay", itoId);
        await().atMost(Duration.ofSeconds(60)).until(() -> "captured".equals(payment(id).text("status")));
        assertThat(payment(id).json().path("providerRef").path("fee").asText()).isEqualTo("25");
    }

}
