package io.kessai.sandbox.payjp;

import static io.kessai.sandbox.payjp.PayjpHttp.form;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kessai.sandbox.payjp.PayjpHttp.Answer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The charge API of the PAY.JP sandbox, auth and form parsing, through raw HTTP requests. */
class PayjpSandboxTest {

    static final String SK = "sk_test_c62fade9d045b54cd76d7036";
    static final String PF = "sk_live_pf_0123456789abcdef";
    private static PayjpSandbox sandbox;
    private static String charges;

    @BeforeAll
    static void start() {
        sandbox = new PayjpSandbox(PayjpSandbox.Settings.defaults(SK, PF).withRateLimit(10_000, 10_000)
                .withProcessingTime(Duration.ZERO)).start();
        charges = sandbox.apiBase() + "/charges";
    }

    @AfterAll
    static void stop() {
        sandbox.close();
    }

    @BeforeEach
    void reset() {
        sandbox.reset();
        sandbox.clock(Clock.systemUTC());
    }

    static String token() {
        return "tok_" + UUID.randomUUID().toString().replace("-", "").substring(0, 28);
    }

    private static Answer create(String... pairs) throws Exception {
        return PayjpHttp.post(charges, SK, form(pairs));
    }

    private static JsonNode authorized(long amount, String... more) throws Exception {
        List<String> p = new ArrayList<>(List.of("card", token(), "amount", Long.toString(amount), "currency", "jpy",
                "capture", "false"));
        p.addAll(List.of(more));
        Answer a = create(p.toArray(String[]::new));
        assertThat(a.status()).as(a.raw()).isEqualTo(200);
        return a.json();
    }

    private static void assertError(Answer a, int status, String type, String code, String param) {
        assertThat(a.status()).as(a.raw()).isEqualTo(status);
        JsonNode e = a.error();
        assertThat(e.get("status").asInt()).isEqualTo(status);
        assertThat(e.get("type").asText()).isEqualTo(type);
        assertThat(e.get("code").asText(null)).isEqualTo(code);
        assertThat(e.get("param").asText(null)).isEqualTo(param);
        assertThat(e.get("message").asText()).isNotBlank();
    }

    // ------------------------------------------------------------------ create & retrieve

    @Test
    void chargeWithPlatformFeeIsCapturedAndRetrievableWithTheDocumentedFields() throws Exception {
        String tok = token();
        Answer a = create("card", tok, "amount", "3500", "currency", "jpy", "platform_fee", "100");
        assertThat(a.status()).as(a.raw()).isEqualTo(200);
        JsonNode ch = a.json();
        assertThat(ch.get("id").asText()).matches("ch_[0-9a-f]{29}");
        assertThat(ch.get("object").asText()).isEqualTo("charge");
        assertThat(ch.get("amount").asLong()).isEqualTo(3500);
        assertThat(ch.get("amount_refunded").asLong()).isZero();
        assertThat(ch.get("captured").asBoolean()).isTrue();
        assertThat(ch.get("captured_at").asLong()).isPositive();
        assertThat(ch.get("paid").asBoolean()).isTrue();
        assertThat(ch.get("refunded").asBoolean()).isFalse();
        assertThat(ch.get("platform_fee").asLong()).isEqualTo(100);
        assertThat(ch.get("expired_at").isNull()).isTrue();
        assertThat(ch.get("metadata").isNull()).isTrue();
        assertThat(ch.get("currency").asText()).isEqualTo("jpy");
        assertThat(ch.get("livemode").asBoolean()).isFalse();
        assertThat(ch.get("card").get("object").asText()).isEqualTo("card");
        assertThat(ch.get("card").get("last4").asText()).isEqualTo("4242");
        List<String> keys = new ArrayList<>();
        ch.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).isSorted().contains("failure_code", "failure_message", "refund_reason", "subscription",
                "description", "customer", "created");

