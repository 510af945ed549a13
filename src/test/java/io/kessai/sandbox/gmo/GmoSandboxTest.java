package io.kessai.sandbox.gmo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GmoSandboxTest {

    private static final String SHOP_ID = "tshop00000001";
    private static final String SHOP_PASS = "sandbox-pass";
    private static final Duration SLOW = Duration.ofMillis(700);
    private static final ObjectMapper M = new ObjectMapper();

    private static GmoSandbox sandbox;
    private static HttpClient http;
    private MutableClock clock;

    @BeforeAll
    static void startSandbox() {
        sandbox = new GmoSandbox(GmoSandbox.Settings.defaults(SHOP_ID, SHOP_PASS)
                .withProcessingTime(Duration.ofMillis(5))
                .withSlowTime(SLOW))
                .start();
        http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    @AfterAll
    static void stopSandbox() {
        sandbox.close();
    }

    @BeforeEach
    void freshState() {
        sandbox.reset();
        clock = new MutableClock(Instant.now());
        sandbox.clock(clock);
    }

    // ------------------------------------------------------------------ authentication

    @Test
    void wrongBasicPasswordIsUnauthorizedRequest() throws Exception {
        HttpResponse<String> wrong = post("/credit/charge", chargeRequest(newOrderId(), "tok"), null,
                basic(SHOP_ID, "wrong-pass"));
        assertProblem(wrong, 401, "unauthorized_request");
        assertThat(json(wrong).get("instance").asText()).isEqualTo("/credit/charge");

        HttpResponse<String> none = post("/credit/charge", chargeRequest(newOrderId(), "tok"), null, null);
        assertProblem(none, 401, "unauthorized_request");
        assertThat(sandbox.requests()).extracting(GmoSandbox.RecordedRequest::authScheme)
                .containsExactly("Basic", null);
    }

    @Test
    void tokenFlowIssuesBearerTokenThatWorksUntilAllTokensAreExpired() throws Exception {
        HttpResponse<String> issued = postForm("/token", "grant_type=client_credentials&scope=openapi",
                basic(SHOP_ID, SHOP_PASS));
        assertThat(issued.statusCode()).isEqualTo(201);
        JsonNode token = json(issued);
        assertThat(token.get("expires_in").asText()).isEqualTo("3600");
        assertThat(token.get("scope").asText()).isEqualTo("openapi");
        assertThat(token.get("token_type").asText()).isEqualTo("bearer");
        assertThat(GmoOpenApi.get().validate("TokenResponse", token)).isEmpty();
        String bearer = "Bearer " + token.get("access_token").asText();

        assertThat(post("/credit/charge", chargeRequest(newOrderId(), "tok"), null, bearer).statusCode())
                .isEqualTo(201);

        sandbox.expireAllTokens();
        assertProblem(post("/credit/charge", chargeRequest(newOrderId(), "tok"), null, bearer), 401,
                "unauthorized_request");
        assertThat(sandbox.requests()).extracting(GmoSandbox.RecordedRequest::authScheme)
                .containsExactly("Basic", "Bearer", "Bearer");
    }

    @Test
    void bearerTokenExpiresAfterItsTtl() throws Exception {
        String bearer = "Bearer " + json(postForm("/token", "grant_type=client_credentials&scope=openapi",
                basic(SHOP_ID, SHOP_PASS))).get("access_token").asText();
        ObjectNode inquiry = M.createObjectNode().put("orderId", "unknown-order");
        assertProblem(post("/order/inquiry", inquiry, null, bearer), 400, "invalid_parameter");

        clock.advance(Duration.ofHours(1));
        assertProblem(post("/order/inquiry", inquiry, null, bearer), 401, "unauthorized_request");
    }

    @Test
    void tokenRequestIsValidatedAndNeedsBasicAuth() throws Exception {
        assertProblem(postForm("/token", "grant_type=password&scope=openapi", basic(SHOP_ID, SHOP_PASS)), 400,
                "invalid_parameter");
        HttpResponse<String> missing = postForm("/token", "scope=openapi", basic(SHOP_ID, SHOP_PASS));
        assertProblem(missing, 400, "missing_parameter");
        assertThat(json(missing).get("detail").asText()).endsWith("(grant_type)");
        assertProblem(postForm("/token", "grant_type=client_credentials&scope=openapi", "Bearer whatever"), 401,
                "unauthorized_request");
    }

    // ------------------------------------------------------------------ credit charge

    @Test
    void validChargeAnswers201AuthThatMatchesTheOasSchema() throws Exception {
        String orderId = newOrderId();
        HttpResponse<String> response = post("/credit/charge", chargeRequest(orderId, "tok_visa"), newKey());

        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode body = json(response);
        assertThat(GmoOpenApi.get().validate("CreditChargeResponse", body)).isEmpty();
        assertThat(body.get("nextAction").asText()).isEqualTo("CAPTURE");
        JsonNode ref = body.get("orderReference");
        assertThat(ref.get("accessId").asText()).matches("[0-9a-f]{32}");
        assertThat(ref.get("accessPass").asText()).matches("[0-9a-f]{32}");
        assertThat(ref.get("orderId").asText()).isEqualTo(orderId);
        assertThat(ref.get("status").asText()).isEqualTo("AUTH");
        assertThat(ref.get("amount").asText()).isEqualTo("1000");
        assertThat(ref.get("chargeType").asText()).isEqualTo("CREDIT");
        assertThat(ref.get("created").asText()).endsWith("+09:00");
        assertThat(ref.has("clientFields")).isFalse();
        JsonNode credit = body.get("creditResult");
        assertThat(credit.get("cardResult").get("cardNumber").asText()).isEqualTo("4111********1111");
        assertThat(credit.get("useTds2").asBoolean()).isFalse();
        LocalDate today = clock.instant().atZone(ZoneId.of("Asia/Tokyo")).toLocalDate();
        assertThat(credit.get("captureExpiryDateTime").asText())
                .isEqualTo(today.plusDays(60) + "T23:59:59+09:00");
        assertThat(body.has("fraudDetectionResult")).isFalse();
        assertThat(sandbox.authorizations(orderId)).isEqualTo(1);
    }

    @Test
    void captureExpiryIsTheSixtiethDayAt235959Tokyo() {
        // the reference text: authorized 2020/1/8 17:00 -> capture until 2020/3/8 23:59:59
        Instant authorized = Instant.parse("2020-01-08T08:00:00Z");
        assertThat(GmoPayments.captureExpiry(authorized).toString()).isEqualTo("2020-03-08T23:59:59+09:00");
    }

    @Test
    void captureModeChargeIsFinalAtOnce() throws Exception {
        ObjectNode request = chargeRequest(newOrderId(), "tok");
        options(request).put("authorizationMode", "CAPTURE");
        request.withObjectProperty("order").putObject("clientFields").put("clientField1", "memo");
        JsonNode body = json(post("/credit/charge", request, null));
        assertThat(body.get("nextAction").asText()).isEqualTo("NO_ACTION");
        assertThat(body.get("orderReference").get("status").asText()).isEqualTo("CAPTURE");
        assertThat(body.get("orderReference").get("clientFields").get("clientField1").asText()).isEqualTo("memo");
        assertThat(body.get("creditResult").has("captureExpiryDateTime")).isFalse();
        assertThat(GmoOpenApi.get().validate("CreditChargeResponse", body)).isEmpty();
    }

    @Test
    void missingMerchantNameIsMissingParameterNamingTheField() throws Exception {
        ObjectNode request = chargeRequest(newOrderId(), "tok");
        request.withObjectProperty("merchant").remove("name");
        HttpResponse<String> response = post("/credit/charge", request, null);
        assertProblem(response, 400, "missing_parameter");
        assertThat(json(response).get("detail").asText()).endsWith("(merchant.name)");
    }

    @Test
    void emptyStringCountsAsNotSet() throws Exception {
        ObjectNode request = chargeRequest(newOrderId(), "tok");
        request.withObjectProperty("payer").put("name", "");
        request.withObjectProperty("payer").putNull("email");
        HttpResponse<String> response = post("/credit/charge", request, null);
        assertProblem(response, 400, "missing_parameter");
        assertThat(json(response).get("detail").asText()).endsWith("(payer.name)");
    }

    @Test
    void decimalAmountIsInvalidParameter() throws Exception {
        ObjectNode request = chargeRequest(newOrderId(), "tok");
        request.withObjectProperty("order").put("amount", "10.5");
        HttpResponse<String> response = post("/credit/charge", request, null);
        assertProblem(response, 400, "invalid_parameter");
        assertThat(json(response).get("detail").asText()).isEqualTo("The parameter value is invalid.(order.amount)");
    }

    @Test
    void otherSemanticViolationsAreInvalidParameter() throws Exception {
        ObjectNode zero = chargeRequest(newOrderId(), "tok");
        zero.withObjectProperty("order").put("amount", "0");
        assertThat(json(post("/credit/charge", zero, null)).get("detail").asText()).endsWith("(order.amount)");

        ObjectNode dollars = chargeRequest(newOrderId(), "tok");
        dollars.withObjectProperty("order").put("currency", "USD");
        assertThat(json(post("/credit/charge", dollars, null)).get("detail").asText()).endsWith("(order.currency)");

        ObjectNode pricey = chargeRequest(newOrderId(), "tok");
        pricey.withObjectProperty("order").putArray("items").addObject()
                .put("name", "book").put("quantity", 1).put("type", "PHYSICAL").put("price", "1001");
        assertThat(json(post("/credit/charge", pricey, null)).get("detail").asText())
                .endsWith("(order.items[0].price)");

        ObjectNode numeric = chargeRequest(newOrderId(), "tok");
        numeric.withObjectProperty("order").put("amount", 1000);
        HttpResponse<String> response = post("/credit/charge", numeric, null);
        assertProblem(response, 400, "invalid_parameter");
        assertThat(json(response).get("detail").asText()).endsWith("(order.amount)");

        ObjectNode applePay = chargeRequest(newOrderId(), "apple-token");
        applePay.withObjectProperty("creditInformation").withObjectProperty("tokenizedCard").put("type", "APPLE_PAY_TOKEN");
        assertThat(json(post("/credit/charge", applePay, null)).get("detail").asText())
                .endsWith("(creditInformation.creditChargeOptions.useTds2)");
    }

    @Test
    void orderIdCanOnlyBeUsedOnce() throws Exception {
        String orderId = newOrderId();
        assertThat(post("/credit/charge", chargeRequest(orderId, "tok"), newKey()).statusCode()).isEqualTo(201);
        HttpResponse<String> again = post("/credit/charge", chargeRequest(orderId, "tok"), newKey());
        assertProblem(again, 400, "invalid_request");
        assertThat(json(again).get("detail").asText()).isEqualTo("The order ID has already been used.");
        assertThat(sandbox.authorizations(orderId)).isEqualTo(1);
    }

    @Test
    void declineTokenIsCardDeclinedAndTheOrderKeepsTheError() throws Exception {
        String orderId = newOrderId();
        HttpResponse<String> response = post("/credit/charge", chargeRequest(orderId, "tok_decline"), newKey());
        assertProblem(response, 402, "card_declined");
        assertThat(json(response).get("detail").asText())
                .isEqualTo("This card cannot be used for transactions.(G12)");
        assertThat(sandbox.authorizations(orderId)).isZero();

        JsonNode inquiry = json(post("/order/inquiry", M.createObjectNode().put("orderId", orderId), null));
        assertThat(inquiry.get("orderReference").get("status").asText()).isEqualTo("UNPROCESSED");
        assertThat(inquiry.get("errorInformation").get("title").asText()).isEqualTo("card_declined");

        assertProblem(post("/credit/charge", chargeRequest(newOrderId(), "insufficient"), null), 402,
                "insufficient_balance");
        assertProblem(post("/credit/charge", chargeRequest(newOrderId(), "over-limit"), null), 402,
                "amount_limit_exceeded");
    }

    // ------------------------------------------------------------------ idempotency & concurrency

    @Test
    void sameIdempotencyKeyReplaysTheIdenticalAnswerWithoutChargingAgain() throws Exception {
        String orderId = newOrderId();
        String key = newKey();
        HttpResponse<String> first = post("/credit/charge", chargeRequest(orderId, "tok"), key);
        HttpResponse<String> second = post("/credit/charge", chargeRequest(orderId, "tok"), key);

        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(second.statusCode()).isEqualTo(201);
        assertThat(second.body()).isEqualTo(first.body());
        assertThat(sandbox.authorizations(orderId)).isEqualTo(1);
        assertThat(sandbox.requests()).extracting(GmoSandbox.RecordedRequest::idempotencyKey)
                .containsExactly(key, key);
    }

    @Test
    void everyRecordedRequestNamesTheOrderItConcernsEvenAReplayOrARefusal() throws Exception {
        String orderId = newOrderId();
        String chargeKey = newKey();
        HttpResponse<String> charged = post("/credit/charge", chargeRequest(orderId, "tok"), chargeKey);
        String accessId = json(charged).get("orderReference").get("accessId").asText();
        post("/credit/charge", chargeRequest(orderId, "tok"), chargeKey);
        post("/order/capture", M.createObjectNode().put("accessId", accessId), newKey());
        post("/order/inquiry", M.createObjectNode().put("orderId", orderId), null);
        post("/credit/charge", chargeRequest(orderId, "tok"), null, basic(SHOP_ID, "wrong-pass"));
        post("/order/capture", M.createObjectNode().put("accessId", "unknown-access-id"), newKey());

        assertThat(sandbox.requests()).extracting(r -> r.path() + " " + r.status() + " " + r.orderId())
                .containsExactly("/credit/charge 201 " + orderId, "/credit/charge 201 " + orderId,
                        "/order/capture 201 " + orderId, "/order/inquiry 200 " + orderId,
                        "/credit/charge 401 " + orderId, "/order/capture 400 null");
        assertThat(sandbox.authorizations(orderId)).isEqualTo(1);
    }

    @Test
    void errorAnswersAreReplayedToo() throws Exception {
        String key = newKey();
        ObjectNode request = chargeRequest(newOrderId(), "tok");
        request.withObjectProperty("order").put("amount", "10.5");
        HttpResponse<String> first = post("/credit/charge", request, key);
        request.withObjectProperty("order").put("amount", "1000");
        HttpResponse<String> retry = post("/credit/charge", request, key);
        assertProblem(retry, 400, "invalid_parameter");
        assertThat(retry.body()).isEqualTo(first.body());
    }

    @Test
    void overlappingRequestWithTheSameKeyGetsConflict() throws Exception {
        String orderId = newOrderId();
        String key = newKey();
        CompletableFuture<HttpResponse<String>> first =
                postAsync("/credit/charge", chargeRequest(orderId, "tok_slow"), key);
        await().atMost(Duration.ofSeconds(5)).until(() -> sandbox.authorizations(orderId) == 1);

        HttpResponse<String> overlapping = post("/credit/charge", chargeRequest(orderId, "tok_slow"), key);
        assertProblem(overlapping, 409, "conflict");

        HttpResponse<String> original = first.get();
        assertThat(original.statusCode()).isEqualTo(201);
        HttpResponse<String> later = post("/credit/charge", chargeRequest(orderId, "tok_slow"), key);
        assertThat(later.statusCode()).isEqualTo(201);
        assertThat(later.body()).isEqualTo(original.body());
        assertThat(sandbox.authorizations(orderId)).isEqualTo(1);
    }

    @Test
    void moreThanFiveConcurrentChargesAreTooManyRequests() throws Exception {
        List<String> orderIds = new ArrayList<>();
        List<CompletableFuture<HttpResponse<String>>> running = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String orderId = newOrderId();
            orderIds.add(orderId);
            running.add(postAsync("/credit/charge", chargeRequest(orderId, "tok_slow"), newKey()));
        }
        await().atMost(Duration.ofSeconds(5))
                .until(() -> orderIds.stream().allMatch(id -> sandbox.authorizations(id) == 1));

        HttpResponse<String> sixth = post("/credit/charge", chargeRequest(newOrderId(), "tok"), newKey());
        assertProblem(sixth, 429, "too_many_requests");
        // another endpoint has its own limit
        assertThat(post("/order/inquiry", M.createObjectNode().put("orderId", orderIds.get(0)), null).statusCode())
                .isEqualTo(200);

        for (CompletableFuture<HttpResponse<String>> f : running) {
            assertThat(f.get().statusCode()).isEqualTo(201);
        }
        assertThat(sandbox.maxInFlight("/credit/charge")).isEqualTo(5);
        assertThat(sandbox.tooManyRequestsAnswered()).isEqualTo(1);
        // once they are answered the slots are free again
        assertThat(post("/credit/charge", chargeRequest(newOrderId(), "tok"), newKey()).statusCode())
                .isEqualTo(201);
    }

    @Test
    void flakyTokenFailsWith502OnceAndSucceedsOnRetryWithTheSameKey() throws Exception {
        String orderId = newOrderId();
        String key = newKey();
        HttpResponse<String> first = post("/credit/charge", chargeRequest(orderId, "tok_flaky"), key);
        assertProblem(first, 502, "bad_gateway");
        assertThat(sandbox.authorizations(orderId)).isZero();

        HttpResponse<String> retry = post("/credit/charge", chargeRequest(orderId, "tok_flaky"), key);
        assertThat(retry.statusCode()).isEqualTo(201);
        assertThat(sandbox.authorizations(orderId)).isEqualTo(1);
    }

    // ------------------------------------------------------------------ 3-D Secure

    @Test
    void threeDSecureRedirectsThenFinalizeAuthorizes() throws Exception {
        String orderId = newOrderId();
        ObjectNode request = chargeRequest(orderId, "tok_tds");
        request.withObjectProperty("merchant").put("callbackUrl", "https://merchant.example/callback?shop=1")
                .put("csrfToken", "csrf-123");
        HttpResponse<String> charged = post("/credit/charge", request, newKey());

        assertThat(charged.statusCode()).isEqualTo(202);
        JsonNode body = json(charged);
        assertThat(GmoOpenApi.get().validate("CreditChargeTds2Response", body)).isEmpty();
        assertThat(body.get("nextAction").asText()).isEqualTo("REDIRECT");
        assertThat(body.get("orderReference").get("status").asText()).isEqualTo("AUTHENTICATED");
        String accessId = body.get("orderReference").get("accessId").asText();
        JsonNode redirect = body.get("redirectInformation");
        assertThat(redirect.get("redirectUrl").asText()).isEqualTo(sandbox.baseUrl() + "/sandbox/tds2/" + accessId);
        assertThat(redirect.get("httpMethod").asText()).isEqualTo("GET");
        assertThat(redirect.get("redirectType").asText()).isEqualTo("TDS2");
        assertThat(sandbox.authorizations(orderId)).isZero();

        ObjectNode finalize = M.createObjectNode().put("accessId", accessId);
        assertProblem(post("/tds2/finalizeCharge", finalize, newKey()), 400, "invalid_status");

        HttpResponse<String> browser = get(redirect.get("redirectUrl").asText());
        assertThat(browser.statusCode()).isEqualTo(302);
        String location = browser.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith("https://merchant.example/callback?shop=1&p=");
        JsonNode p = M.readTree(Base64.getUrlDecoder().decode(location.substring(location.indexOf("&p=") + 3)));
        assertThat(p.get("accessId").asText()).isEqualTo(accessId);
        assertThat(p.get("event").asText()).isEqualTo("TDS_FINISHED");
        assertThat(p.get("csrfToken").asText()).isEqualTo("csrf-123");
        assertThat(sandbox.authorizations(orderId)).isZero();

        HttpResponse<String> finalized = post("/tds2/finalizeCharge", finalize, newKey());
        assertThat(finalized.statusCode()).isEqualTo(201);
        JsonNode result = json(finalized);
        assertThat(GmoOpenApi.get().validate("Tds2FinalizeChargeResponse", result)).isEmpty();
        assertThat(result.get("nextAction").asText()).isEqualTo("CAPTURE");
        assertThat(result.get("orderReference").get("status").asText()).isEqualTo("AUTH");
        assertThat(result.get("creditResult").get("useTds2").asBoolean()).isTrue();
        assertThat(result.get("tds2Result").get("tds2TransResult").asText()).isEqualTo("Y");
        assertThat(sandbox.authorizations(orderId)).isEqualTo(1);

        HttpResponse<String> twice = post("/tds2/finalizeCharge", finalize, newKey());
        assertProblem(twice, 400, "invalid_status");
        assertThat(json(twice).get("detail").asText()).isEqualTo("The transaction has already been processed.");
        assertThat(sandbox.authorizations(orderId)).isEqualTo(1);
    }

    @Test
    void failedThreeDSecureMakesFinalizeAProcessingFailure() throws Exception {
        String orderId = newOrderId();
        ObjectNode request = chargeRequest(orderId, "tok_tds");
        request.withObjectProperty("merchant").put("callbackUrl", "https://merchant.example/callback");
        JsonNode body = json(post("/credit/charge", request, newKey()));
        String accessId = body.get("orderReference").get("accessId").asText();

        HttpResponse<String> browser = get(body.get("redirectInformation").get("redirectUrl").asText()
                + "?result=failure");
        assertThat(browser.statusCode()).isEqualTo(302);
        String location = browser.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith("https://merchant.example/callback?p=");
        JsonNode p = M.readTree(Base64.getUrlDecoder().decode(location.substring(location.indexOf("?p=") + 3)));
        assertThat(p.get("event").asText()).isEqualTo("TDS_FINISHED");
        assertThat(p.has("csrfToken")).isFalse();

        HttpResponse<String> finalized = post("/tds2/finalizeCharge", M.createObjectNode().put("accessId", accessId),
                newKey());
        assertProblem(finalized, 402, "processing_failure");
        assertThat(json(finalized).get("type").asText()).isEqualTo("https://mp-faq.gmo-pg.com/s/article/F00941");
        assertThat(json(finalized).get("detail").asText()).isEqualTo("3D secure authentication failed.");
        assertThat(sandbox.authorizations(orderId)).isZero();

        JsonNode inquiry = json(post("/order/inquiry", M.createObjectNode().put("accessId", accessId), null));
        assertThat(inquiry.get("orderReference").get("status").asText()).isEqualTo("UNPROCESSED");
        assertThat(inquiry.get("errorInformation").get("title").asText()).isEqualTo("processing_failure");
        assertThat(inquiry.get("errorInformation").get("detail").asText()).isEqualTo("3D secure authentication failed.");
    }

    @Test
    void automaticAuthorizationHappensWhenTheBrowserComesBack() throws Exception {
        String orderId = newOrderId();
        ObjectNode request = chargeRequest(orderId, "TDS-card");
        request.withObjectProperty("merchant").put("callbackUrl", "https://merchant.example/callback");
        request.withObjectProperty("tds2Information").withObjectProperty("tds2Options").remove("autoAuthorization");
        JsonNode body = json(post("/credit/charge", request, null));

        HttpResponse<String> browser = get(body.get("redirectInformation").get("redirectUrl").asText());
        String location = browser.headers().firstValue("Location").orElseThrow();
        JsonNode p = M.readTree(Base64.getUrlDecoder().decode(location.substring(location.indexOf("?p=") + 3)));
        assertThat(p.get("event").asText()).isEqualTo("TDS_CHARGE_FINISHED");
        assertThat(sandbox.authorizations(orderId)).isEqualTo(1);
        JsonNode inquiry = json(post("/order/inquiry", M.createObjectNode().put("orderId", orderId), null));
        assertThat(inquiry.get("orderReference").get("status").asText()).isEqualTo("AUTH");
    }

    @Test
    void fakeAcsPageOffersLinksToBrowsersAndIs404ForUnknownTransactions() throws Exception {
        ObjectNode request = chargeRequest(newOrderId(), "tok_tds");
        request.withObjectProperty("merchant").put("callbackUrl", "https://merchant.example/callback");
        String url = json(post("/credit/charge", request, null)).get("redirectInformation").get("redirectUrl")
                .asText();
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/html")
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("?result=success", "?result=failure");

        assertThat(get(sandbox.baseUrl() + "/sandbox/tds2/0123456789abcdef0123456789abcdef").statusCode())
                .isEqualTo(404);
    }

    // ------------------------------------------------------------------ order management

    @Test
    void captureMovesAuthToSalesOnceOnly() throws Exception {
        String accessId = authorizedAccessId();
        HttpResponse<String> captured = post("/order/capture", M.createObjectNode().put("accessId", accessId),
                newKey());
        assertThat(captured.statusCode()).isEqualTo(201);
        JsonNode body = json(captured);
        assertThat(GmoOpenApi.get().validate("OrderCaptureResponseCredit", body)).isEmpty();
        assertThat(body.get("orderReference").get("status").asText()).isEqualTo("SALES");
        assertThat(body.get("creditResult").has("captureExpiryDateTime")).isFalse();

        assertProblem(post("/order/capture", M.createObjectNode().put("accessId", accessId), newKey()), 400,
                "invalid_status");
    }

    @Test
    void captureAfterTheAuthorizationExpiredIsTransactionExpired() throws Exception {
        String accessId = authorizedAccessId();
        clock.advance(Duration.ofDays(61));
        assertProblem(post("/order/capture", M.createObjectNode().put("accessId", accessId), newKey()), 400,
                "transaction_expired");
    }

    @Test
    void unknownAccessIdIsInvalidParameter() throws Exception {
        HttpResponse<String> response = post("/order/capture",
                M.createObjectNode().put("accessId", "0123456789abcdef0123456789abcdef"), null);
        assertProblem(response, 400, "invalid_parameter");
        assertThat(json(response).get("detail").asText()).endsWith("(accessId)");
    }

    @Test
    void cancelMakesTheOrderCanceledWithAmountZero() throws Exception {
        String accessId = authorizedAccessId();
        HttpResponse<String> canceled = post("/order/cancel", M.createObjectNode().put("accessId", accessId),
                newKey());
        assertThat(canceled.statusCode()).isEqualTo(201);
        JsonNode body = json(canceled);
        assertThat(GmoOpenApi.get().validate("OrderCancelResponseCredit", body)).isEmpty();
        assertThat(body.get("orderReference").get("status").asText()).isEqualTo("CANCEL");
        assertThat(body.get("orderReference").get("amount").asText()).isEqualTo("0");

        assertProblem(post("/order/cancel", M.createObjectNode().put("accessId", accessId), newKey()), 400,
                "invalid_status");
        assertProblem(post("/order/capture", M.createObjectNode().put("accessId", accessId), newKey()), 400,
                "invalid_status");
    }

    @Test
    void inquiryReturnsTheCurrentStatus() throws Exception {
        String orderId = newOrderId();
        String accessId = json(post("/credit/charge", chargeRequest(orderId, "tok"), null))
                .get("orderReference").get("accessId").asText();
        JsonNode before = json(post("/order/inquiry", M.createObjectNode().put("accessId", accessId), null));
        assertThat(before.get("orderReference").get("status").asText()).isEqualTo("AUTH");
        assertThat(GmoOpenApi.get().validate("OrderInquiryResponseCredit", before)).isEmpty();

        post("/order/capture", M.createObjectNode().put("accessId", accessId), null);
        HttpResponse<String> after = post("/order/inquiry",
                M.createObjectNode().put("accessId", accessId).put("orderId", orderId), "ignored-for-inquiry");
        assertThat(after.statusCode()).isEqualTo(200);
        assertThat(json(after).get("orderReference").get("status").asText()).isEqualTo("SALES");
        assertThat(json(after).has("errorInformation")).isFalse();

        assertProblem(post("/order/inquiry",
                M.createObjectNode().put("accessId", accessId).put("orderId", "other-order"), null), 400,
                "invalid_parameter");
        assertProblem(post("/order/inquiry", M.createObjectNode(), null), 400, "missing_parameter");
    }

    // ------------------------------------------------------------------ on-file

    @Test
    void onFileChargeWithTheSandboxMemberSucceeds() throws Exception {
        String orderId = newOrderId();
        HttpResponse<String> response = post("/credit/on-file/charge", onfileRequest(orderId, "member-001", null),
                newKey());
        assertThat(response.statusCode()).isEqualTo(201);
        JsonNode body = json(response);
        assertThat(GmoOpenApi.get().validate("CreditChargeResponse", body)).isEmpty();
        assertThat(body.get("orderReference").get("status").asText()).isEqualTo("AUTH");
        assertThat(body.get("creditResult").get("cardResult").get("cardNumber").asText())
                .isEqualTo("4111********1111");
        assertThat(sandbox.authorizations(orderId)).isEqualTo(1);

        JsonNode second = json(post("/credit/on-file/charge", onfileRequest(newOrderId(), "member-001", "1"), null));
        assertThat(second.get("creditResult").get("cardResult").get("cardNumber").asText())
                .isEqualTo("5555********4444");

        assertProblem(post("/credit/on-file/charge", onfileRequest(newOrderId(), "member-999", null), null), 400,
                "invalid_request");
        HttpResponse<String> badCard = post("/credit/on-file/charge", onfileRequest(newOrderId(), "member-001", "7"),
                null);
        assertProblem(badCard, 400, "invalid_parameter");
        assertThat(json(badCard).get("detail").asText()).endsWith("(creditOnfileInformation.onfileCard.cardId)");
        assertProblem(post("/credit/on-file/charge", onfileRequest(newOrderId(), "member-decline", null), null), 402,
                "card_declined");
    }

    // ------------------------------------------------------------------ protocol errors

    @Test
    void protocolErrorsUseGmoTitles() throws Exception {
        assertProblem(post("/credit/nothing", M.createObjectNode(), null), 404, "resource_not_found");

        HttpResponse<String> getCharge = http.send(HttpRequest.newBuilder(URI.create(sandbox.baseUrl()
                + "/credit/charge")).header("Authorization", basic(SHOP_ID, SHOP_PASS)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertProblem(getCharge, 405, "method_not_allowed");

        HttpResponse<String> text = http.send(HttpRequest.newBuilder(URI.create(sandbox.baseUrl()
                        + "/credit/charge"))
                .header("Authorization", basic(SHOP_ID, SHOP_PASS)).header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(chargeRequest(newOrderId(), "tok").toString())).build(),
                HttpResponse.BodyHandlers.ofString());
        assertProblem(text, 415, "unsupported_media_type");

        assertProblem(post("/credit/charge", chargeRequest(newOrderId(), "tok"), "k".repeat(37)), 400,
                "invalid_header");

        HttpResponse<String> notJson = http.send(HttpRequest.newBuilder(URI.create(sandbox.baseUrl()
                        + "/credit/charge"))
                .header("Authorization", basic(SHOP_ID, SHOP_PASS)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"order\":")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertProblem(notJson, 400, "invalid_parameter");
    }

    @Test
    void oasCreditExamplesValidateAgainstTheRepairedDocument() {
        GmoOpenApi api = GmoOpenApi.get();
        JsonNode examples = api.document().get("components").get("examples");
        Map<String, String> pairs = Map.of(
                "creditChargeResponseExample1", "CreditChargeResponse",
                "creditChargeResponseExample2", "CreditChargeResponse",
                "creditChargeTds2ResponseExample1", "CreditChargeTds2Response",
                "creditTds2FinalizeChargeResponseExample1", "Tds2FinalizeChargeResponse",
                "creditTds2FinalizeChargeResponseExample2", "Tds2FinalizeChargeResponse",
                "orderCaptureCreditResponseExample1", "OrderCaptureResponseCredit",
                "orderCancelCreditResponseExample1", "OrderCancelResponseCredit",
                "orderInquiryCreditResponseExample1", "OrderInquiryResponseCredit");
        pairs.forEach((example, schema) ->
                assertThat(api.validate(schema, examples.get(example).get("value"))).as(example).isEmpty());
    }

    // ------------------------------------------------------------------ helpers

    private String authorizedAccessId() throws Exception {
        HttpResponse<String> response = post("/credit/charge", chargeRequest(newOrderId(), "tok"), newKey());
        assertThat(response.statusCode()).isEqualTo(201);
        return json(response).get("orderReference").get("accessId").asText();
    }

    /** A charge request shaped like the one Kessai sends. */
    private static ObjectNode chargeRequest(String orderId, String token) {
        ObjectNode request = M.createObjectNode();
        request.set("merchant", merchant());
        request.putObject("order").put("orderId", orderId).put("amount", "1000").put("transactionType", "CIT");
        request.putObject("payer").put("name", "Taro Yamada");
        ObjectNode credit = request.putObject("creditInformation");
        credit.putObject("tokenizedCard").put("type", "MP_TOKEN").put("token", token);
        credit.putObject("creditChargeOptions").put("authorizationMode", "AUTH");
        request.putObject("tds2Information").putObject("tds2Options").put("autoAuthorization", false);
        return request;
    }

    private static ObjectNode onfileRequest(String orderId, String memberId, String cardId) {
        ObjectNode request = M.createObjectNode();
        request.set("merchant", merchant());
        request.putObject("order").put("orderId", orderId).put("amount", "2500").put("transactionType", "MIT");
        request.putObject("payer").put("name", "Taro Yamada");
        ObjectNode info = request.putObject("creditOnfileInformation");
        ObjectNode card = info.putObject("onfileCard").put("memberId", memberId).put("type", "CREDIT_CARD");
        if (cardId != null) {
            card.put("cardId", cardId);
        }
        info.putObject("creditChargeOptions").put("authorizationMode", "AUTH").put("useTds2", false);
        return request;
    }

    private static ObjectNode merchant() {
        return M.createObjectNode()
                .put("name", "Kessai Test Shop")
                .put("nameKana", "ケッサイテストショップ")
                .put("nameAlphabet", "Kessai Test Shop")
                .put("nameShort", "Kessai")
                .put("contactName", "Kessai Support")
                .put("contactEmail", "support@kessai.example")
                .put("contactPhone", "03-1234-5678")
                .put("contactOpeningHours", "09:00-18:00");
    }

    private static ObjectNode options(ObjectNode request) {
        return request.withObjectProperty("creditInformation").withObjectProperty("creditChargeOptions");
    }

    private static String newOrderId() {
        return "o-" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }

    private static String newKey() {
        return UUID.randomUUID().toString();
    }

    private static String basic(String user, String pass) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + pass).getBytes(StandardCharsets.UTF_8));
    }

    private static HttpRequest request(String path, JsonNode body, String key, String auth) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + path))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .header("X-MP-Version", "2024-12")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (key != null) {
            b.header("Idempotency-Key", key);
        }
        if (auth != null) {
            b.header("Authorization", auth);
        }
        return b.build();
    }

    private static HttpResponse<String> post(String path, JsonNode body, String key) throws Exception {
        return post(path, body, key, basic(SHOP_ID, SHOP_PASS));
    }

    private static HttpResponse<String> post(String path, JsonNode body, String key, String auth) throws Exception {
        return http.send(request(path, body, key, auth), HttpResponse.BodyHandlers.ofString());
    }

    private static CompletableFuture<HttpResponse<String>> postAsync(String path, JsonNode body, String key) {
        return http.sendAsync(request(path, body, key, basic(SHOP_ID, SHOP_PASS)),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> postForm(String path, String form, String auth) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form));
        if (auth != null) {
            b.header("Authorization", auth);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        return M.readTree(response.body());
    }

    private static void assertProblem(HttpResponse<String> response, int status, String title) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        JsonNode problem = json(response);
        assertThat(problem.get("title").asText()).isEqualTo(title);
        assertThat(problem.get("detail").asText()).isNotBlank();
        assertThat(GmoOpenApi.get().validate("Problem", problem)).isEmpty();
    }

    /** A clock the test moves forward. */
    static final class MutableClock extends Clock {
        private final AtomicReference<Instant> now;

        MutableClock(Instant start) {
            this.now = new AtomicReference<>(start);
        }

        void advance(Duration d) {
            now.updateAndGet(t -> t.plus(d));
        }

        @Override
        public Instant instant() {
            return now.get();
        }

        @Override
        public ZoneId getZone() {
            return ZoneId.of("UTC");
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
