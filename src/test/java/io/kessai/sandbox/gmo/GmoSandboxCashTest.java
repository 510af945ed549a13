package io.kessai.sandbox.gmo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The cash part of the sandbox: /cash/charge, cash orders in /order/*, the test hooks and the webhooks. */
class GmoSandboxCashTest {

    private static final String SHOP_ID = "tshop00000001";
    private static final String SHOP_PASS = "sandbox-pass";
    private static final Duration RETRY = Duration.ofMillis(20);
    private static final ZoneId TOKYO = ZoneId.of("Asia/Tokyo");
    private static final ObjectMapper M = new ObjectMapper();

    private static GmoSandbox sandbox;
    private static HttpClient http;
    private static HttpServer receiver;
    private static final Map<String, Hook> hooks = new ConcurrentHashMap<>();
    private GmoSandboxTest.MutableClock clock;

    /** One webhook endpoint of the test receiver: answers the scripted statuses, then {@code otherwise}. */
    private static final class Hook {
        final Deque<Integer> script = new ArrayDeque<>();
        final int otherwise;
        final List<Received> received = new CopyOnWriteArrayList<>();

        Hook(int otherwise, Integer... first) {
            this.otherwise = otherwise;
            script.addAll(List.of(first));
        }

        synchronized int next() {
            Integer s = script.poll();
            return s == null ? otherwise : s;
        }
    }

    private record Received(String method, String contentType, String body) {}