        Answer got = PayjpHttp.get(charges + "/" + ch.get("id").asText(), SK);
        assertThat(got.status()).isEqualTo(200);
        assertThat(got.json()).isEqualTo(ch);
        assertThat(sandbox.chargesWith(tok)).isEqualTo(1);
        assertThat(sandbox.requests()).last().satisfies(r -> {
            assertThat(r.method()).isEqualTo("GET");
            assertThat(r.path()).isEqualTo("/v1/charges/" + ch.get("id").asText());
            assertThat(r.authScheme()).isEqualTo("Basic");
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.idempotencyKey()).isNull();
        });
    }

    @Test
    void platformFeeIsNullWhenNotGiven() throws Exception {
        Answer a = create("card", token(), "amount", "1000", "currency", "jpy");
        assertThat(a.json().get("platform_fee").isNull()).isTrue();
    }

    @Test
    void authorizationExpiresAtTheLastDayOfExpiryDaysAt2359Tokyo() throws Exception {
        Instant now = Instant.parse("2025-03-10T03:00:00Z");   // 12:00 in Tokyo
        sandbox.clock(Clock.fixed(now, ZoneOffset.UTC));
        JsonNode sixty = authorized(1000, "expiry_days", "60");
        assertThat(sixty.get("captured").asBoolean()).isFalse();
        assertThat(sixty.get("captured_at").isNull()).isTrue();
        assertThat(sixty.get("paid").asBoolean()).isTrue();
        // "60日に設定した場合、認証期限は59日後の11:59PM(日本時間)まで"
        assertThat(sixty.get("expired_at").asLong()).isEqualTo(
                ZonedDateTime.parse("2025-05-08T23:59:59+09:00").toEpochSecond());
        JsonNode dflt = authorized(1000);
        assertThat(dflt.get("expired_at").asLong()).isEqualTo(
                ZonedDateTime.parse("2025-03-16T23:59:59+09:00").toEpochSecond());
    }

    @Test
    void expiryDaysIsOnlyForAuthorizationsAndWithinOneToSixty() throws Exception {
        assertError(create("card", token(), "amount", "1000", "currency", "jpy", "expiry_days", "3"), 400,
                "client_error", "unnecessary_expiry_days", "expiry_days");
        for (String days : List.of("0", "61", "x", "1.5")) {
            assertError(create("card", token(), "amount", "1000", "currency", "jpy", "capture", "false",
                    "expiry_days", days), 400, "client_error", "invalid_expiry_days", "expiry_days");
        }
    }

    @Test
    void amountMustBeAnIntegerFrom50To9999999AndCurrencyJpy() throws Exception {
        for (String amount : List.of("49", "10000000", "12.5", "abc", "-100")) {
            assertError(create("card", token(), "amount", amount, "currency", "jpy"), 400, "client_error",
                    "invalid_amount", "amount");
        }
        assertThat(create("card", token(), "amount", "50", "currency", "jpy").status()).isEqualTo(200);
        assertThat(create("card", token(), "amount", "9999999", "currency", "jpy").status()).isEqualTo(200);
        assertError(create("card", token(), "currency", "jpy"), 400, "client_error", "missing_param", "amount");
        assertError(create("card", token(), "amount", "1000"), 400, "client_error", "missing_param", "currency");
        assertError(create("card", token(), "amount", "1000", "currency", "usd"), 400, "client_error",
                "invalid_currency", "currency");
        assertError(create("amount", "1000", "currency", "jpy"), 400, "client_error", "missing_param", "card");
    }

    @Test
    void platformFeeAboveAmountOrNotAnIntegerIsRefused() throws Exception {
        assertError(create("card", token(), "amount", "1000", "currency", "jpy", "platform_fee", "1001"), 400,
                "client_error", "invalid_amount", "platform_fee");
        assertError(create("card", token(), "amount", "1000", "currency", "jpy", "platform_fee", "1.5"), 400,
                "client_error", "invalid_amount", "platform_fee");
        assertThat(create("card", token(), "amount", "1000", "currency", "jpy", "platform_fee", "1000").status())
                .isEqualTo(200);
    }

    @Test
    void metadataIsStoredAsNestedKeysWithinTwentyKeysFortyAndFiveHundredCharacters() throws Exception {
        List<String> p = new ArrayList<>(List.of("card", token(), "amount", "1000", "currency", "jpy"));
        for (int i = 0; i < 20; i++) {
            p.addAll(List.of("metadata[k" + i + "]", "v" + i));
        }
        Answer ok = create(p.toArray(String[]::new));
        assertThat(ok.status()).as(ok.raw()).isEqualTo(200);
        assertThat(ok.json().get("metadata").size()).isEqualTo(20);
        assertThat(ok.json().get("metadata").get("k7").asText()).isEqualTo("v7");

        p.set(1, token());
        p.addAll(List.of("metadata[k20]", "v"));
        assertError(create(p.toArray(String[]::new)), 400, "client_error", "too_many_metadata_keys", "metadata");
        String key41 = "k".repeat(41);
        assertError(create("card", token(), "amount", "1000", "currency", "jpy", "metadata[" + key41 + "]", "v"), 400,
                "client_error", "invalid_metadata_key", "metadata[" + key41 + "]");
        assertError(create("card", token(), "amount", "1000", "currency", "jpy", "metadata[order]", "v".repeat(501)),
                400, "client_error", "invalid_metadata_value", "metadata[order]");
        Answer jp = create("card", token(), "amount", "1000", "currency", "jpy", "metadata[注文]", "焼き芋",
                "description", "やきいも");
        assertThat(jp.json().get("metadata").get("注文").asText()).isEqualTo("焼き芋");
        assertThat(jp.json().get("description").asText()).isEqualTo("やきいも");
    }

    @Test
    void formBodiesAreParsedStrictly() throws Exception {
        assertError(create("card", token(), "amount", "1000", "currency", "jpy", "colour", "red"), 400,
                "client_error", "invalid_param_key", "colour");
        assertError(create("card", token(), "amount", "1000", "amount", "2000", "currency", "jpy"), 400,
                "client_error", "invalid_param_key", "amount");
        assertError(create("card[number]", "4242424242424242", "amount", "1000", "currency", "jpy"), 400,
                "client_error", "invalid_param_key", "card[number]");
        assertError(create("card", token(), "amount", "1000", "currency", "jpy", "metadata[a][b]", "x"), 400,
                "client_error", "invalid_param_key", "metadata[a][b]");
        assertError(create("card", token(), "amount", "1000", "currency", "jpy", "tenant", "ten_1"), 400,
                "client_error", "invalid_param_key", "tenant");
        assertError(create("card", token(), "amount", "1000", "currency", "jpy", "capture", "yes"), 400,
                "client_error", "invalid_boolean", "capture");
        Answer badEscape = PayjpHttp.post(charges, SK, "card=" + token() + "&amount=10%G0&currency=jpy");
        assertThat(badEscape.status()).isEqualTo(400);
        assertThat(badEscape.code()).isEqualTo("invalid_querystring");
        Answer notUtf8 = PayjpHttp.post(charges, SK, "card=" + token() + "&amount=1000&currency=jpy&description=%FF");
        assertThat(notUtf8.code()).isEqualTo("invalid_querystring");
        Answer noEquals = PayjpHttp.post(charges, SK, "card=" + token() + "&amount=1000&currency=jpy&capture");
        assertThat(noEquals.code()).isEqualTo("invalid_querystring");
        Answer query = PayjpHttp.post(charges + "?amount=1000", SK, form("card", token(), "currency", "jpy"));
        assertThat(query.status()).isEqualTo(400);
        Answer json = PayjpHttp.send(HttpRequest.newBuilder(URI.create(charges))
                .header("Authorization", PayjpHttp.basic(SK)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"amount\":1000}")).build());
        assertThat(json.status()).isEqualTo(400);
        assertThat(json.error().get("type").asText()).isEqualTo("client_error");
        assertThat(sandbox.chargesWith("tok_")).isZero();
    }

    // ------------------------------------------------------------------ auth & routing

    @Test
    void basicAuthNeedsAMerchantSecretKeyAndAnEmptyPassword() throws Exception {
        String body = form("card", token(), "amount", "1000", "currency", "jpy");
        assertError(PayjpHttp.post(charges, null, body), 401, "auth_error", "no_api_key", null);
        assertError(PayjpHttp.post(charges, "sk_test_wrong", body), 401, "auth_error", "invalid_api_key", null);
        assertError(PayjpHttp.post(charges, PF, body), 401, "auth_error", "invalid_api_key", null);
        Answer withPassword = PayjpHttp.send(HttpRequest.newBuilder(URI.create(charges))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((SK + ":secret").getBytes()))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
        assertError(withPassword, 401, "auth_error", "invalid_api_key", null);
        Answer bearer = PayjpHttp.send(HttpRequest.newBuilder(URI.create(charges))
                .header("Authorization", "Bearer " + SK)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
        assertError(bearer, 401, "auth_error", "invalid_api_key", null);
        assertError(PayjpHttp.get(sandbox.apiBase() + "/platform/merchants", SK), 401, "client_error",
                "invalid_api_key", null);
        assertThat(sandbox.requests()).extracting(PayjpSandbox.RecordedRequest::authScheme)
                .containsExactly(null, "Basic", "Basic", "Basic", "Bearer", "Basic");
        assertThat(sandbox.requests()).allSatisfy(r -> assertThat(r.status()).isEqualTo(401));
        assertThat(PayjpHttp.post(charges, SK, body).status()).isEqualTo(200);
    }

    @Test
    void unknownPathsAre404AndOtherMethods405() throws Exception {
        assertError(PayjpHttp.get(sandbox.baseUrl() + "/v1/nothing", SK), 404, "client_error", "not_found", null);
        assertError(PayjpHttp.get(sandbox.baseUrl() + "/v2/charges", SK), 404, "client_error", "not_found", null);
        assertError(PayjpHttp.delete(charges + "/ch_x", SK), 405, "not_allowed_method_error", "not_allowed_method",
                null);
        assertError(PayjpHttp.get(charges + "/ch_missing", SK), 404, "client_error", "invalid_id", "id");
        JsonNode ch = authorized(1000);
        assertError(PayjpHttp.get(charges + "/" + ch.get("id").asText() + "?expand=card", SK), 400, "client_error",
                "invalid_querystring", "expand");
    }

    @Test
    void aMerchantSeesOnlyItsOwnCharges() throws Exception {
        Answer m = PayjpHttp.post(sandbox.apiBase() + "/platform/merchants", PF, form("display_name", "PAY商店"));
        String otherKey = m.json().get("keys").get("test_secret_key").asText();
        Answer a = PayjpHttp.post(charges, otherKey, form("card", token(), "amount", "1000", "currency", "jpy",
                "platform_fee", "50"));
        assertThat(a.status()).as(a.raw()).isEqualTo(200);
        String id = a.json().get("id").asText();
        assertThat(PayjpHttp.get(charges + "/" + id, otherKey).status()).isEqualTo(200);
        assertError(PayjpHttp.get(charges + "/" + id, SK), 404, "client_error", "invalid_id", "id");
        assertError(PayjpHttp.post(charges + "/" + id + "/refund", SK, ""), 404, "client_error", "invalid_id", "id");
    }

    @Test
    void aTokenCanBeUsedOnce() throws Exception {
        String tok = token();
        assertThat(create("card", tok, "amount", "1000", "currency", "jpy").status()).isEqualTo(200);
        assertError(create("card", tok, "amount", "1000", "currency", "jpy"), 400, "client_error",
                "token_already_used", "card");
        assertThat(sandbox.chargesWith(tok)).isEqualTo(1);
    }

    // ------------------------------------------------------------------ capture & refund

    @Test
    void fullCaptureOnceThenAlreadyCaptured() throws Exception {
        String id = authorized(1200).get("id").asText();
        Answer c = PayjpHttp.post(charges + "/" + id + "/capture", SK, "");
        assertThat(c.status()).as(c.raw()).isEqualTo(200);
        assertThat(c.json().get("captured").asBoolean()).isTrue();
        assertThat(c.json().get("captured_at").asLong()).isPositive();
        assertThat(c.json().get("amount_refunded").asLong()).isZero();
        assertError(PayjpHttp.post(charges + "/" + id + "/capture", SK, ""), 400, "client_error", "already_captured",
                null);
    }

    @Test
    void partialCaptureThenPartialRefundsKeepTheAmountsRight() throws Exception {
        String id = authorized(500, "platform_fee", "50").get("id").asText();
        Answer c = PayjpHttp.post(charges + "/" + id + "/capture", SK, form("amount", "400"));
        assertThat(c.status()).as(c.raw()).isEqualTo(200);
        // "amount=500 で作成し、 amount=400 で支払い確定を行った場合、 amount_refunded=100"
        assertThat(c.json().get("amount").asLong()).isEqualTo(500);
        assertThat(c.json().get("amount_refunded").asLong()).isEqualTo(100);
        assertThat(c.json().get("refunded").asBoolean()).isFalse();

        Answer r1 = PayjpHttp.post(charges + "/" + id + "/refund", SK, form("amount", "150", "refund_reason", "一部返品"));
        assertThat(r1.status()).as(r1.raw()).isEqualTo(200);
        assertThat(r1.json().get("amount_refunded").asLong()).isEqualTo(250);
        assertThat(r1.json().get("refunded").asBoolean()).isFalse();
        assertThat(r1.json().get("refund_reason").asText()).isEqualTo("一部返品");
        assertError(PayjpHttp.post(charges + "/" + id + "/refund", SK, form("amount", "251")), 400, "client_error",
                "refund_amount_gt_net", "amount");
        assertError(PayjpHttp.post(charges + "/" + id + "/refund", SK, form("amount", "0")), 400, "client_error",
                "invalid_refund_amount", "amount");
        Answer rest = PayjpHttp.post(charges + "/" + id + "/refund", SK, "");
        assertThat(rest.json().get("amount_refunded").asLong()).isEqualTo(500);
        assertThat(rest.json().get("refunded").asBoolean()).isTrue();
        assertError(PayjpHttp.post(charges + "/" + id + "/refund", SK, ""), 400, "client_error", "already_refunded",
                null);
        assertThat(PayjpHttp.get(charges + "/" + id, SK).json()).isEqualTo(rest.json());
    }

    @Test
    void captureAmountMustBeFrom50ToTheChargeAmountAndNotBelowThePlatformFee() throws Exception {
        String id = authorized(1000, "platform_fee", "300").get("id").asText();
        assertError(PayjpHttp.post(charges + "/" + id + "/capture", SK, form("amount", "1001")), 400, "client_error",
                "capture_amount_gt_net", "amount");
        assertError(PayjpHttp.post(charges + "/" + id + "/capture", SK, form("amount", "49")), 400, "client_error",
                "invalid_amount", "amount");
        assertError(PayjpHttp.post(charges + "/" + id + "/capture", SK, form("amount", "299")), 400, "client_error",
                "invalid_amount", "amount");
        assertError(PayjpHttp.post(charges + "/" + id + "/capture", SK, form("amount", "500", "x", "1")), 400,
                "client_error", "invalid_param_key", "x");
        assertThat(PayjpHttp.post(charges + "/" + id + "/capture", SK, form("amount", "1000")).status())
                .isEqualTo(200);
    }

    @Test
    void anAuthorizationIsReleasedByAFullRefundOnlyAndCannotBeCapturedAfterwards() throws Exception {
        String id = authorized(800).get("id").asText();
        assertError(PayjpHttp.post(charges + "/" + id + "/refund", SK, form("amount", "100")), 400, "client_error",
                "invalid_amount_to_not_captured", "amount");
        Answer released = PayjpHttp.post(charges + "/" + id + "/refund", SK, "");
        assertThat(released.status()).isEqualTo(200);
        assertThat(released.json().get("refunded").asBoolean()).isTrue();
        assertThat(released.json().get("captured").asBoolean()).isFalse();
        assertThat(released.json().get("amount_refunded").asLong()).isEqualTo(800);
        assertError(PayjpHttp.post(charges + "/" + id + "/capture", SK, ""), 400, "client_error",
                "cant_capture_refunded_charge", null);
    }

    @Test
    void anExpiredAuthorizationCannotBeCaptured() throws Exception {
        String id = authorized(800).get("id").asText();
        sandbox.expireAuthorization(id);
        assertError(PayjpHttp.post(charges + "/" + id + "/capture", SK, ""), 400, "client_error", "charge_expired",
                null);
    }

    @Test
    void refundsEnd180DaysAfterCaptureAndTheirReasonIsAtMost255Characters() throws Exception {
        Instant t0 = Instant.parse("2025-01-01T00:00:00Z");
        sandbox.clock(Clock.fixed(t0, ZoneOffset.UTC));
        String id = create("card", token(), "amount", "1000", "currency", "jpy").json().get("id").asText();
        assertError(PayjpHttp.post(charges + "/" + id + "/refund", SK, form("refund_reason", "x".repeat(256))), 400,
                "client_error", "invalid_refund_reason", "refund_reason");
        sandbox.clock(Clock.fixed(t0.plus(Duration.ofDays(181)), ZoneOffset.UTC));
        assertError(PayjpHttp.post(charges + "/" + id + "/refund", SK, ""), 400, "client_error",
                "refund_limit_exceeded", null);
        sandbox.clock(Clock.fixed(t0.plus(Duration.ofDays(179)), ZoneOffset.UTC));
        assertThat(PayjpHttp.post(charges + "/" + id + "/refund", SK, "").status()).isEqualTo(200);
    }

    // ------------------------------------------------------------------ test cards

    @ParameterizedTest
    @CsvSource({"declined,card_declined", "insufficient,card_declined", "expired_card,expired_card",
                "cvc,invalid_cvc", "processing_error,processing_error", "flagged,card_flagged"})
    void declineTokensAnswerPayjpCardErrorsAndLeaveAFailedCharge(String word, String code) throws Exception {
        String tok = "tok_" + word + "_" + UUID.randomUUID().toString().substring(0, 8);
        Answer a = create("card", tok, "amount", "1000", "currency", "jpy");
        assertError(a, 402, "card_error", code, "card");
        String chargeId = a.error().get("charge").asText();
        JsonNode failed = PayjpHttp.get(charges + "/" + chargeId, SK).json();
        assertThat(failed.get("paid").asBoolean()).isFalse();
        assertThat(failed.get("captured").asBoolean()).isFalse();
        assertThat(failed.get("failure_code").asText()).isEqualTo(code);
        assertThat(sandbox.chargesWith(tok)).isEqualTo(1);
        assertError(PayjpHttp.post(charges + "/" + chargeId + "/capture", SK, ""), 400, "client_error",
                "failed_payment", null);
        assertThat(a.raw()).doesNotContain(tok);
    }

    @Test
    void customersAreChargedWithTheirOneCard() throws Exception {
        Answer a = create("customer", "cus_b92b879e60f62b532d6756ae12af", "amount", "1000", "currency", "jpy");
        assertThat(a.status()).as(a.raw()).isEqualTo(200);
        assertThat(a.json().get("customer").asText()).isEqualTo("cus_b92b879e60f62b532d6756ae12af");
        String card = a.json().get("card").get("id").asText();
        assertThat(card).matches("car_[0-9a-f]{28}");
        assertThat(create("customer", "cus_b92b879e60f62b532d6756ae12af", "card", card, "amount", "1000",
                "currency", "jpy").status()).isEqualTo(200);
        assertError(create("customer", "cus_b92b879e60f62b532d6756ae12af", "card", "car_0000", "amount", "1000",
                "currency", "jpy"), 400, "client_error", "dont_has_this_card", "card");
        assertError(create("customer", "cus_unknown1", "amount", "1000", "currency", "jpy"), 404, "client_error",
                "invalid_id", "id");
        assertError(create("customer", "cus_nocard1", "amount", "1000", "currency", "jpy"), 402, "card_error",
                "missing_card", "card");
        assertError(create("card", card, "amount", "1000", "currency", "jpy"), 400, "client_error", "missing_param",
                "customer");
    }
}
