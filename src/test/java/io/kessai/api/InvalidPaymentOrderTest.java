package io.kessai.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.support.KessaiInstance;
import io.kessai.support.KessaiInstance.Answer;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every family of invalid input to POST /payments (and to capture) is answered with a problem naming the field and
 * the broken rule, and nothing reaches GMO (contract sections 2, 3 and 5).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InvalidPaymentOrderTest {
    private static final String PROBLEM_JSON = "application/problem+json";

    private KessaiInstance kessai;

    @BeforeAll
    void start() {
        kessai = KessaiInstance.start(TestDatabases.h2(), Map.of());
    }

    @AfterAll
    void stop() {
        if (kessai != null) {
            kessai.close();
        }
    }

    @BeforeEach
    void forgetUpstreamTraffic() {
        kessai.gmoSandbox().reset();
    }

    // ------------------------------------------------------------------ helpers

    private static ObjectNode order() {
        return Orders.gmoCard("tok_valid_card");
    }

    private Answer pay(ObjectNode order) {
        return kessai.post("/payments", order.toString());
    }

    /** 400 invalid_request as a problem, with an error for that field and rule, and nothing sent upstream. */
    private JsonNode assertInvalid(Answer answer, String field, String code) {
        return assertProblem(answer, 400, "invalid_request", field, code);
    }

    private JsonNode assertProblem(Answer answer, int status, String title, String field, String code) {
        assertThat(answer.status()).as("status of %s", answer.body()).isEqualTo(status);
        assertThat(answer.contentType()).as("content type").startsWith(PROBLEM_JSON);
        JsonNode problem = answer.json();
        assertThat(problem.path("title").asText()).isEqualTo(title);
        assertThat(problem.path("status").asInt()).isEqualTo(status);
        assertThat(errorsOf(problem)).as("errors of %s", answer.body()).contains(field + " " + code);
        assertNothingUpstream();
        return problem;
    }

    private static List<String> errorsOf(JsonNode problem) {
        List<String> list = new ArrayList<>();
        problem.path("errors").forEach(e -> list.add(e.path("field").asText() + " " + e.path("code").asText()));
        return list;
    }

    private static Set<String> fieldsOf(JsonNode problem) {
        Set<String> fields = new TreeSet<>();
        problem.path("errors").forEach(e -> fields.add(e.path("field").asText()));
        return fields;
    }

    private void assertNothingUpstream() {
        assertThat(kessai.gmoSandbox().requests()).as("requests that reached the GMO sandbox").isEmpty();
    }

    /** 201 and the order really charged at GMO: the rule under test let the value through. */
    private void assertAccepted(ObjectNode order) {
        Answer answer = pay(order);
        assertThat(answer.status()).as("answer %s", answer.body()).isEqualTo(201);
        assertThat(answer.text("status")).isEqualTo("captured");
        assertThat(kessai.gmoSandbox().authorizations(order.get("orderId").asText())).isEqualTo(1);
    }

    private Answer send(String path, String contentType, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(kessai.baseUrl() + path))
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return kessai.send(b.build());
    }

    private String authorizedPayment() {
        Answer answer = pay(Orders.manual(order()));
        assertThat(answer.status()).as("answer %s", answer.body()).isEqualTo(201);
        assertThat(answer.text("status")).isEqualTo("authorized");
        kessai.gmoSandbox().reset();
        return answer.text("paymentId");
    }

    private static String repeat(char c, int n) {
        return String.valueOf(c).repeat(n);
    }

    // ------------------------------------------------------------------ body

    @Test
    void malformedJsonIsRejectedAsMalformedJson() {
        Answer answer = kessai.post("/payments", "{\"orderId\": \"ORD-1\", \"amount\": ");
        assertInvalid(answer, "", "malformed_json");
    }

    @Test
    void bodyThatIsNotAnObjectIsRejectedAsWrongType() {
        assertInvalid(kessai.post("/payments", "[{\"orderId\":\"ORD-1\"}]"), "", "type");
        assertInvalid(kessai.post("/payments", "\"ORD-1\""), "", "type");
    }

    @Test
    void unknownFieldIsRejectedAtItsPath() {
        ObjectNode order = order();
        order.put("colour", "blue");
        ((ObjectNode) order.get("customer")).put("shoeSize", "27");
        JsonNode problem = assertInvalid(pay(order), "colour", "unknown_field");
        assertThat(errorsOf(problem)).contains("customer.shoeSize unknown_field");
    }

    @Test
    void emptyOrderNamesEveryRequiredFieldIncludingTheNestedOnes() {
        JsonNode problem = assertInvalid(kessai.post("/payments", "{}"), "orderId", "required");
        assertThat(errorsOf(problem)).containsExactlyInAnyOrder("orderId required", "amount required",
                "currency required", "method.type required", "customer.name required");

        JsonNode nameless = assertInvalid(kessai.post("/payments", "{\"customer\":{\"email\":\"taro@example.jp\"}}"),
                "customer.name", "required");
        assertThat(errorsOf(nameless)).containsExactlyInAnyOrder("orderId required", "amount required",
                "currency required", "method.type required", "customer.name required");
    }

    // ------------------------------------------------------------------ contract and provider rules in one answer

    private void assertNothingAtJapanPayment() {
        assertThat(kessai.japanPaymentSandbox().requests()).as("requests that reached the Japan Payment sandbox").isEmpty();
    }

    private static ObjectNode bareKonbiniOrder() {
        ObjectNode order = Orders.japanPayment("JPY", "1000", "konbini", "LAWSON");
        ((ObjectNode) order.get("method")).remove("brand");
        order.putObject("customer").put("name", "Taro Yamada");
        order.remove("returnUrls");
        return order;
    }

    @Test
    void konbiniOrderLearnsTheMissingBrandAndEveryJapanPaymentRuleInOneAnswer() {
        kessai.japanPaymentSandbox().reset();
        JsonNode problem = assertInvalid(pay(bareKonbiniOrder()), "method.brand", "required");
        assertThat(errorsOf(problem)).containsExactlyInAnyOrder("method.brand required", "customer.phone required",
                "customer.email required", "customer.id required", "returnUrls.failure required",
                "returnUrls.success required");
        assertNothingAtJapanPayment();
    }

    @Test
    void konbiniOrderIsToldItsPayPageSendsTheCustomerBackNotThat3DSecureMayRedirect() {
        ObjectNode order = Orders.japanPayment("JPY", "1000", "konbini", "LAWSON");
        ((ObjectNode) order.get("returnUrls")).remove("success");
        JsonNode problem = assertInvalid(pay(order), "returnUrls.success", "required");
        assertThat(errorsOf(problem)).containsExactly("returnUrls.success required");
        String message = problem.path("errors").get(0).path("message").asText();
        assertThat(message).contains("konbini pay page").contains("callBackUrl").doesNotContain("3-D Secure");

        ObjectNode wallet = Orders.japanPayment("JPY", "1000", "ewallet", "AU_PAY");
        ((ObjectNode) wallet.get("returnUrls")).remove("success");
        JsonNode walletProblem = assertInvalid(pay(wallet), "returnUrls.success", "required");
        assertThat(walletProblem.path("errors").get(0).path("message").asText())
                .contains("e-wallet's payment page").doesNotContain("3-D Secure");

        ObjectNode card = order();
        ((ObjectNode) card.get("returnUrls")).remove("success");
        JsonNode cardProblem = assertInvalid(pay(card), "returnUrls.success", "required");
        assertThat(cardProblem.path("errors").get(0).path("message").asText()).contains("gmo-pg may send the customer to 3-D Secure");
    }

    @Test
    void contractErrorsAndTheChosenProvidersErrorsComeTogether() {
        kessai.japanPaymentSandbox().reset();
        ObjectNode konbini = bareKonbiniOrder().put("orderId", "ORD 1").put("amount", "1000.5");
        ((ObjectNode) konbini.get("customer")).put("email", "taro@").put("ip", "999.0.0.1");
        JsonNode problem = assertInvalid(pay(konbini), "orderId", "pattern");
        assertThat(errorsOf(problem)).containsExactlyInAnyOrder("orderId pattern", "amount scale",
                "method.brand required", "customer.email format", "customer.ip format", "customer.phone required",
                "customer.id required", "returnUrls.failure required", "returnUrls.success required");
        assertNothingAtJapanPayment();

        ObjectNode card = order().put("amount", "abc");
        ((ObjectNode) card.get("customer")).put("phone", "090-ABCD-5678").put("email", "taro@");
        ((ObjectNode) card.get("returnUrls")).remove("success");
        JsonNode cardProblem = assertInvalid(pay(card), "amount", "format");
        assertThat(errorsOf(cardProblem)).containsExactlyInAnyOrder("amount format", "customer.email format",
                "customer.phone pattern", "returnUrls.success required");
    }

    @Test
    void aFieldBrokenByTheContractIsNotReportedAgainByTheProvider() {
        JsonNode problem = assertInvalid(pay(order().put("orderId", "ORD 1")), "orderId", "pattern");
        assertThat(errorsOf(problem)).containsExactly("orderId pattern");
    }

    // ------------------------------------------------------------------ orderId

    @Test
    void orderIdOutsideTheContractPatternIsRejected() {
        for (String id : List.of("", "ORD 1", "ORD/1", "注文-1", repeat('A', 49))) {
            ObjectNode order = order().put("orderId", id);
            assertInvalid(pay(order), "orderId", "pattern");
        }
    }

    @Test
    void orderIdThatGmoCannotCarryIsRejectedBeforeTheCall() {
        assertInvalid(pay(order().put("orderId", repeat('A', 28))), "orderId", "pattern");
        assertInvalid(pay(order().put("orderId", "ORD_" + System.nanoTime())), "orderId", "pattern");
    }

    // ------------------------------------------------------------------ amount and currency

    @Test
    void amountAsJsonNumberIsRejectedAsWrongType() {
        ObjectNode order = order();
        order.put("amount", 1000);
        assertInvalid(pay(order), "amount", "type");
    }

    @Test
    void amountWithSignExponentOrGarbageIsRejectedAsFormat() {
        for (String amount : List.of("+1000", "-1000", "1e3", "1000abc", "abc", "1,000", " 1000", "01000", "")) {
            assertInvalid(pay(order().put("amount", amount)), "amount", "format");
        }
    }

    @Test
    void zeroAmountIsOutOfRange() {
        assertInvalid(pay(order().put("amount", "0")), "amount", "range");
        assertInvalid(pay(order().put("amount", "0.00")), "amount", "range");
    }

    @Test
    void yenAmountWithDecimalsBreaksTheScale() {
        assertInvalid(pay(order().put("amount", "1000.5")), "amount", "scale");
        assertInvalid(pay(order().put("amount", "1000.00")), "amount", "scale");
    }

    @Test
    void gmoAmountLongerThanFifteenCharactersIsRejected() {
        assertInvalid(pay(order().put("amount", "1234567890123456")), "amount", "max_length");
    }

    @Test
    void currencyThatIsNotIsoIsRejected() {
        assertInvalid(pay(order().put("currency", "XYZ")), "currency", "enum");
        assertInvalid(pay(order().put("currency", "jpy")), "currency", "pattern");
        assertInvalid(pay(order().put("currency", "YEN!")), "currency", "pattern");
    }

    @Test
    void dollarsOnGmoAreUnsupported() {
        assertProblem(pay(order().put("currency", "USD")), 422, "unsupported", "currency", "unsupported");
    }

    @Test
    void providerThatIsNotInstalledIsUnsupported() {
        ObjectNode order = order().put("provider", "acme-pay");
        order.putObject("method").put("type", "hosted_checkout");
        assertProblem(pay(order), 422, "unsupported", "provider", "unsupported");
    }

    // ------------------------------------------------------------------ method

    @Test
    void unknownMethodTypeIsRejectedAsEnum() {
        ObjectNode order = order();
        ((ObjectNode) order.get("method")).put("type", "cash");
        assertInvalid(pay(order), "method.type", "enum");
    }

    @Test
    void cardWithoutTokenAndWithoutMemberIdNeedsOneOfThem() {
        ObjectNode order = order();
        order.putObject("method").put("type", "card");
        assertInvalid(pay(order), "method.token", "one_of");
    }

    @Test
    void unknownTokenTypeIsRejectedAsEnum() {
        ObjectNode order = order();
        ((ObjectNode) order.get("method")).put("tokenType", "VISA_TOKEN");
        assertInvalid(pay(order), "method.tokenType", "enum");
    }

    // ------------------------------------------------------------------ capture

    @Test
    void scheduledCaptureWithoutAtIsRejected() {
        ObjectNode order = order();
        order.putObject("capture").put("mode", "scheduled");
        assertInvalid(pay(order), "capture.at", "required");
    }

    @Test
    void scheduledCaptureInThePastIsOutOfRange() {
        ObjectNode order = order();
        order.putObject("capture").put("mode", "scheduled")
                .put("at", OffsetDateTime.now(ZoneOffset.ofHours(9)).minusHours(1).withNano(0).toString());
        assertInvalid(pay(order), "capture.at", "range");
    }

    @Test
    void scheduledCaptureAtThatIsNotAnOffsetDateTimeIsRejectedAsFormat() {
        for (String at : List.of("tomorrow", "2099-11-30T10:00:00", "2099-11-30", "2099-13-30T10:00:00+09:00")) {
            ObjectNode order = order();
            order.putObject("capture").put("mode", "scheduled").put("at", at);
            assertInvalid(pay(order), "capture.at", "format");
        }
    }

    @Test
    void scheduledCaptureAfterTheGmoAuthorizationExpiryIsRejectedBeforeTheCall() {
        ObjectNode order = order();
        order.putObject("capture").put("mode", "scheduled")
                .put("at", OffsetDateTime.now(ZoneOffset.ofHours(9)).plusDays(90).withNano(0).toString());
        Answer answer = pay(order);
        assertThat(answer.status()).as("answer %s", answer.body()).isEqualTo(400);
        assertThat(fieldsOf(answer.json())).contains("capture.at");
        assertNothingUpstream();
    }

    @Test
    void manualCaptureOnGmoAuthorizesWithoutError() {
        ObjectNode order = Orders.manual(order());
        Answer answer = pay(order);
        assertThat(answer.status()).as("answer %s", answer.body()).isEqualTo(201);
        assertThat(answer.text("status")).isEqualTo("authorized");
        assertThat(answer.json().path("capture").path("mode").asText()).isEqualTo("manual");
    }

    // ------------------------------------------------------------------ customer

    @Test
    void malformedEmailIsRejectedAsFormat() {
        for (String email : List.of("taro", "taro@", "taro@example", "ta ro@example.jp", "a@b@example.jp")) {
            ObjectNode order = order();
            ((ObjectNode) order.get("customer")).put("email", email);
            assertInvalid(pay(order), "customer.email", "format");
        }
    }

    @Test
    void malformedIpIsRejectedAsFormat() {
        for (String ip : List.of("999.1.1.1", "203.0.113", "localhost", "203.0.113.7.1")) {
            ObjectNode order = order();
            ((ObjectNode) order.get("customer")).put("ip", ip);
            assertInvalid(pay(order), "customer.ip", "format");
        }
    }

    @Test
    void phoneWithLettersBreaksTheGmoPattern() {
        ObjectNode order = order();
        ((ObjectNode) order.get("customer")).put("phone", "090-ABCD-5678");
        assertInvalid(pay(order), "customer.phone", "pattern");
    }

    @Test
    void nameKanaInHiraganaOrLatinBreaksTheGmoKatakanaRule() {
        for (String kana : List.of("やまだ たろう", "Yamada Taro", "ﾔﾏﾀﾞ ﾀﾛｳ")) {
            ObjectNode order = order();
            ((ObjectNode) order.get("customer")).put("nameKana", kana);
            assertInvalid(pay(order), "customer.nameKana", "pattern");
        }
    }

    @Test
    void nameKanaWithHalfWidthSpaceIsAccepted() {
        ObjectNode order = order();
        ((ObjectNode) order.get("customer")).put("nameKana", "ヤマダ タロウ");
        assertAccepted(order);
    }

    @Test
    void customerNameLongerThanFortyCharactersIsTooLong() {
        ObjectNode order = order();
        ((ObjectNode) order.get("customer")).put("name", "山".repeat(41));
        assertInvalid(pay(order), "customer.name", "max_length");
    }

    @Test
    void customerIdWithSpaceBreaksTheGmoAccountIdPattern() {
        ObjectNode order = order();
        ((ObjectNode) order.get("customer")).put("id", "user 149597870");
        assertInvalid(pay(order), "customer.id", "pattern");
    }

    // ------------------------------------------------------------------ items

    private static ObjectNode withItem(ObjectNode order, String unitPrice, int quantity, String type) {
        ObjectNode item = order.putArray("items").addObject()
                .put("name", "Digital Product").put("quantity", quantity).put("unitPrice", unitPrice);
        if (type != null) {
            item.put("type", type);
        }
        return order;
    }

    @Test
    void itemPriceAboveTheAmountIsOutOfRange() {
        assertInvalid(pay(withItem(order(), "2000", 1, "DIGITAL")), "items[0].unitPrice", "range");
    }

    @Test
    void itemQuantityOutsideOneToNineThousandNineHundredNinetyNineIsOutOfRange() {
        assertInvalid(pay(withItem(order(), "1000", 0, "DIGITAL")), "items[0].quantity", "range");
        assertInvalid(pay(withItem(order(), "1", 10000, "DIGITAL")), "items[0].quantity", "range");
    }

    @Test
    void itemWithoutTypeIsRejectedForGmo() {
        assertInvalid(pay(withItem(order(), "1000", 1, null)), "items[0].type", "required");
    }

    // ------------------------------------------------------------------ billing address

    private static ObjectNode withJapaneseAddress(ObjectNode order, String state) {
        order.putObject("billingAddress").put("name", "山田 太郎").put("line1", "1-2-3 Shinjuku")
                .put("city", "Shinjuku-ku").put("state", state).put("postalCode", "1600022").put("country", "JP");
        return order;
    }

    @Test
    void japaneseAddressStateMustBeAPrefecture() {
        assertInvalid(pay(withJapaneseAddress(order(), "Atlantis")), "billingAddress.state", "enum");
        assertInvalid(pay(withJapaneseAddress(order(), "48")), "billingAddress.state", "enum");
    }

    @Test
    void prefectureAsRomajiKanjiOrJisNumberIsAccepted() {
        for (String state : List.of("Tokyo", "東京都", "13", "東京", "Tokyo-to", "大阪府", "北海道")) {
            assertAccepted(withJapaneseAddress(order(), state));
        }
    }

    @Test
    void kyotoWithoutItsSuffixIsAccepted() {
        assertAccepted(withJapaneseAddress(order(), "京都"));
    }

    // ------------------------------------------------------------------ return URLs

    @Test
    void gmoCardOrderWithoutSuccessUrlIsRejectedBecause3DSecureMayRedirect() {
        ObjectNode order = order();
        ((ObjectNode) order.get("returnUrls")).remove("success");
        assertInvalid(pay(order), "returnUrls.success", "required");

        ObjectNode none = order();
        none.remove("returnUrls");
        assertInvalid(pay(none), "returnUrls.success", "required");
    }

    @Test
    void successUrlThatIsNotAnAbsoluteUrlIsRejectedAsFormat() {
        for (String url : List.of("/ok", "shop.example/ok", "ftp://shop.example/ok", "javascript:alert(1)")) {
            ObjectNode order = order();
            ((ObjectNode) order.get("returnUrls")).put("success", url);
            assertInvalid(pay(order), "returnUrls.success", "format");
        }
    }

    // ------------------------------------------------------------------ metadata, platform fee

    @Test
    void metadataWithMoreThanTwentyEntriesIsRejected() {
        ObjectNode order = order();
        ObjectNode metadata = order.putObject("metadata");
        for (int i = 0; i < 21; i++) {
            metadata.put("k" + i, "v" + i);
        }
        JsonNode problem = assertInvalid(pay(order), "metadata", "max_entries");
        assertThat(problem.path("errors")).hasSize(1);
    }

    @Test
    void metadataValueThatIsNotAStringIsRejectedAsWrongType() {
        ObjectNode order = order();
        order.putObject("metadata").put("cartId", "c-77").put("count", 3);
        assertInvalid(pay(order), "metadata.count", "type");
    }

    @Test
    void platformFeeIsUnsupportedOnGmo() {
        assertInvalid(pay(order().put("platformFee", "100")), "platformFee", "unsupported_field");
    }

    // ------------------------------------------------------------------ headers

    @Test
    void idempotencyKeyWithSpaceOrLongerThanSixtyFourIsRejected() {
        assertInvalid(kessai.post("/payments", order().toString(), "key with space"), "Idempotency-Key", "pattern");
        assertInvalid(kessai.post("/payments", order().toString(), "k".repeat(65)), "Idempotency-Key", "pattern");
    }

    @Test
    void bodyThatIsNotDeclaredAsJsonIsAnUnsupportedMediaType() {
        Answer answer = send("/payments", "text/plain", order().toString());
        assertProblem(answer, 415, "unsupported_media_type", "Content-Type", "media_type");
    }

    // ------------------------------------------------------------------ all at once

    @Test
    void everyBrokenFieldIsListedInOneAnswer() {
        ObjectNode order = order()
                .put("orderId", "ORD 1")
                .put("amount", "-5")
                .put("currency", "yen")
                .put("colour", "blue");
        ((ObjectNode) order.get("method")).put("tokenType", "VISA");
        ((ObjectNode) order.get("customer")).put("email", "taro@").put("ip", "999.0.0.1");
        ((ObjectNode) order.get("returnUrls")).put("success", "/ok");
        order.putObject("capture").put("mode", "sometimes");

        JsonNode problem = assertInvalid(pay(order), "orderId", "pattern");
        assertThat(errorsOf(problem)).contains("amount format", "currency pattern", "colour unknown_field",
                "method.tokenType enum", "customer.email format", "customer.ip format", "returnUrls.success format",
                "capture.mode enum");
        assertThat(fieldsOf(problem)).hasSizeGreaterThanOrEqualTo(5);
        assertThat(problem.path("detail").asText()).contains("see errors");
    }

    // ------------------------------------------------------------------ capture and refund bodies

    @Test
    void captureWithAmountThatIsNotADecimalIsRejected() {
        String paymentId = authorizedPayment();
        Answer answer = kessai.post("/payments/" + paymentId + "/capture", "{\"amount\":\"abc\"}");
        assertInvalid(answer, "amount", "format");
        assertThat(kessai.get("/payments/" + paymentId).text("status")).isEqualTo("authorized");
    }

    @Test
    void partialCaptureOnGmoIsUnsupportedAndLeavesThePaymentAuthorized() {
        String paymentId = authorizedPayment();
        Answer answer = kessai.post("/payments/" + paymentId + "/capture", "{\"amount\":\"500\"}");
        assertProblem(answer, 422, "unsupported", "amount", "unsupported");
        Answer current = kessai.get("/payments/" + paymentId);
        assertThat(current.text("status")).isEqualTo("authorized");
        assertThat(current.text("capturedAmount")).isEqualTo("0");
    }

    @Test
    void captureOfAnUnknownPaymentIsNotFound() {
        Answer answer = kessai.post("/payments/pay_01JD8K2Q8W3N5V7X9Z1B3D5F7H/capture", null);
        assertThat(answer.status()).isEqualTo(404);
        assertThat(answer.contentType()).startsWith(PROBLEM_JSON);
        assertThat(answer.text("title")).isEqualTo("not_found");
        assertNothingUpstream();
    }

    @Test
    void captureOfARefundedPaymentIsInvalidState() {
        Answer charged = pay(order());
        assertThat(charged.status()).as("answer %s", charged.body()).isEqualTo(201);
        assertThat(charged.text("status")).isEqualTo("captured");
        String paymentId = charged.text("paymentId");
        Answer refunded = kessai.post("/payments/" + paymentId + "/refund", null);
        assertThat(refunded.status()).as("answer %s", refunded.body()).isEqualTo(200);
        assertThat(refunded.text("status")).isEqualTo("refunded");
        kessai.gmoSandbox().reset();

        Answer answer = kessai.post("/payments/" + paymentId + "/capture", null);
        assertThat(answer.status()).as("answer %s", answer.body()).isEqualTo(409);
        assertThat(answer.contentType()).startsWith(PROBLEM_JSON);
        assertThat(answer.text("title")).isEqualTo("invalid_state");
        assertThat(answer.text("paymentId")).isEqualTo(paymentId);
        assertNothingUpstream();
    }
}