    @BeforeAll
    static void start() throws IOException {
        sandbox = new GmoSandbox(GmoSandbox.Settings.defaults(SHOP_ID, SHOP_PASS)
                .withProcessingTime(Duration.ofMillis(5))
                .withWebhookRetryInterval(RETRY))
                .start();
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 50);
        receiver.createContext("/", GmoSandboxCashTest::receive);
        receiver.start();
    }

    @AfterAll
    static void stop() {
        sandbox.close();
        receiver.stop(0);
    }

    @BeforeEach
    void freshState() {
        sandbox.reset();
        hooks.clear();
        clock = new GmoSandboxTest.MutableClock(Instant.now());
        sandbox.clock(clock);
    }

    private static void receive(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            Hook hook = hooks.get(exchange.getRequestURI().getPath());
            int status = 404;
            if (hook != null) {
                hook.received.add(new Received(exchange.getRequestMethod(),
                        exchange.getRequestHeaders().getFirst("Content-Type"), body));
                status = hook.next();
            }
            exchange.sendResponseHeaders(status, -1);
        } finally {
            exchange.close();
        }
    }

    /** Registers a webhook endpoint and returns its URL. */
    private static String hook(Hook hook) {
        String path = "/webhook/" + UUID.randomUUID();
        hooks.put(path, hook);
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + path;
    }

    // ------------------------------------------------------------------ /cash/charge

    @Test
    void konbiniLawsonChargeIssuesPaymentNumbers() throws Exception {
        String orderId = newOrderId();
        String key = UUID.randomUUID().toString();
        HttpResponse<String> response = post("/cash/charge", konbini(orderId, "LAWSON", null), key);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode body = json(response);
        assertThat(GmoOpenApi.get().validate("CashChargeResponse", body)).isEmpty();
        assertThat(body.get("nextAction").asText()).isEqualTo("AWAIT");
        JsonNode ref = body.get("orderReference");
        assertThat(ref.get("accessId").asText()).matches("[0-9a-f]{32}");
        assertThat(ref.get("accessPass").asText()).matches("[0-9a-f]{32}");
        assertThat(ref.get("orderId").asText()).isEqualTo(orderId);
        assertThat(ref.get("status").asText()).isEqualTo("REQSUCCESS");
        assertThat(ref.get("amount").asText()).isEqualTo("1000");
        assertThat(ref.get("chargeType").asText()).isEqualTo("CASH");
        assertThat(ref.get("created").asText()).endsWith("+09:00");
        JsonNode cash = body.get("cashResult");
        assertThat(cash.get("cashType").asText()).isEqualTo("KONBINI");
        assertThat(cash.get("paymentExpiryDateTime").asText()).isEqualTo(today().plusDays(7) + "T23:59:59+09:00");
        JsonNode konbini = cash.get("konbiniPaymentInformation");
        assertThat(konbini.get("konbiniCode").asText()).isEqualTo("LAWSON");
        assertThat(konbini.get("confirmationNumber").asText()).matches("[0-9]{10}");
        assertThat(konbini.get("receiptNumber").asText()).matches("[0-9]{10}");
        assertThat(konbini.has("voucherUrl")).isFalse();

        // the Idempotency-Key replays the answer without issuing a second number
        HttpResponse<String> replay = post("/cash/charge", konbini(orderId, "LAWSON", null), key);
        assertThat(replay.body()).isEqualTo(response.body());
        assertThat(sandbox.authorizations(orderId)).isEqualTo(1);
        assertProblem(post("/cash/charge", konbini(orderId, "LAWSON", null), null), 400, "invalid_request");
    }

    @Test
    void konbiniNeedsKonbiniCodeNameKanaAndPhone() throws Exception {
        ObjectNode noCode = konbini(newOrderId(), "LAWSON", null);
        noCode.withObjectProperty("cashInformation").remove("cashOptions");
        HttpResponse<String> missingCode = post("/cash/charge", noCode, null);
        assertProblem(missingCode, 400, "missing_parameter");
        assertThat(detail(missingCode)).endsWith("(cashInformation.cashOptions.konbiniCode)");

        ObjectNode noKana = konbini(newOrderId(), "LAWSON", null);
        noKana.withObjectProperty("payer").remove("nameKana");
        HttpResponse<String> missingKana = post("/cash/charge", noKana, null);
        assertProblem(missingKana, 400, "missing_parameter");
        assertThat(detail(missingKana)).endsWith("(payer.nameKana)");

        ObjectNode noPhone = cash(newOrderId(), "PAYEASY");
        noPhone.withObjectProperty("payer").remove("phones");
        HttpResponse<String> missingPhone = post("/cash/charge", noPhone, null);
        assertProblem(missingPhone, 400, "missing_parameter");
        assertThat(detail(missingPhone)).endsWith("(payer.phones[0].number)");

        // bank transfers need neither
        ObjectNode bank = cash(newOrderId(), "BANK_TRANSFER_GMO_AOZORA");
        bank.withObjectProperty("payer").remove("nameKana");
        bank.withObjectProperty("payer").remove("phones");
        assertThat(post("/cash/charge", bank, null).statusCode()).isEqualTo(202);

        // the schema still applies: a konbini code GMO does not know
        assertProblem(post("/cash/charge", konbini(newOrderId(), "SUNKUS", null), null), 400, "invalid_parameter");
    }

    @Test
    void paymentPeriodFollowsTheTableOfCashOptions() throws Exception {
        JsonNode lawson = cashResult(post("/cash/charge", konbini(newOrderId(), "LAWSON", "0"), null));
        assertThat(lawson.get("paymentExpiryDateTime").asText()).isEqualTo(today() + "T23:59:59+09:00");

        HttpResponse<String> tooLong = post("/cash/charge", konbini(newOrderId(), "FAMILYMART", "61"), null);
        assertProblem(tooLong, 400, "invalid_parameter");
        assertThat(detail(tooLong)).endsWith("(cashInformation.cashOptions.paymentPeriod)");
        JsonNode familyMart = cashResult(post("/cash/charge", konbini(newOrderId(), "FAMILYMART", "999"), null));
        assertThat(familyMart.get("paymentExpiryDateTime").asText()).isEqualTo(today().plusDays(60) + "T23:59:59+09:00");

        ObjectNode payEasy999 = cash(newOrderId(), "PAYEASY");
        payEasy999.withObjectProperty("cashInformation").putObject("cashOptions").put("paymentPeriod", "999");
        assertProblem(post("/cash/charge", payEasy999, null), 400, "invalid_parameter");

        HttpResponse<String> smbcWithout = post("/cash/charge", cash(newOrderId(), "BANK_TRANSFER_SMBC"), null);
        assertProblem(smbcWithout, 400, "missing_parameter");
        assertThat(detail(smbcWithout)).endsWith("(cashInformation.cashOptions.paymentPeriod)");
        ObjectNode smbc = cash(newOrderId(), "BANK_TRANSFER_SMBC");
        smbc.withObjectProperty("cashInformation").putObject("cashOptions").put("paymentPeriod", "99");
        HttpResponse<String> smbcAnswer = post("/cash/charge", smbc, null);
        assertThat(GmoOpenApi.get().validate("CashChargeResponse", json(smbcAnswer))).isEmpty();
        JsonNode smbcResult = cashResult(smbcAnswer);
        assertThat(smbcResult.get("paymentExpiryDateTime").asText()).isEqualTo(today().plusDays(99) + "T23:59:59+09:00");
        assertThat(smbcResult.get("bankTransferPaymentInformation").get("bankCode").asText()).isEqualTo("0009");

        // paymentExpiryDateTime wins over paymentPeriod; Seven-Eleven refuses it
        ObjectNode at = konbini(newOrderId(), "LAWSON", "3");
        String tomorrow = today().plusDays(1).toString().replace("-", "");
        at.withObjectProperty("cashInformation").withObjectProperty("cashOptions")
                .put("paymentExpiryDateTime", tomorrow + "1830");
        assertThat(cashResult(post("/cash/charge", at, null)).get("paymentExpiryDateTime").asText())
                .isEqualTo(today().plusDays(1) + "T18:30:00+09:00");
        ObjectNode seven = konbini(newOrderId(), "SEVEN_ELEVEN", null);
        seven.withObjectProperty("cashInformation").withObjectProperty("cashOptions")
                .put("paymentExpiryDateTime", tomorrow + "1830");
        assertProblem(post("/cash/charge", seven, null), 400, "invalid_parameter");
    }

    @Test
    void aozoraBankTransferIsTradingWithBankDetailsAndNoDeadline() throws Exception {
        HttpResponse<String> response = post("/cash/charge", cash(newOrderId(), "BANK_TRANSFER_GMO_AOZORA"), null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        JsonNode body = json(response);
        assertThat(GmoOpenApi.get().validate("CashChargeResponse", body)).isEmpty();
        assertThat(body.get("orderReference").get("status").asText()).isEqualTo("TRADING");
        JsonNode cash = body.get("cashResult");
        assertThat(cash.get("cashType").asText()).isEqualTo("BANK_TRANSFER_GMO_AOZORA");
        assertThat(cash.has("paymentExpiryDateTime")).isFalse();
        JsonNode bank = cash.get("bankTransferPaymentInformation");
        assertThat(bank.get("bankCode").asText()).isEqualTo("0310");
        assertThat(bank.get("bankName").asText()).isNotBlank();
        assertThat(bank.get("branchCode").asText()).matches("[0-9]{3}");
        assertThat(bank.get("branchName").asText()).isNotBlank();
        assertThat(bank.get("accountType").asText()).isEqualTo("1");
        assertThat(bank.get("accountNumber").asText()).matches("[0-9]{7}");
        assertThat(bank.get("depositAmount").asText()).isEqualTo("0");

        String accessId = body.get("orderReference").get("accessId").asText();
        sandbox.payCash(accessId);   // no webhookUrl: no webhook
        JsonNode paid = inquiry(accessId);
        assertThat(paid.get("orderReference").get("status").asText()).isEqualTo("PAYSUCCESS");
        assertThat(paid.get("cashResult").get("bankTransferPaymentInformation").get("depositAmount").asText())
                .isEqualTo("1000");
        assertThat(sandbox.webhookDeliveries()).isEmpty();
    }

    @Test
    void payEasyAndSevenElevenLinkToTheSandboxPaymentPage() throws Exception {
        JsonNode payEasy = json(post("/cash/charge", cash(newOrderId(), "PAYEASY"), null));
        assertThat(GmoOpenApi.get().validate("CashChargeResponse", payEasy)).isEmpty();
        JsonNode info = payEasy.get("cashResult").get("pay-easyPaymentInformation");
        assertThat(info.get("institutionCode").asText()).isEqualTo("58021");
        assertThat(info.get("customerNumber").asText()).isNotBlank();
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(info.get("bankUrl").asText())).GET()
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains(info.get("customerNumber").asText());

        JsonNode seven = json(post("/cash/charge", konbini(newOrderId(), "SEVEN_ELEVEN", null), null));
        assertThat(seven.get("cashResult").get("konbiniPaymentInformation").get("voucherUrl").asText())
                .startsWith(sandbox.baseUrl() + "/sandbox/cash/");
    }

    @Test
    void declinedPayerNameIsProcessingFailureAndTheOrderStaysUnprocessed() throws Exception {
        String orderId = newOrderId();
        ObjectNode request = konbini(orderId, "LAWSON", null);
        request.withObjectProperty("payer").put("name", "Decline Taro");
        assertProblem(post("/cash/charge", request, null), 402, "processing_failure");
        assertThat(sandbox.authorizations(orderId)).isZero();

        JsonNode inquiry = json(post("/order/inquiry", M.createObjectNode().put("orderId", orderId), null));
        assertThat(GmoOpenApi.get().validate("OrderInquiryResponseCash", inquiry)).isEmpty();
        assertThat(inquiry.get("orderReference").get("status").asText()).isEqualTo("UNPROCESSED");
        assertThat(inquiry.get("errorInformation").get("title").asText()).isEqualTo("processing_failure");
    }

    // ------------------------------------------------------------------ cash orders in /order/*

    @Test
    void inquiryFollowsTheCashOrder() throws Exception {
        String accessId = accessId(post("/cash/charge", konbini(newOrderId(), "LAWSON", null), null));
        JsonNode before = inquiry(accessId);
        assertThat(GmoOpenApi.get().validate("OrderInquiryResponseCash", before)).isEmpty();
        assertThat(before.get("orderReference").get("status").asText()).isEqualTo("REQSUCCESS");
        assertThat(before.get("orderReference").get("chargeType").asText()).isEqualTo("CASH");
        assertThat(before.get("cashResult").get("konbiniPaymentInformation").get("konbiniCode").asText())
                .isEqualTo("LAWSON");
        assertThat(before.has("creditResult")).isFalse();
        assertThat(before.has("errorInformation")).isFalse();

        sandbox.payCash(accessId);
        JsonNode after = inquiry(accessId);
        assertThat(GmoOpenApi.get().validate("OrderInquiryResponseCash", after)).isEmpty();
        assertThat(after.get("orderReference").get("status").asText()).isEqualTo("PAYSUCCESS");
    }

    @Test
    void cancelOnlyWhileAwaitingPaymentAndNoCapture() throws Exception {
        String accessId = accessId(post("/cash/charge", konbini(newOrderId(), "LAWSON", null), null));
        assertProblem(post("/order/capture", M.createObjectNode().put("accessId", accessId), null), 400,
                "invalid_request");

        HttpResponse<String> canceled = post("/order/cancel", M.createObjectNode().put("accessId", accessId), null);
        assertThat(canceled.statusCode()).as(canceled.body()).isEqualTo(201);
        JsonNode body = json(canceled);
        assertThat(GmoOpenApi.get().validate("OrderCancelResponseCash", body)).isEmpty();
        assertThat(body.get("orderReference").get("status").asText()).isEqualTo("CANCEL");
        assertThat(body.get("orderReference").get("amount").asText()).isEqualTo("0");
        assertThat(body.get("cashResult").get("cashType").asText()).isEqualTo("KONBINI");
        assertThat(inquiry(accessId).get("orderReference").get("status").asText()).isEqualTo("CANCEL");
        assertThatThrownBy(() -> sandbox.payCash(accessId)).isInstanceOf(IllegalStateException.class);

        String paid = accessId(post("/cash/charge", cash(newOrderId(), "BANK_TRANSFER_GMO_AOZORA"), null));
        sandbox.payCash(paid);
        assertProblem(post("/order/cancel", M.createObjectNode().put("accessId", paid), null), 400,
                "invalid_status");
    }

    @Test
    void expiredOrdersReadExpired() throws Exception {
        String accessId = accessId(post("/cash/charge", konbini(newOrderId(), "LAWSON", null), null));
        sandbox.expireCash(accessId);
        JsonNode inquiry = inquiry(accessId);
        assertThat(GmoOpenApi.get().validate("OrderInquiryResponseCash", inquiry)).isEmpty();
        assertThat(inquiry.get("orderReference").get("status").asText()).isEqualTo("EXPIRED");
        assertThatThrownBy(() -> sandbox.payCash(accessId)).isInstanceOf(IllegalStateException.class);
        assertProblem(post("/order/cancel", M.createObjectNode().put("accessId", accessId), null), 400,
                "invalid_status");
        assertThat(sandbox.webhookDeliveries()).isEmpty();

        // the sandbox clock passing the deadline has the same effect
        String late = accessId(post("/cash/charge", konbini(newOrderId(), "LAWSON", "1"), null));
        clock.advance(Duration.ofDays(3));
        assertThat(inquiry(late).get("orderReference").get("status").asText()).isEqualTo("EXPIRED");
    }

    // ------------------------------------------------------------------ webhooks

    @Test
    void payCashPostsTheCashPaidWebhook() throws Exception {
        Hook hook = new Hook(200);
        String url = hook(hook);
        String csrf = UUID.randomUUID().toString();
        ObjectNode request = konbini(newOrderId(), "LAWSON", null);
        request.withObjectProperty("merchant").put("webhookUrl", url).put("csrfToken", csrf);
        String accessId = accessId(post("/cash/charge", request, null));

        sandbox.payCash(accessId);

        await().atMost(Duration.ofSeconds(5)).until(() -> hook.received.size() == 1);
        Received received = hook.received.get(0);
        assertThat(received.method()).isEqualTo("POST");
        assertThat(received.contentType()).isEqualTo("application/json");
        JsonNode body = M.readTree(received.body());
        assertThat(GmoOpenApi.get().validate("CashWebhookRequest", body)).isEmpty();
        assertThat(body.get("accessId").asText()).isEqualTo(accessId);
        assertThat(body.get("event").asText()).isEqualTo("CASH_PAID");
        assertThat(body.get("csrfToken").asText()).isEqualTo(csrf);
        await().atMost(Duration.ofSeconds(5)).until(() -> sandbox.webhookDeliveries().size() == 1);
        assertThat(sandbox.webhookDeliveries())
                .containsExactly(new GmoSandbox.WebhookDelivery(accessId, url, 1, 200));

        // providers repeat notifications: the same body once more
        sandbox.resendWebhook(accessId);
        await().atMost(Duration.ofSeconds(5)).until(() -> sandbox.webhookDeliveries().size() == 2);
        assertThat(hook.received).hasSize(2);
        assertThat(hook.received.get(1).body()).isEqualTo(received.body());

        // without a csrfToken the field is absent
        Hook plain = new Hook(204);
        ObjectNode noToken = konbini(newOrderId(), "LAWSON", null);
        noToken.withObjectProperty("merchant").put("webhookUrl", hook(plain));
        sandbox.payCash(accessId(post("/cash/charge", noToken, null)));
        await().atMost(Duration.ofSeconds(5)).until(() -> plain.received.size() == 1);
        assertThat(M.readTree(plain.received.get(0).body()).has("csrfToken")).isFalse();
    }

    @Test
    void failedWebhookIsRetriedUntilItSucceeds() throws Exception {
        Hook hook = new Hook(200, 500, 500);
        String url = hook(hook);
        String accessId = chargeWithWebhook(url);

        sandbox.payCash(accessId);

        await().atMost(Duration.ofSeconds(5)).until(() -> sandbox.webhookDeliveries().size() == 3);
        assertThat(sandbox.webhookDeliveries()).containsExactly(
                new GmoSandbox.WebhookDelivery(accessId, url, 1, 500),
                new GmoSandbox.WebhookDelivery(accessId, url, 2, 500),
                new GmoSandbox.WebhookDelivery(accessId, url, 3, 200));
        assertThat(hook.received).hasSize(3);
    }

    @Test
    void alwaysFailingWebhookGetsSixAttemptsThenTheSandboxGivesUp() throws Exception {
        Hook hook = new Hook(503);
        String url = hook(hook);
        String accessId = chargeWithWebhook(url);

        sandbox.payCash(accessId);

        await().atMost(Duration.ofSeconds(5)).until(() -> sandbox.webhookDeliveries().size() == 6);
        await().during(Duration.ofMillis(10 * RETRY.toMillis())).atMost(Duration.ofSeconds(2))
                .until(() -> sandbox.webhookDeliveries().size() == 6);
        assertThat(sandbox.webhookDeliveries()).extracting(GmoSandbox.WebhookDelivery::attempt)
                .containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(sandbox.webhookDeliveries()).extracting(GmoSandbox.WebhookDelivery::status).containsOnly(503);
        assertThat(hook.received).hasSize(6);
    }

    @Test
    void unreachableReceiverIsStatusZeroAndResetStopsTheRetries() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            closedPort = socket.getLocalPort();
        }
        String url = "http://127.0.0.1:" + closedPort + "/webhook";
        String accessId = chargeWithWebhook(url);

        sandbox.payCash(accessId);

        await().atMost(Duration.ofSeconds(5)).until(() -> !sandbox.webhookDeliveries().isEmpty());
        assertThat(sandbox.webhookDeliveries().get(0)).isEqualTo(new GmoSandbox.WebhookDelivery(accessId, url, 1, 0));
        sandbox.reset();
        await().during(Duration.ofMillis(10 * RETRY.toMillis())).atMost(Duration.ofSeconds(2))
                .until(() -> sandbox.webhookDeliveries().isEmpty());
    }

    @Test
    void hooksRefuseUnknownAndCardOrders() throws Exception {
        assertThatThrownBy(() -> sandbox.payCash("0123456789abcdef0123456789abcdef"))
                .isInstanceOf(IllegalArgumentException.class);
        String accessId = accessId(post("/cash/charge", konbini(newOrderId(), "LAWSON", null), null));
        assertThatThrownBy(() -> sandbox.resendWebhook(accessId)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void oasCashExamplesValidateAgainstTheRepairedDocument() {
        GmoOpenApi api = GmoOpenApi.get();
        JsonNode examples = api.document().get("components").get("examples");
        Map<String, String> pairs = Map.of(
                "cashChargeResponseExample1", "CashChargeResponse",
                "cashChargeResponseExample2", "CashChargeResponse",
                "cashChargeResponseExample3", "CashChargeResponse",
                "cashChargeResponseExample4", "CashChargeResponse",
                "orderInquiryCashResponseExample1", "OrderInquiryResponseCash",
                "orderCancelCashResponseExample1", "OrderCancelResponseCash");
        pairs.forEach((example, schema) ->
                assertThat(api.validate(schema, examples.get(example).get("value"))).as(example).isEmpty());
    }

    // ------------------------------------------------------------------ helpers

    private String chargeWithWebhook(String url) throws Exception {
        ObjectNode request = konbini(newOrderId(), "LAWSON", null);
        request.withObjectProperty("merchant").put("webhookUrl", url).put("csrfToken", "csrf-0001");
        return accessId(post("/cash/charge", request, null));
    }

    private static ObjectNode konbini(String orderId, String konbiniCode, String paymentPeriod) {
        ObjectNode request = cash(orderId, "KONBINI");
        ObjectNode options = request.withObjectProperty("cashInformation").putObject("cashOptions")
                .put("konbiniCode", konbiniCode);
        if (paymentPeriod != null) {
            options.put("paymentPeriod", paymentPeriod);
        }
        return request;
    }

    /** A cash charge request shaped like the one Kessai sends. */
    private static ObjectNode cash(String orderId, String cashType) {
        ObjectNode request = M.createObjectNode();
        request.putObject("merchant")
                .put("name", "Kessai Test Shop")
                .put("nameKana", "ケッサイテストショップ")
                .put("nameAlphabet", "Kessai Test Shop")
                .put("nameShort", "Kessai")
                .put("contactName", "Kessai Support")
                .put("contactEmail", "support@kessai.example")
                .put("contactPhone", "03-1234-5678")
                .put("contactOpeningHours", "09:00-18:00");
        request.putObject("order").put("orderId", orderId).put("amount", "1000").put("transactionType", "CIT");
        ObjectNode payer = request.putObject("payer").put("name", "Taro Yamada").put("nameKana", "ヤマダ　タロウ");
        payer.putArray("phones").addObject().put("type", "MOBILE").put("countryCode", "81")
                .put("number", "090-1234-5678");
        request.putObject("cashInformation").put("cashType", cashType);
        return request;
    }

    private JsonNode inquiry(String accessId) throws Exception {
        HttpResponse<String> response = post("/order/inquiry", M.createObjectNode().put("accessId", accessId), null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json(response);
    }

    private LocalDate today() {
        return clock.instant().atZone(TOKYO).toLocalDate();
    }

    private static String accessId(HttpResponse<String> response) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return json(response).get("orderReference").get("accessId").asText();
    }

    private static JsonNode cashResult(HttpResponse<String> response) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return json(response).get("cashResult");
    }

    private static String newOrderId() {
        return "c-" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }

    private static HttpResponse<String> post(String path, JsonNode body, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + path))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .header("Authorization", "Basic " + Base64.getEncoder()
                        .encodeToString((SHOP_ID + ":" + SHOP_PASS).getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (key != null) {
            b.header("Idempotency-Key", key);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return M.readTree(response.body());
    }

    private static String detail(HttpResponse<String> response) throws IOException {
        return json(response).get("detail").asText();
    }

    private static void assertProblem(HttpResponse<String> response, int status, String title) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        JsonNode problem = json(response);
        assertThat(problem.get("title").asText()).isEqualTo(title);
        assertThat(problem.get("instance").asText()).startsWith("/");
        assertThat(GmoOpenApi.get().validate("Problem", problem)).isEmpty();
    }
}
