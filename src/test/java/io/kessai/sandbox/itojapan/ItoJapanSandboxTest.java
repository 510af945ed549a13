package io.kessai.sandbox.itojapan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.InputStream;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The ITO-Japan sandbox over plain HTTP: the signed process call, the checkout page, signed webhooks, check-validity. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ItoJapanSandboxTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "51a4bd18-5bc1-4eaa-97b0-c09323398883";
    private static final String SECRET = "ito-test-secret";

    record Received(String timestamp, String signature, String body) {}

    ItoJapanSandbox sandbox;
    HttpServer receiver;
    final List<Received> received = new CopyOnWriteArrayList<>();
    final AtomicInteger refuseNext = new AtomicInteger();
    final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @BeforeAll
    void start() throws Exception {
        sandbox = new ItoJapanSandbox(ItoJapanSandbox.Settings.defaults(KEY, SECRET)
                .withWebhookRetryInterval(Duration.ofMillis(100))).start();
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 16);
        receiver.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                received.add(new Received(exchange.getRequestHeaders().getFirst("X-Timestamp"),
                        exchange.getRequestHeaders().getFirst("X-Signature"),
                        new String(in.readAllBytes(), StandardCharsets.UTF_8)));
            }
            exchange.sendResponseHeaders(refuseNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? 500 : 200, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterAll
    void stop() {
        sandbox.close();
        receiver.stop(0);
    }

    @BeforeEach
    void clear() {
        received.clear();
        refuseNext.set(0);
    }

    private ObjectNode order(String currency, String amount) {
        return JSON.createObjectNode().put("custom", "ORD-" + UUID.randomUUID()).put("currency_code", currency)
                .put("amount", new BigDecimal(amount)).put("details", "Digital Product")
                .put("web_hook", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/webhooks/ito-japan")
                .put("cancel_url", "http://shop.test/cancel").put("success_url", "http://shop.test/success")
                .put("customer_email", "buyer@example.com");
    }

    private HttpResponse<String> signed(String path, String body, long timestamp, String secret) throws Exception {
        String signature = ItoJapanSandbox.hmacHex(secret, String.valueOf(timestamp), body.getBytes(StandardCharsets.UTF_8));
        return http.send(HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + path)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .header("Authorization", "Bearer " + KEY).header("X-Timestamp", String.valueOf(timestamp))
                .header("X-Signature", signature).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> process(ObjectNode order) throws Exception {
        return signed("/payment/process", JSON.writeValueAsString(order), Instant.now().getEpochSecond(), SECRET);
    }

    private HttpResponse<String> form(String url, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> checkValidity(String paymentId) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + "/payment/check-validity"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/x-www-form-urlencoded")
                .header("Authorization", "Bearer " + KEY)
                .POST(HttpRequest.BodyPublishers.ofString("payment_id=" + paymentId)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String initiated(ObjectNode order) throws Exception {
        HttpResponse<String> r = process(order);
        assertThat(r.statusCode()).isEqualTo(200);
        return JSON.readTree(r.body()).get("payment_id").asText();
    }

    @Test
    void aSignedProcessCallAnswersThePaymentIdAndTheCheckoutUrl() throws Exception {
        HttpResponse<String> r = process(order("USD", "280.00"));

        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode a = JSON.readTree(r.body());
        assertThat(a.get("code").asInt()).isEqualTo(200);
        assertThat(a.get("status").asText()).isEqualTo("ok");
        String id = a.get("payment_id").asText();
        assertThat(a.get("url").asText()).isEqualTo(sandbox.baseUrl() + "/process-checkout?payment_id=" + id);
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(a.get("url").asText())).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("280.00 USD", "/process-checkout/pay", "/process-checkout/cancel");
    }

    @Test
    void aWrongBearerKeyIsRefusedWithTheDocumentsError() throws Exception {
        String body = JSON.writeValueAsString(order("JPY", "1000"));
        long ts = Instant.now().getEpochSecond();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + "/payment/process"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer wrong")
                .header("X-Timestamp", String.valueOf(ts))
                .header("X-Signature", ItoJapanSandbox.hmacHex(SECRET, String.valueOf(ts), body.getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(r.body()).get("message").asText()).isEqualTo("Invalid API credentials.");
    }

    @Test
    void aSignatureWithAnotherKeyOrOverOtherBytesIsRefused() throws Exception {
        String body = JSON.writeValueAsString(order("JPY", "1000"));
        long now = Instant.now().getEpochSecond();
        assertThat(signed("/payment/process", body, now, "other-secret").statusCode()).isEqualTo(401);

        // signed over the compact text, sent re-serialized with other whitespace
        String signature = ItoJapanSandbox.hmacHex(SECRET, String.valueOf(now), body.getBytes(StandardCharsets.UTF_8));
        String pretty = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(JSON.readTree(body));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + "/payment/process"))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + KEY)
                .header("X-Timestamp", String.valueOf(now)).header("X-Signature", signature)
                .POST(HttpRequest.BodyPublishers.ofString(pretty)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(r.body()).get("message").asText()).isEqualTo("Invalid signature.");
    }

    @Test
    void aTimestamp301SecondsOldOrAheadIsRefusedAnd300IsTaken() throws Exception {
        long now = Instant.now().getEpochSecond();
        assertThat(signed("/payment/process", JSON.writeValueAsString(order("JPY", "1000")), now - 301, SECRET).statusCode())
                .isEqualTo(401);
        assertThat(signed("/payment/process", JSON.writeValueAsString(order("JPY", "1000")), now + 301, SECRET).statusCode())
                .isEqualTo(401);
        assertThat(signed("/payment/process", JSON.writeValueAsString(order("JPY", "1000")), now - 295, SECRET).statusCode())
                .isEqualTo(200);
    }

    @Test
    void theBodyRulesAreReportedFieldByField() throws Exception {
        ObjectNode bad = JSON.createObjectNode().put("custom", "").put("currency_code", "EUR").put("amount", -1)
                .put("details", "x".repeat(256)).put("web_hook", "not a url").put("customer_email", "nobody");
        HttpResponse<String> r = process(bad);

        assertThat(r.statusCode()).isEqualTo(422);
        JsonNode errors = JSON.readTree(r.body()).get("errors");
        assertThat(errors.fieldNames()).toIterable().containsExactlyInAnyOrder("custom", "currency_code", "amount",
                "details", "web_hook", "cancel_url", "success_url", "customer_email");
        assertThat(process(order("JPY", "1000.5")).statusCode()).isEqualTo(422);
        assertThat(process(order("USD", "10.005")).statusCode()).isEqualTo(422);
        assertThat(process(order("SGP-USD", "10.05")).statusCode()).isEqualTo(200);
        assertThat(process(order("JPY", "1000")).statusCode()).isEqualTo(200);
    }

    @Test
    void payingReturnsTheBrowserToSuccessAndSendsOneSignedWebhookThatCheckValidityConfirms() throws Exception {
        ObjectNode order = order("USD", "100.00");
        String id = initiated(order);
        assertThat(checkValidity(id).statusCode()).isEqualTo(404);

        HttpResponse<String> paid = form(sandbox.baseUrl() + "/process-checkout/pay", "payment_id=" + id);

        assertThat(paid.statusCode()).isEqualTo(302);
        assertThat(paid.headers().firstValue("Location")).hasValue("http://shop.test/success");
        await().atMost(Duration.ofSeconds(30)).until(() -> received.size() == 1);
        Received hook = received.get(0);
        assertThat(hook.signature()).isEqualTo("sha256=" + ItoJapanSandbox.hmacHex(SECRET, hook.timestamp(),
                hook.body().getBytes(StandardCharsets.UTF_8)));
        JsonNode body = JSON.readTree(hook.body());
        assertThat(body.get("payment_id").asText()).isEqualTo(id);
        assertThat(body.get("custom").asText()).isEqualTo(order.get("custom").asText());
        assertThat(body.get("amount").decimalValue()).isEqualByComparingTo("100.00");
        assertThat(body.get("charge").decimalValue()).isEqualByComparingTo("5.00");
        assertThat(body.get("transaction").asText()).isNotBlank();
        HttpResponse<String> valid = checkValidity(id);
        assertThat(valid.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(valid.body()).get("message").asText()).isEqualTo("Transaction is valid");

        // paying again changes nothing and sends no second webhook
        assertThat(form(sandbox.baseUrl() + "/process-checkout/pay", "payment_id=" + id).statusCode()).isEqualTo(302);
        assertThat(sandbox.webhookAttempts()).filteredOn(a -> a.paymentId().equals(id)).hasSize(1);
    }

    @Test
    void cancellingReturnsTheBrowserToCancelAndThePaymentIsNeverValid() throws Exception {
        String id = initiated(order("JPY", "1000"));

        HttpResponse<String> cancelled = form(sandbox.baseUrl() + "/process-checkout/cancel", "payment_id=" + id);

        assertThat(cancelled.statusCode()).isEqualTo(302);
        assertThat(cancelled.headers().firstValue("Location")).hasValue("http://shop.test/cancel");
        assertThat(form(sandbox.baseUrl() + "/process-checkout/pay", "payment_id=" + id).statusCode()).isEqualTo(409);
        HttpResponse<String> check = checkValidity(id);
        assertThat(check.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(check.body()).get("message").asText()).isEqualTo("Transaction not found");
        assertThat(checkValidity("NoSuchPayment").statusCode()).isEqualTo(404);
        assertThat(sandbox.webhookAttempts()).noneMatch(a -> a.paymentId().equals(id));
    }

    @Test
    void aRefusedWebhookIsSentAgainWithAFreshSignature() throws Exception {
        refuseNext.set(2);
        String id = initiated(order("JPY", "1000"));

        form(sandbox.baseUrl() + "/process-checkout/pay", "payment_id=" + id);

        await().atMost(Duration.ofSeconds(30)).until(() -> received.size() == 3);
        assertThat(sandbox.webhookAttempts()).filteredOn(a -> a.paymentId().equals(id))
                .extracting(ItoJapanSandbox.WebhookAttempt::status).containsExactly(500, 500, 200);
        for (Received r : received) {
            assertThat(r.signature()).isEqualTo("sha256=" + ItoJapanSandbox.hmacHex(SECRET, r.timestamp(),
                    r.body().getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void testHooksSendForgedStaleReserializedAndDuplicateWebhooks() throws Exception {
        String id = initiated(order("USD", "20.00"));
        form(sandbox.baseUrl() + "/process-checkout/pay", "payment_id=" + id);
        await().atMost(Duration.ofSeconds(30)).until(() -> received.size() == 1);
        Received genuine = received.get(0);

        sandbox.sendWebhook(id, ItoJapanSandbox.Webhook.FORGED);
        await().atMost(Duration.ofSeconds(30)).until(() -> received.size() == 2);
        sandbox.sendWebhook(id, ItoJapanSandbox.Webhook.STALE);
        await().atMost(Duration.ofSeconds(30)).until(() -> received.size() == 3);
        sandbox.sendWebhook(id, ItoJapanSandbox.Webhook.RESERIALIZED);
        await().atMost(Duration.ofSeconds(30)).until(() -> received.size() == 4);
        sandbox.sendWebhook(id, ItoJapanSandbox.Webhook.GENUINE);
        await().atMost(Duration.ofSeconds(30)).until(() -> received.size() == 5);

        Received forged = received.get(1);
        assertThat(forged.signature()).isNotEqualTo("sha256=" + ItoJapanSandbox.hmacHex(SECRET, forged.timestamp(),
                forged.body().getBytes(StandardCharsets.UTF_8)));
        Received stale = received.get(2);
        assertThat(Instant.now().getEpochSecond() - Long.parseLong(stale.timestamp())).isGreaterThanOrEqualTo(301);
        assertThat(stale.signature()).isEqualTo("sha256=" + ItoJapanSandbox.hmacHex(SECRET, stale.timestamp(),
                stale.body().getBytes(StandardCharsets.UTF_8)));
        Received reserialized = received.get(3);
        assertThat(JSON.readTree(reserialized.body())).isEqualTo(JSON.readTree(genuine.body()));
        assertThat(reserialized.body()).isNotEqualTo(genuine.body());
        assertThat(reserialized.signature()).isNotEqualTo("sha256=" + ItoJapanSandbox.hmacHex(SECRET,
                reserialized.timestamp(), reserialized.body().getBytes(StandardCharsets.UTF_8)));
        Received duplicate = received.get(4);
        assertThat(JSON.readTree(duplicate.body()).get("transaction")).isEqualTo(JSON.readTree(genuine.body()).get("transaction"));
        assertThat(duplicate.signature()).isEqualTo("sha256=" + ItoJapanSandbox.hmacHex(SECRET, duplicate.timestamp(),
                duplicate.body().getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aWebhookForAnUnpaidPaymentIsSignedButCheckValidityDoesNotConfirmIt() throws Exception {
        String id = initiated(order("JPY", "500"));

        sandbox.sendWebhook(id, ItoJapanSandbox.Webhook.GENUINE);

        await().atMost(Duration.ofSeconds(30)).until(() -> received.size() == 1);
        assertThat(JSON.readTree(received.get(0).body()).get("payment_id").asText()).isEqualTo(id);
        assertThat(checkValidity(id).statusCode()).isEqualTo(404);
        assertThat(sandbox.payments()).filteredOn(p -> p.paymentId().equals(id))
                .extracting(ItoJapanPayments.Payment::status).containsExactly(ItoJapanPayments.Status.OPEN);
    }

    @Test
    void checkValidityWithoutTheBearerKeyIsRefused() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + "/payment/check-validity"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"payment_id\":\"x\"}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(JSON.readTree(r.body()).get("message").asText()).isEqualTo("Invalid API credentials.");
    }
}
