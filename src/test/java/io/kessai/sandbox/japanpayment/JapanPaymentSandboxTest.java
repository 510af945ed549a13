package io.kessai.sandbox.japanpayment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.kessai.provider.japanpayment.JapanPaymentSignature;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class JapanPaymentSandboxTest {

    private static final long APP_JPY = 1054;
    private static final long APP_USD = 2077;
    private static final ObjectMapper M = new ObjectMapper();
    private static final JapanPaymentSignature SHA256 = new JapanPaymentSignature("SHA256withRSA");

    private static KeyPair kessai;
    private static JapanPaymentSandbox sandbox;
    private static PublicKey sandboxKey;
    private static HttpClient http;
    private static HttpServer receiver;
    private static String receiverUrl;
    /** path → answers to give (status, body); the last one repeats. */
    private static final Map<String, List<Object[]>> scripts = new ConcurrentHashMap<>();
    private static final Map<String, List<String>> received = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        kessai = g.generateKeyPair();
        sandbox = new JapanPaymentSandbox(JapanPaymentSandbox.Settings.defaults(APP_JPY, APP_USD)
                .withProcessingTime(Duration.ofMillis(1))
                .withNotifyRetryInterval(Duration.ofMillis(50)), kessai.getPublic()).start();
        sandboxKey = JapanPaymentSignature.publicKey(sandbox.publicKeyPem(), "sandbox public key");
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        receiver.createContext("/", JapanPaymentSandboxTest::receive);
        receiver.start();
        receiverUrl = "http://127.0.0.1:" + receiver.getAddress().getPort();
    }

    @AfterAll
    static void stop() {
        if (sandbox != null) {
            sandbox.close();
        }
        if (receiver != null) {
            receiver.stop(0);
        }
    }

    @BeforeEach
    void reset() {
        sandbox.reset();
        scripts.clear();
        received.clear();
    }

    private static void receive(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        try (InputStream in = exchange.getRequestBody()) {
            received.computeIfAbsent(path, k -> new CopyOnWriteArrayList<>())
                    .add(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        List<Object[]> script = scripts.getOrDefault(path, List.<Object[]>of(new Object[] {200, "success"}));
        int n = received.get(path).size();
        Object[] answer = script.get(Math.min(n, script.size()) - 1);
        byte[] body = ((String) answer[1]).getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders((Integer) answer[0], body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(body);
            }
        }
        exchange.close();
    }

    // ------------------------------------------------------------------ helpers

    private static ObjectNode apply(String currency, String inBankCode, String amount) {
        ObjectNode r = M.createObjectNode();
        r.put("appId", currency.equals("jpy") ? APP_JPY : APP_USD);
        r.put("orderId", "ORD-" + UUID.randomUUID().toString().substring(0, 18));
        r.put("name", "Taro Yamada");
        r.put("phone", "09012345678");
        r.put("email", "taro@example.jp");
        r.put("amount", amount);
        r.put("payType", inBankCode.contains("KONBINI") || inBankCode.contains("AOZORA") ? "BANK_TRANSFER"
                : "EWALLET");
        r.put("inBankCode", inBankCode);
        r.put("callBackUrl", "https://shop.example/ok");
        r.put("callBackFailUrl", "https://shop.example/ng");
        r.put("partnerUserId", "user-149597870");
        return r;
    }

    private static JsonNode post(String path, ObjectNode request) throws Exception {
        request.remove("sign");
        request.put("sign", SHA256.sign(request, kessai.getPrivate()));
        return postRaw(path, M.writeValueAsString(request));
    }

    private static JsonNode postRaw(String path, String body) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return M.readTree(response.body());
    }

    private static void assertOk(JsonNode answer) {
        assertThat(answer.get("status").asText()).as(answer.toString()).isEqualTo("1");
        assertThat(answer.get("error").asText()).isEqualTo("00000000");
        assertThat(SHA256.verify(answer.get("data"), sandboxKey)).as("data.sign verifies").isTrue();
    }

    private static void assertRefused(JsonNode answer, String error) {
        assertThat(answer.get("status").asText()).as(answer.toString()).isEqualTo("0");
        assertThat(answer.get("error").asText()).as(answer.toString()).isEqualTo(error);
        assertThat(answer.get("data") == null || answer.get("data").isNull()).isTrue();
    }

    private static String created(String currency, ObjectNode request) throws Exception {
        JsonNode answer = post("/" + currency + "/collect/apply", request);
        assertOk(answer);
        return request.get("orderId").asText();
    }

    private static JsonNode query(String currency, String orderId) throws Exception {
        ObjectNode q = M.createObjectNode();
        q.put("appId", currency.equals("jpy") ? APP_JPY : APP_USD);
        q.put("orderId", orderId);
        return post("/" + currency + "/collect/query", q);
    }

    // ------------------------------------------------------------------ apply

    @Test
    void signedJpyEwalletApplySucceedsAndItsDataVerifies() throws Exception {
        ObjectNode request = apply("jpy", "AU_PAY", "300");
        JsonNode answer = post("/jpy/collect/apply", request);
        assertOk(answer);
        assertThat(answer.get("msg").asText()).isEmpty();
        JsonNode data = answer.get("data");
        assertThat(data.get("orderId").asText()).isEqualTo(request.get("orderId").asText());
        assertThat(data.get("orderNo").asText()).matches("[0-9]{16}");
        assertThat(data.get("payUrl").asText()).isEqualTo(sandbox.baseUrl() + "/pay/" + data.get("orderNo").asText());
        assertThat(data.has("bankNo")).isFalse();
        assertThat(sandbox.applications(request.get("orderId").asText())).isEqualTo(1);
        assertThat(sandbox.requests()).last().satisfies(r -> {
            assertThat(r.path()).isEqualTo("/jpy/collect/apply");
            assertThat(r.status()).isEqualTo("1");
            assertThat(r.error()).isEqualTo("00000000");
        });
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(data.get("payUrl").asText())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains(data.get("orderNo").asText());
    }

    @Test
    void bankTransferApplyCarriesBankDetails() throws Exception {
        JsonNode answer = post("/usd/collect/apply", apply("usd", "JP_KONBINI_LAWSON_USD", "4.99"));
        assertOk(answer);
        JsonNode data = answer.get("data");
        assertThat(data.get("bankCode").asText()).isEqualTo("JP_KONBINI_LAWSON_USD");
        assertThat(data.get("bankNo").asText()).matches("[0-9]{14}");
        assertThat(data.get("qrCode").asText()).isNotEmpty();
    }

    @Test
    void badSignIsRefused() throws Exception {
        ObjectNode request = apply("jpy", "AU_PAY", "300");
        request.put("sign", SHA256.sign(request, kessai.getPrivate()));
        request.put("amount", "3000");   // changed after signing
        assertRefused(postRaw("/jpy/collect/apply", M.writeValueAsString(request)), "10000001");

        KeyPair other = KeyPairGenerator.getInstance("RSA").generateKeyPair();
        ObjectNode foreign = apply("jpy", "AU_PAY", "300");
        foreign.put("sign", SHA256.sign(foreign, other.getPrivate()));
        assertRefused(postRaw("/jpy/collect/apply", M.writeValueAsString(foreign)), "10000001");

        ObjectNode unsigned = apply("jpy", "AU_PAY", "300");
        assertRefused(postRaw("/jpy/collect/apply", M.writeValueAsString(unsigned)), "10000002");
        assertRefused(postRaw("/jpy/collect/apply", "not json"), "10000002");
        assertThat(sandbox.applications(request.get("orderId").asText())).isZero();
    }

    @Test
    void amountFormatsPerCurrency() throws Exception {
        assertRefused(post("/usd/collect/apply", apply("usd", "JP_AU_PAY_USD", "4.5")), "10000002");
        assertRefused(post("/usd/collect/apply", apply("usd", "JP_AU_PAY_USD", "5")), "10000002");
        assertRefused(post("/jpy/collect/apply", apply("jpy", "AU_PAY", "300.00")), "10000002");
        assertRefused(post("/jpy/collect/apply", apply("jpy", "AU_PAY", "0300")), "10000002");
        ObjectNode numeric = apply("jpy", "AU_PAY", "300");
        numeric.put("amount", 300);
        JsonNode answer = post("/jpy/collect/apply", numeric);
        assertRefused(answer, "10000002");
        assertThat(answer.get("msg").asText()).contains("amount");
    }

    @Test
    void limitsPerPaymentMethod() throws Exception {
        String[][] cases = {
                {"jpy", "KONBINI_SEVEN_ELEVEN", "300", "ok"}, {"jpy", "KONBINI_SEVEN_ELEVEN", "299", "10000004"},
                {"jpy", "KONBINI_LAWSON", "150000", "ok"}, {"jpy", "KONBINI_LAWSON", "150001", "10000004"},
                {"jpy", "AU_PAY", "100", "ok"}, {"jpy", "MERPAY", "99", "10000004"},
                {"jpy", "GMO_AOZORA", "100", "ok"}, {"jpy", "GMO_AOZORA", "99", "10000004"},
                {"usd", "JP_KONBINI_FAMILYMART_USD", "1.99", "ok"}, {"usd", "JP_KONBINI_MINISTOP_USD", "1.98", "10000004"},
                {"usd", "JP_AU_PAY_USD", "0.99", "ok"}, {"usd", "JP_MERPAY_USD", "0.98", "10000004"},
                {"usd", "JP_GMO_AOZORA_USD", "0.99", "ok"},
                {"usd", "JP_MERPAY_USD", "499.99", "ok"}, {"usd", "JP_MERPAY_USD", "500.00", "10000004"},
        };
        for (String[] c : cases) {
            JsonNode answer = post("/" + c[0] + "/collect/apply", apply(c[0], c[1], c[2]));
            if (c[3].equals("ok")) {
                assertOk(answer);
            } else {
                assertRefused(answer, c[3]);
            }
        }
    }

    @Test
    void appIdMustBeTheCurrencysOne() throws Exception {
        ObjectNode usdAppOnJpy = apply("jpy", "AU_PAY", "300");
        usdAppOnJpy.put("appId", APP_USD);
        assertRefused(post("/jpy/collect/apply", usdAppOnJpy), "10000003");
        ObjectNode textAppId = apply("jpy", "AU_PAY", "300");
        textAppId.put("appId", Long.toString(APP_JPY));
        assertRefused(post("/jpy/collect/apply", textAppId), "10000002");
        ObjectNode jpyMethodOnUsd = apply("usd", "AU_PAY", "4.99");
        assertRefused(post("/usd/collect/apply", jpyMethodOnUsd), "10000005");
    }

    @Test
    void duplicateOrderIdIsRefusedAndCreatesNothing() throws Exception {
        ObjectNode request = apply("jpy", "MERPAY", "500");
        String orderId = created("jpy", request);
        assertRefused(post("/jpy/collect/apply", request), "10000006");
        assertThat(sandbox.applications(orderId)).isEqualTo(1);
    }

    @Test
    void methodsOutsideTheJapaneseTableAndBadFieldsAreRefused() throws Exception {
        ObjectNode sample = apply("jpy", "PH_QRPH_DYNAMIC", "300");
        sample.put("payType", "QR");
        assertRefused(post("/jpy/collect/apply", sample), "10000005");
        ObjectNode mismatch = apply("jpy", "GMO_AOZORA", "300");
        mismatch.put("payType", "EWALLET");
        assertRefused(post("/jpy/collect/apply", mismatch), "10000005");

        ObjectNode longId = apply("jpy", "AU_PAY", "300");
        longId.put("orderId", "X".repeat(49));
        assertRefused(post("/jpy/collect/apply", longId), "10000002");
        ObjectNode okId = apply("jpy", "AU_PAY", "300");
        okId.put("orderId", "X".repeat(48));
        assertOk(post("/jpy/collect/apply", okId));

        ObjectNode badPartner = apply("jpy", "AU_PAY", "300");
        badPartner.put("partnerUserId", "user 1");
        JsonNode answer = post("/jpy/collect/apply", badPartner);
        assertRefused(answer, "10000002");
        assertThat(answer.get("msg").asText()).contains("partnerUserId");
        ObjectNode symbols = apply("jpy", "AU_PAY", "300");
        symbols.put("partnerUserId", "aZ9-~!@#$%&*()_.");
        assertOk(post("/jpy/collect/apply", symbols));

        ObjectNode noCallback = apply("jpy", "AU_PAY", "300");
        noCallback.remove("callBackFailUrl");
        answer = post("/jpy/collect/apply", noCallback);
        assertRefused(answer, "10000002");
        assertThat(answer.get("msg").asText()).contains("callBackFailUrl");
    }

    @Test
    void declineWordFailsTheApply() throws Exception {
        ObjectNode request = apply("jpy", "AU_PAY", "300");
        request.put("name", "Please Decline");
        assertRefused(post("/jpy/collect/apply", request), "20000001");
        assertThat(sandbox.applications(request.get("orderId").asText())).isZero();
    }

    // ------------------------------------------------------------------ query & state machine

    @Test
    void queryFollowsTheStateMachine() throws Exception {
        String orderId = created("jpy", apply("jpy", "KONBINI_LAWSON", "300"));
        JsonNode q = query("jpy", orderId);
        assertOk(q);
        JsonNode data = q.get("data");
        assertThat(data.get("status").isInt()).isTrue();
        assertThat(data.get("status").intValue()).isZero();
        assertThat(data.get("amount").asText()).isEqualTo("300.00");
        assertThat(data.get("actualAmount").asText()).isEqualTo("0.00");
        assertThat(data.has("payTime")).isFalse();

        sandbox.advance(orderId, 1);
        sandbox.advance(orderId, 2);
        q = query("jpy", orderId);
        assertOk(q);
        data = q.get("data");
        assertThat(data.get("status").intValue()).isEqualTo(2);
        assertThat(data.get("actualAmount").asText()).isEqualTo("300.00");
        assertThat(data.get("fee").asText()).isEqualTo("8.00");   // 2.5% of 300 = 7.5, half up to yen
        assertThat(data.get("payTime").asText()).matches("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}");
        assertThat(data.has("errorMsg")).isFalse();

        // orderNo optional but must match
        ObjectNode withNo = M.createObjectNode();
        withNo.put("appId", APP_JPY);
        withNo.put("orderId", orderId);
        withNo.put("orderNo", "6000000000000000");
        assertRefused(post("/jpy/collect/query", withNo), "10000007");
        withNo.put("orderNo", data.get("orderNo").asText());
        assertOk(post("/jpy/collect/query", withNo));
        assertRefused(query("usd", orderId), "10000007");
        assertRefused(query("jpy", "nope"), "10000007");

        assertThatThrownBy(() -> sandbox.advance(orderId, 3)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void failureAndPendingConfirmation() throws Exception {
        String orderId = created("usd", apply("usd", "JP_MERPAY_USD", "4.99"));
        assertThatThrownBy(() -> sandbox.advance(orderId, 2)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> sandbox.advance(orderId, -1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> sandbox.advance(orderId, 7)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> sandbox.advance("unknown", 1)).isInstanceOf(IllegalArgumentException.class);
        sandbox.advance(orderId, 1);
        sandbox.advance(orderId, -1);
        assertThat(query("usd", orderId).get("data").get("status").intValue()).isEqualTo(-1);
        sandbox.advance(orderId, 3);
        JsonNode q = query("usd", orderId);
        assertOk(q);
        assertThat(q.get("data").get("status").intValue()).isEqualTo(3);
        assertThat(q.get("data").get("errorMsg").asText()).isNotEmpty();
        assertThat(q.get("data").get("amount").asText()).isEqualTo("4.99");
        assertThat(q.get("data").has("payTime")).isFalse();
        assertThatThrownBy(() -> sandbox.advance(orderId, 2)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void usdFeeIsRoundedToCents() throws Exception {
        String orderId = created("usd", apply("usd", "JP_AU_PAY_USD", "4.99"));
        sandbox.advance(orderId, 1);
        sandbox.advance(orderId, 2);
        JsonNode data = query("usd", orderId).get("data");
        assertThat(data.get("fee").asText()).isEqualTo("0.12");   // 0.12475
        assertThat(data.get("actualAmount").asText()).isEqualTo("4.99");
    }

    // ------------------------------------------------------------------ notifications

    @Test
    void notificationsAreSignedAndRetriedUntilSuccess() throws Exception {
        String path = "/hook-" + UUID.randomUUID();
        scripts.put(path, List.of(new Object[] {500, ""}, new Object[] {200, "ok"}, new Object[] {200, "success"}));
        ObjectNode request = apply("jpy", "AU_PAY", "1000");
        request.put("notifyUrl", receiverUrl + path);
        String orderId = created("jpy", request);

        sandbox.advance(orderId, 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> sandbox.notifications().size() == 3);
        List<JapanPaymentSandbox.Notification> n = sandbox.notifications();
        assertThat(n).extracting(JapanPaymentSandbox.Notification::attempt).containsExactly(1, 2, 3);
        assertThat(n).extracting(JapanPaymentSandbox.Notification::httpStatus).containsExactly(500, 200, 200);
        assertThat(n.get(1).answer()).isEqualTo("ok");
        assertThat(n.get(2).answer()).isEqualTo("success");
        assertThat(n).allSatisfy(x -> {
            assertThat(x.orderId()).isEqualTo(orderId);
            assertThat(x.status()).isEqualTo(1);
            assertThat(x.url()).isEqualTo(receiverUrl + path);
        });
        for (String body : received.get(path)) {
            JsonNode json = M.readTree(body);
            assertThat(SHA256.verify(json, sandboxKey)).isTrue();
            assertThat(json.get("orderId").asText()).isEqualTo(orderId);
            assertThat(json.get("status").intValue()).isEqualTo(1);
        }
        // no more after "success"
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> sandbox.notifications().size() == 3);

        sandbox.advance(orderId, 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> sandbox.notifications().size() == 4);
        JsonNode paid = M.readTree(received.get(path).get(3));
        assertThat(SHA256.verify(paid, sandboxKey)).isTrue();
        assertThat(paid.get("status").intValue()).isEqualTo(2);
        assertThat(paid.get("payTime").asText()).isNotEmpty();

        sandbox.resendNotification(orderId);
        await().atMost(Duration.ofSeconds(10)).until(() -> sandbox.notifications().size() == 5);
        assertThat(received.get(path).get(4)).isEqualTo(received.get(path).get(3));
    }

    @Test
    void retriesStopAfterTheConfiguredCount() throws Exception {
        String path = "/down-" + UUID.randomUUID();
        scripts.put(path, List.<Object[]>of(new Object[] {503, "busy"}));
        ObjectNode request = apply("jpy", "AU_PAY", "1000");
        request.put("notifyUrl", receiverUrl + path);
        String orderId = created("jpy", request);
        sandbox.advance(orderId, 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> sandbox.notifications().size() == 6);
        await().during(Duration.ofMillis(400)).atMost(Duration.ofSeconds(5)).until(() -> sandbox.notifications().size() == 6);
        assertThat(sandbox.notifications()).hasSize(6)
                .extracting(JapanPaymentSandbox.Notification::attempt).containsExactly(1, 2, 3, 4, 5, 6);
    }

    @Test
    void unreachableReceiverCountsAsNoAnswer() throws Exception {
        ObjectNode request = apply("jpy", "AU_PAY", "1000");
        request.put("notifyUrl", "http://127.0.0.1:1/none");
        String orderId = created("jpy", request);
        sandbox.advance(orderId, 1);
        await().atMost(Duration.ofSeconds(10)).until(() -> !sandbox.notifications().isEmpty());
        assertThat(sandbox.notifications().get(0).httpStatus()).isZero();
        assertThat(sandbox.notifications().get(0).answer()).isNull();
    }

    @Test
    void noNotificationWithoutNotifyUrl() throws Exception {
        String orderId = created("jpy", apply("jpy", "AU_PAY", "1000"));
        sandbox.advance(orderId, 1);
        assertThatThrownBy(() -> sandbox.resendNotification(orderId)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> sandbox.sendTamperedNotification(orderId)).isInstanceOf(IllegalStateException.class);
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5)).until(() -> sandbox.notifications().isEmpty());
    }

    // ------------------------------------------------------------------ tampering

    @Test
    void tamperNextAnswerBreaksTheNextDataSignatureOnly() throws Exception {
        sandbox.tamperNextAnswer();
        assertRefused(post("/jpy/collect/apply", apply("jpy", "AU_PAY", "1")), "10000004");   // no data: still armed
        JsonNode answer = post("/jpy/collect/apply", apply("jpy", "AU_PAY", "300"));
        assertThat(answer.get("status").asText()).isEqualTo("1");
        assertThat(answer.get("data").get("payUrl").asText()).doesNotStartWith(sandbox.baseUrl());
        assertThat(SHA256.verify(answer.get("data"), sandboxKey)).isFalse();
        String orderId = answer.get("data").get("orderId").asText();

        assertOk(query("jpy", orderId));   // only one answer is tampered
        sandbox.tamperNextAnswer();
        JsonNode q = query("jpy", orderId);
        assertThat(q.get("data").get("status").intValue()).isEqualTo(2);
        assertThat(SHA256.verify(q.get("data"), sandboxKey)).isFalse();
    }

    @Test
    void tamperedNotificationFailsVerification() throws Exception {
        String path = "/tamper-" + UUID.randomUUID();
        ObjectNode request = apply("usd", "JP_GMO_AOZORA_USD", "10.00");
        request.put("notifyUrl", receiverUrl + path);
        String orderId = created("usd", request);
        sandbox.sendTamperedNotification(orderId);
        await().atMost(Duration.ofSeconds(10)).until(() -> sandbox.notifications().size() == 1);
        JsonNode body = M.readTree(received.get(path).get(0));
        assertThat(body.get("orderId").asText()).isEqualTo(orderId);
        assertThat(body.get("sign").asText()).isNotEmpty();
        assertThat(SHA256.verify(body, sandboxKey)).isFalse();
        assertThatThrownBy(() -> sandbox.resendNotification(orderId)).isInstanceOf(IllegalStateException.class);
    }

    // ------------------------------------------------------------------ other algorithm

    @Test
    void sha1WhenConfigured() throws Exception {
        JapanPaymentSignature sha1 = new JapanPaymentSignature("SHA1withRSA");
        try (JapanPaymentSandbox s = new JapanPaymentSandbox(JapanPaymentSandbox.Settings.defaults(APP_JPY, APP_USD)
                .withSignAlgorithm("SHA1withRSA").withProcessingTime(Duration.ZERO), kessai.getPublic()).start()) {
            ObjectNode request = apply("jpy", "AU_PAY", "300");
            request.put("sign", SHA256.sign(request, kessai.getPrivate()));
            HttpResponse<String> wrong = http.send(HttpRequest.newBuilder(URI.create(s.baseUrl() + "/jpy/collect/apply"))
                    .POST(HttpRequest.BodyPublishers.ofString(M.writeValueAsString(request))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertRefused(M.readTree(wrong.body()), "10000001");
            request.put("sign", sha1.sign(request, kessai.getPrivate()));
            HttpResponse<String> ok = http.send(HttpRequest.newBuilder(URI.create(s.baseUrl() + "/jpy/collect/apply"))
                    .POST(HttpRequest.BodyPublishers.ofString(M.writeValueAsString(request))).build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode data = M.readTree(ok.body()).get("data");
            PublicKey key = JapanPaymentSignature.publicKey(s.publicKeyPem(), "k");
            assertThat(sha1.verify(data, key)).isTrue();
            assertThat(SHA256.verify(data, key)).isFalse();
        }
    }

    @Test
    void otherMethodsAndPaths() throws Exception {
        HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + "/jpy/collect/apply"))
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(405);
        HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + "/eur/collect/apply"))
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(404);
    }
}
