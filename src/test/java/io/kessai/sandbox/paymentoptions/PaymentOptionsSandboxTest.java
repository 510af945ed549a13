package io.kessai.sandbox.paymentoptions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The paymentoptions sandbox over plain HTTP: both auth headers, the body rules, decline tokens, the answer, webhooks. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PaymentOptionsSandboxTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "po-test-key";
    private static final String MID = "MID-0001";

    PaymentOptionsSandbox sandbox;
    HttpServer receiver;
    final List<String> received = new CopyOnWriteArrayList<>();
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() throws IOException {
        sandbox = new PaymentOptionsSandbox(PaymentOptionsSandbox.Settings.defaults(KEY, MID)
                .withSlowTime(Duration.ofMillis(500)).withWebhookRetryInterval(Duration.ofMillis(100))).start();
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 16);
        receiver.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                received.add(exchange.getRequestURI().getQuery() + " " + new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterAll
    void stop() {
        sandbox.close();
        receiver.stop(0);
    }

    private ObjectNode body(String token) {
        ObjectNode b = JSON.createObjectNode().put("amount", "1000").put("currency", "JPY");
        b.putObject("payment_method").put("type", "scheme").put("store_payment_method", true)
                .put("stored_payment_method_id", token);
        b.put("merchant_txn_ref", "ORD-" + UUID.randomUUID()).put("customer_ip", "127.0.0.1").put("merchant_id", MID);
        b.putObject("return_url").put("webhook_url", "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook?token=s3cret")
                .put("success_url", "http://www.successurl.com/").put("decline_url", "http://www.declineurl.com/");
        b.putObject("billing_address").put("country", "JP").put("email", "billing@testemail.com")
                .put("phone_number", "8112345678").put("address1", "1-2-3 Shinjuku").put("city", "Shinjuku-ku")
                .put("state", "Tokyo").put("postal_code", "1600022");
        b.put("time_zone", "Asia/Tokyo");
        return b;
    }

    private HttpResponse<String> post(String authorization, String apiKey, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + "/server-to-server-interface/payment"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        if (apiKey != null) {
            b.header("x-api-key", apiKey);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(ObjectNode body) throws Exception {
        return post("Basic " + KEY, KEY, body.toString());
    }

    @Test
    void storedTokenPaymentIsCapturedWithTheDocumentsAnswerAndItsCardNumber() throws Exception {
        ObjectNode body = body(UUID.randomUUID().toString());
        HttpResponse<String> r = post(body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode a = JSON.readTree(r.body());
        assertThat(a.path("success").asBoolean()).isTrue();
        assertThat(a.path("status_code").asInt()).isEqualTo(201);
        assertThat(a.path("transaction_type").asText()).isEqualTo("CAPTURE");
        assertThat(a.path("gateway_response").path("code").asText()).isEqualTo("INFO0000");
        assertThat(a.path("payment_details").path("card").path("number").asText()).isEqualTo("4000000000001091");
        assertThat(a.path("payment_details").path("amount").decimalValue()).isEqualByComparingTo("1000");
        assertThat(a.path("transaction_details").path("id").asText()).matches("[0-9a-f-]{36}");
        assertThat(a.path("transaction_details").path("merchant_txn_ref").asText()).isEqualTo(body.get("merchant_txn_ref").asText());
        assertThat(a.path("merchant_details").path("mid").asText()).isEqualTo(MID);
        assertThat(sandbox.transactions()).anyMatch(t -> t.id().equals(a.path("transaction_details").path("id").asText()));
    }

    @Test
    void bothAuthHeadersMustCarryTheApiKey() throws Exception {
        String body = body("tok-auth").toString();
        assertThat(post(null, KEY, body).statusCode()).isEqualTo(401);
        assertThat(post("Basic " + KEY, null, body).statusCode()).isEqualTo(401);
        assertThat(post(KEY, KEY, body).statusCode()).as("Basic prefix").isEqualTo(401);
        assertThat(post("Basic wrong", KEY, body).statusCode()).isEqualTo(401);
        assertThat(post("Basic " + KEY, "wrong", body).statusCode()).isEqualTo(401);
        assertThat(post("Basic " + KEY, KEY, body).statusCode()).isEqualTo(201);
    }

    @Test
    void everyBrokenBodyRuleIsListedField() throws Exception {
        ObjectNode body = body("tok-rules");
        body.put("amount", 1000).put("currency", "USD").put("customer_ip", "not-an-ip").put("merchant_id", "other")
                .put("time_zone", "Mars/Olympus");
        ((ObjectNode) body.get("payment_method")).put("type", "card").remove("stored_payment_method_id");
        ((ObjectNode) body.get("payment_method")).put("store_payment_method_id", "typo-of-the-curl-sample");
        ((ObjectNode) body.get("return_url")).put("decline_url", "/relative");
        ((ObjectNode) body.get("billing_address")).put("country", "JPN").put("phone_number", "+81-3").remove("city");
        body.putObject("shipping_address").put("country", "jp");
        HttpResponse<String> r = post(body);
        assertThat(r.statusCode()).isEqualTo(400);
        List<String> fields = JSON.readTree(r.body()).path("errors").findValuesAsText("field");
        assertThat(fields).contains("amount", "currency", "customer_ip", "merchant_id", "time_zone",
                "payment_method.type", "payment_method.stored_payment_method_id", "return_url.decline_url",
                "billing_address.country", "billing_address.phone_number", "billing_address.city",
                "shipping_address.country", "shipping_address.email");
        ObjectNode noBilling = body("tok-rules");
        noBilling.remove("billing_address");
        noBilling.remove("merchant_txn_ref");
        assertThat(JSON.readTree(post(noBilling).body()).path("errors").findValuesAsText("field"))
                .containsExactlyInAnyOrder("billing_address", "merchant_txn_ref");
    }

    @Test
    void declineTokensAnswer402WithTheirGatewayCodes() throws Exception {
        HttpResponse<String> declined = post(body("tok-decline-1"));
        assertThat(declined.statusCode()).isEqualTo(402);
        JsonNode d = JSON.readTree(declined.body());
        assertThat(d.path("success").asBoolean()).isFalse();
        assertThat(d.path("gateway_response").path("code").asText()).isEqualTo("DECL0005");
        assertThat(d.path("transaction_details").path("id").asText()).isNotBlank();
        HttpResponse<String> poor = post(body("tok-insufficient-1"));
        assertThat(poor.statusCode()).isEqualTo(402);
        assertThat(JSON.readTree(poor.body()).path("gateway_response").path("code").asText()).isEqualTo("DECL0051");
    }

    @Test
    void otherContentTypesPathsAndMethodsAreRefused() throws Exception {
        HttpResponse<String> form = http.send(HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + "/server-to-server-interface/payment"))
                .header("Authorization", "Basic " + KEY).header("x-api-key", KEY)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("amount=1")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(form.statusCode()).isEqualTo(415);
        HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + "/server-to-server-interface/payment"))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(405);
        HttpResponse<String> status = http.send(HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + "/server-to-server-interface/payment/status"))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(status.statusCode()).as("the document has no status endpoint").isEqualTo(404);
    }

    @Test
    void webhookWithTheAnswersShapeGoesToTheGivenUrl() throws Exception {
        HttpResponse<String> r = post(body("tok-webhook"));
        String id = JSON.readTree(r.body()).path("transaction_details").path("id").asText();
        await().atMost(Duration.ofSeconds(10)).until(() -> received.stream().anyMatch(s -> s.contains(id)));
        String hook = received.stream().filter(s -> s.contains(id)).findFirst().orElseThrow();
        assertThat(hook).startsWith("token=s3cret ");
        JsonNode body = JSON.readTree(hook.substring(hook.indexOf(' ') + 1));
        assertThat(body.path("transaction_details").path("id").asText()).isEqualTo(id);
        assertThat(body.path("gateway_response").path("code").asText()).isEqualTo("INFO0000");
        assertThat(sandbox.webhookAttempts()).anyMatch(a -> a.transactionId().equals(id) && a.status() == 200);
        sandbox.resendWebhook(id);
        await().atMost(Duration.ofSeconds(10)).until(() -> received.stream().filter(s -> s.contains(id)).count() == 2);
    }

    @Test
    void slowTokenIsPerformedAtOnceAndAnsweredLate() throws Exception {
        ObjectNode body = body("tok-slow");
        HttpResponse<String> r = post(body);
        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(sandbox.transactions()).anyMatch(t -> t.merchantTxnRef().equals(body.get("merchant_txn_ref").asText()));
    }
}
