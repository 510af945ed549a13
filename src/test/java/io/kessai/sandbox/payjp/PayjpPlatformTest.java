package io.kessai.sandbox.payjp;

import static io.kessai.sandbox.payjp.PayjpHttp.form;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kessai.sandbox.payjp.PayjpHttp.Answer;
import io.kessai.sandbox.payjp.PayjpHttp.Multipart;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Platform API's merchants, keys and applications in the PAY.JP sandbox (payjp-platform.txt). */
class PayjpPlatformTest {

    static final String SK = "sk_test_platform0000000000000";
    static final String PF = "sk_live_pf_platformtest";
    static final String MISSING = "Missing required param to platform_merchant_application";
    private static PayjpSandbox sandbox;
    private static String merchants;

    @BeforeAll
    static void start() {
        sandbox = new PayjpSandbox(PayjpSandbox.Settings.defaults(SK, PF).withRateLimit(10_000, 10_000)
                .withProcessingTime(Duration.ZERO)).start();
        merchants = sandbox.apiBase() + "/platform/merchants";
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

    private static JsonNode newMerchant(String name) throws Exception {
        Answer a = PayjpHttp.post(merchants, PF, form("display_name", name));
        assertThat(a.status()).as(a.raw()).isEqualTo(200);
        return a.json();
    }

    private static Answer charge(String key) throws Exception {
        return PayjpHttp.post(sandbox.apiBase() + "/charges", key, form("card", "tok_" + UUID.randomUUID()
                .toString().replace("-", "").substring(0, 20), "amount", "1000", "currency", "jpy"));
    }

    private static void assertFieldError(Answer a, String field, String code, String message) {
        assertThat(a.status()).as(a.raw()).isEqualTo(400);
        JsonNode list = a.json().get("errors").get(field);
        assertThat(list).as(field + " in " + a.raw()).isNotNull();
        assertThat(list.get(0).get("code").asText()).isEqualTo(code);
        if (message != null) {
            assertThat(list.get(0).get("message").asText()).isEqualTo(message);
        }
    }

    // ------------------------------------------------------------------ merchants

    @Test
    void aMerchantIsCreatedRetrievedListedAndDeletedWithTheDocumentedObjects() throws Exception {
        JsonNode a = newMerchant("PAY商店");
        String id = a.get("id").asText();
        assertThat(id).matches("acct_[0-9a-f]{27}");
        assertThat(a.get("object").asText()).isEqualTo("account");
        assertThat(a.get("display_name").asText()).isEqualTo("PAY商店");
        JsonNode keys = a.get("keys");
        assertThat(keys.get("live_public_key").asText()).matches("pk_live_[0-9a-f]{24}");
        assertThat(keys.get("live_secret_key").asText()).matches("sk_live_[0-9a-f]{56}");
        assertThat(keys.get("test_public_key").asText()).matches("pk_test_[0-9a-f]{24}");
        assertThat(keys.get("test_secret_key").asText()).matches("sk_test_[0-9a-f]{24}");
        JsonNode m = a.get("merchant");
        assertThat(m.get("object").asText()).isEqualTo("merchant");
        assertThat(m.get("application").isNull()).isTrue();
        assertThat(m.get("bank_enabled").asBoolean()).isFalse();
        assertThat(m.get("brands_accepted").isEmpty()).isTrue();
        assertThat(m.get("currencies_supported").toString()).isEqualTo("[\"jpy\"]");
        assertThat(m.get("default_currency").asText()).isEqualTo("jpy");
        assertThat(m.get("details_submitted").asBoolean()).isFalse();
        assertThat(m.get("livemode_enabled").asBoolean()).isFalse();
        assertThat(m.get("livemode_activated_at").isNull()).isTrue();

        assertThat(PayjpHttp.get(merchants + "/" + id, PF).json()).isEqualTo(a);
        JsonNode list = PayjpHttp.get(merchants, PF).json();
        assertThat(list.get("object").asText()).isEqualTo("list");
        assertThat(list.get("url").asText()).isEqualTo("/v1/platform/merchants");
        assertThat(list.get("has_more").asBoolean()).isFalse();
        assertThat(PayjpHttp.ids(list)).containsExactlyInAnyOrder(id, sandbox.merchantId());
        assertThat(list.get("count").asInt()).isEqualTo(2);
        assertThat(charge(keys.get("test_secret_key").asText()).status()).isEqualTo(200);

        Answer deleted = PayjpHttp.delete(merchants + "/" + id, PF);
        assertThat(deleted.json().toString()).isEqualTo("{\"deleted\":true,\"id\":\"" + id + "\"}");
        Answer gone = PayjpHttp.get(merchants + "/" + id, PF);
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.error().get("code").asText()).isEqualTo("invalid_id");
        assertThat(gone.error().get("message").asText()).isEqualTo("No such account: " + id);
        assertThat(gone.error().get("param").asText()).isEqualTo("id");
        assertThat(gone.error().get("type").asText()).isEqualTo("client_error");
        assertThat(PayjpHttp.delete(merchants + "/" + id, PF).status()).isEqualTo(404);
        assertThat(charge(keys.get("test_secret_key").asText()).status()).isEqualTo(401);
    }

    @Test
    void theDisplayNameIsAtMost255CharactersAndNothingElseIsTaken() throws Exception {
        Answer a = PayjpHttp.post(merchants, PF, form("display_name", "x".repeat(256)));
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.json().toString()).isEqualTo("{\"error\":{\"code\":\"invalid_string_length\",\"message\":"
                + "\"Strings must be within 255 characters.\",\"param\":\"display_name\",\"status\":400,"
                + "\"type\":\"client_error\"}}");
        assertThat(PayjpHttp.post(merchants, PF, form("name", "x")).code()).isEqualTo("invalid_param_key");
        assertThat(PayjpHttp.post(merchants, "sk_live_pf_wrong", form("display_name", "x")).status()).isEqualTo(401);
        assertThat(PayjpHttp.post(merchants, PF, "").json().get("display_name").isNull()).isTrue();
    }

    @Test
    void theMerchantListIsPagedAndFilteredBySinceAndUntil() throws Exception {
        // later than the built-in merchant (made by reset() with the system clock)
        Instant t0 = Instant.now().plus(Duration.ofDays(1)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        for (int i = 0; i < 12; i++) {
            sandbox.clock(Clock.fixed(t0.plusSeconds(i * 60L), ZoneOffset.UTC));
            newMerchant("m" + i);
        }
        JsonNode first = PayjpHttp.get(merchants, PF).json();
        assertThat(first.get("data")).hasSize(10);
        assertThat(first.get("has_more").asBoolean()).isTrue();
        assertThat(first.get("data").get(0).get("display_name").asText()).isEqualTo("m11");
        JsonNode rest = PayjpHttp.get(merchants + "?limit=10&offset=10", PF).json();
        assertThat(PayjpHttp.ids(rest)).hasSize(3).endsWith(sandbox.merchantId());   // 12 and the built-in one
        assertThat(rest.get("has_more").asBoolean()).isFalse();
        long since = t0.plusSeconds(3 * 60).getEpochSecond();
        long until = t0.plusSeconds(5 * 60).getEpochSecond();
        JsonNode window = PayjpHttp.get(merchants + "?since=" + since + "&until=" + until, PF).json();
        assertThat(window.get("data").findValuesAsText("display_name")).containsExactly("m5", "m4", "m3");
        for (String q : List.of("limit=0", "limit=101", "limit=abc", "offset=-1", "dummy=1", "limit=5&limit=6")) {
            Answer bad = PayjpHttp.get(merchants + "?" + q, PF);
            assertThat(bad.status()).as(q).isEqualTo(400);
            assertThat(bad.error().get("message").asText()).isEqualTo("Invalid query string.");
            assertThat(bad.error().get("param").asText()).isEqualTo(q.substring(0, q.indexOf('=')));
        }
        assertThat(PayjpHttp.get(merchants + "?since=yesterday", PF).code()).isEqualTo("invalid_timestamp");
    }

    // ------------------------------------------------------------------ keys

    @Test
    void keyRotationNowRetiresTheOldKeyAtOnceAnd24HoursADayLater() throws Exception {
        Instant t0 = Instant.parse("2025-02-01T00:00:00Z");
        sandbox.clock(Clock.fixed(t0, ZoneOffset.UTC));
        JsonNode a = newMerchant("rotating");
        String id = a.get("id").asText();
        String old = a.get("keys").get("test_secret_key").asText();
        Answer now = PayjpHttp.post(merchants + "/" + id + "/keys", PF,
                form("keytype", "secret", "accessmode", "testmode", "timing", "now"));
        assertThat(now.status()).as(now.raw()).isEqualTo(200);
        String second = now.json().get("keys").get("test_secret_key").asText();
        assertThat(second).isNotEqualTo(old).matches("sk_test_[0-9a-f]{24}");
        assertThat(now.json().get("keys").get("test_public_key")).isEqualTo(a.get("keys").get("test_public_key"));
        assertThat(charge(old).status()).isEqualTo(401);
        assertThat(charge(second).status()).isEqualTo(200);

        String third = PayjpHttp.post(merchants + "/" + id + "/keys", PF,
                form("keytype", "secret", "accessmode", "testmode", "timing", "24hours")).json().get("keys")
                .get("test_secret_key").asText();
        assertThat(charge(second).status()).isEqualTo(200);
        assertThat(charge(third).status()).isEqualTo(200);
        sandbox.clock(Clock.fixed(t0.plus(Duration.ofHours(24)), ZoneOffset.UTC));
        assertThat(charge(second).status()).isEqualTo(401);
        assertThat(charge(third).status()).isEqualTo(200);

        Answer pub = PayjpHttp.post(merchants + "/" + id + "/keys", PF,
                form("keytype", "public", "accessmode", "livemode", "timing", "now"));
        assertThat(pub.json().get("keys").get("live_public_key").asText()).matches("pk_live_[0-9a-f]{24}")
                .isNotEqualTo(a.get("keys").get("live_public_key").asText());
    }

    @Test
    void keyRotationChecksEveryArgument() throws Exception {
        String id = newMerchant("k").get("id").asText();
        String url = merchants + "/" + id + "/keys";
        Answer missing = PayjpHttp.post(url, PF, form("keytype", "public", "accessmode", "testmode"));
        assertThat(missing.json().toString()).isEqualTo("{\"error\":{\"code\":\"missing_param\",\"message\":"
                + "\"Missing required param to platform_merchant_apikey\",\"param\":\"timing\",\"status\":400,"
                + "\"type\":\"client_error\"}}");
        assertThat(PayjpHttp.post(url, PF, form("keytype", "both", "accessmode", "testmode", "timing", "now")).code())
                .isEqualTo("invalid_key_type");
        assertThat(PayjpHttp.post(url, PF, form("keytype", "secret", "accessmode", "test", "timing", "now")).code())
                .isEqualTo("invalid_access_mode");
        assertThat(PayjpHttp.post(url, PF, form("keytype", "secret", "accessmode", "testmode", "timing", "1h"))
                .code()).isEqualTo("invalid_timing");
        assertThat(PayjpHttp.post(merchants + "/acct_dummy/keys", PF,
                form("keytype", "secret", "accessmode", "testmode", "timing", "now")).status()).isEqualTo(404);
    }

    // ------------------------------------------------------------------ applications

    @Test
    void theDocumentedBasicApplicationIsAcceptedWithAFile() throws Exception {
        String id = newMerchant("app").get("id").asText();
        Answer a = new Multipart().fields(PayjpHttp.basicSample())
                .file("license_cert", "license.pdf", "%PDF-1.4 sandbox".getBytes(StandardCharsets.UTF_8))
                .post(merchants + "/" + id + "/applications/basic", PF);
        assertThat(a.status()).as(a.raw()).isEqualTo(200);
        JsonNode m = a.json().get("merchant");
        assertThat(m.get("details_submitted").asBoolean()).isTrue();
        JsonNode app = m.get("application");
        assertThat(app.get("object").asText()).isEqualTo("application");
        assertThat(app.get("product_name").asText()).isEqualTo("商品名");
        assertThat(app.get("business_capital").isNumber()).isTrue();
        assertThat(app.get("product_price_max").asLong()).isEqualTo(1000);
        assertThat(app.get("has_scl_url").isBoolean()).isTrue();
        assertThat(app.get("license_cert_files")).hasSize(1);
        assertThat(app.has("dryrun")).isFalse();
        assertThat(app.get("product_type").isNull()).isTrue();
        assertThat(PayjpHttp.get(merchants + "/" + id, PF).json()).isEqualTo(a.json());

        String fileId = app.get("license_cert_files").get(0).asText();
        Answer removed = new Multipart().fields(PayjpHttp.basicSample()).field("delete_license_cert", fileId)
                .post(merchants + "/" + id + "/applications/basic", PF);
        assertThat(removed.json().get("merchant").get("application").get("license_cert_files")).isEmpty();
        assertFieldError(new Multipart().fields(PayjpHttp.basicSample()).field("delete_license_cert", "999999")
                .post(merchants + "/" + id + "/applications/basic", PF), "delete_license_cert", "invalid_file_id", null);
    }

    @Test
    void theBasicApplicationReportsEveryFieldErrorAtOnce() throws Exception {
        String id = newMerchant("app").get("id").asText();
        String url = merchants + "/" + id + "/applications/basic";
        Answer empty = new Multipart().field("business_type", "company").post(url, PF);
        assertThat(empty.status()).isEqualTo(400);
        assertThat(empty.json().get("errors").get("product_name").toString()).isEqualTo(
                "[{\"code\":\"missing_param\",\"message\":\"" + MISSING + "\"}]");
        for (String required : List.of("product_reading_name", "product_english_name", "url", "service_start_at",
                "product_detail", "product_price_min", "product_price_max", "business_name", "business_reading_name",
                "date_of_establishment", "business_capital", "president_lastname", "president_firstname",
                "president_reading_lastname", "president_reading_firstname", "president_birth_at",
                "president_gender", "address_zip", "address_state", "address_city", "address_line1",
                "address_reading_state", "address_reading_city", "address_reading_line1", "phone", "has_scl_url",
                "bank_code", "bank_branch_code", "bank_type", "bank_account_number", "bank_person_name",
                "corporate_number")) {
            assertFieldError(empty, required, "missing_param", MISSING);
        }
        assertThat(empty.json().get("errors").has("address_line2")).isFalse();
        assertThat(empty.json().get("errors").has("business_type")).isFalse();

        Map<String, String> bad = PayjpHttp.basicSample();
        bad.put("url", "example");
        bad.put("service_start_at", "2017/02");
        bad.put("product_price_min", "cheap");
        bad.put("business_type", "npo");
        bad.put("business_capital", "1億");
        bad.put("president_gender", "other");
        bad.put("president_birth_at", "1980-02-30");
        bad.put("address_zip", "1500043x");
        bad.put("address_state", "東京州");
        bad.put("address_reading_city", "しぶやく");
        bad.put("product_english_name", "プロダクト");
        bad.put("phone", "12345");
        bad.put("has_scl_url", "no");
        bad.put("scl_email", "example.pay.jp");
        bad.put("bank_code", "001");
        bad.put("bank_branch_code", "1");
        bad.put("bank_type", "外貨");
        bad.put("bank_account_number", "12");
        bad.put("bank_person_name", "Yamada");
        bad.put("product_name", "x".repeat(256));
        Answer a = new Multipart().fields(bad).field("colour", "red")
                .file("product_detail_document", "detail.exe", new byte[] {1})
                .post(url, PF);
        assertFieldError(a, "url", "invalid_url", null);
        assertFieldError(a, "service_start_at", "invalid_format_string", null);
        assertFieldError(a, "product_price_min", "invalid_amount", null);
        assertFieldError(a, "business_type", "invalid_business_type", null);
        assertFieldError(a, "president_gender", "invalid_gender", null);
        assertFieldError(a, "president_birth_at", "invalid_format_string", null);
        assertFieldError(a, "address_zip", "invalid_address_zip", null);
        assertFieldError(a, "address_state", "invalid_address_state", null);
        assertFieldError(a, "address_reading_city", "invalid_character", null);
        assertFieldError(a, "product_english_name", "invalid_character", null);
        assertFieldError(a, "phone", "invalid_phone", null);
        assertFieldError(a, "has_scl_url", "invalid_boolean", null);
        assertFieldError(a, "bank_code", "invalid_bank_code", null);
        assertFieldError(a, "bank_branch_code", "invalid_bank_branch_code", null);
        assertFieldError(a, "bank_type", "invalid_bank_account_type", null);
        assertFieldError(a, "bank_account_number", "invalid_bank_account_number", null);
        assertFieldError(a, "bank_person_name", "invalid_bank_account_holder_name", null);
        assertFieldError(a, "product_name", "invalid_string_length", null);
        assertFieldError(a, "colour", "invalid_param_key", null);
        assertFieldError(a, "product_detail_document", "invalid_file", null);
        assertThat(PayjpHttp.get(merchants + "/" + id, PF).json().get("merchant").get("application").isNull())
                .isTrue();

        Map<String, String> company = PayjpHttp.basicSample();
        company.put("business_capital", "1億");
        company.put("scl_email", "example.pay.jp");
        Answer c = new Multipart().fields(company).post(url, PF);
        assertFieldError(c, "business_capital", "invalid_numerical_value", null);
        assertFieldError(c, "scl_email", "invalid_email", null);
    }

    @Test
    void conditionalArgumentsFollowBusinessTypeAndHasSclUrl() throws Exception {
        String id = newMerchant("app").get("id").asText();
        String url = merchants + "/" + id + "/applications/basic";
        Map<String, String> sole = PayjpHttp.basicSample();
        for (String f : List.of("business_name", "business_reading_name", "date_of_establishment",
                "business_capital", "corporate_number")) {
            sole.remove(f);
        }
        sole.put("business_type", "sole_prop");
        assertThat(new Multipart().fields(sole).post(url, PF).status()).isEqualTo(200);

        Map<String, String> withUrl = PayjpHttp.basicSample();
        withUrl.keySet().removeIf(k -> k.startsWith("scl_"));
        withUrl.put("has_scl_url", "true");
        assertFieldError(new Multipart().fields(withUrl).post(url, PF), "scl_url", "missing_param", MISSING);
        withUrl.put("scl_url", "https://shop.example/tokushoho");
        assertThat(new Multipart().fields(withUrl).post(url, PF).status()).isEqualTo(200);

        Map<String, String> noUrl = PayjpHttp.basicSample();
        noUrl.remove("scl_phone");
        assertFieldError(new Multipart().fields(noUrl).post(url, PF), "scl_phone", "missing_param", MISSING);
    }

    @Test
    void dryrunOnlyValidates() throws Exception {
        String id = newMerchant("app").get("id").asText();
        String url = merchants + "/" + id + "/applications/basic";
        Map<String, String> sample = PayjpHttp.basicSample();
        sample.put("dryrun", "true");
        Answer ok = new Multipart().fields(sample).post(url, PF);
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.json().get("merchant").get("application").isNull()).isTrue();
        assertThat(ok.json().get("merchant").get("details_submitted").asBoolean()).isFalse();
        sample.put("bank_code", "1");
        assertFieldError(new Multipart().fields(sample).post(url, PF), "bank_code", "invalid_bank_code", null);
    }

    @Test
    void theAdditionalApplicationComesAfterTheBasicOneAndChecksItsArguments() throws Exception {
        String id = newMerchant("app").get("id").asText();
        String additional = merchants + "/" + id + "/applications/additional";
        Answer early = new Multipart().fields(PayjpHttp.additionalSample()).post(additional, PF);
        assertThat(early.status()).isEqualTo(400);
        assertThat(early.error()).isNotNull();
        assertThat(new Multipart().fields(PayjpHttp.basicSample())
                .post(merchants + "/" + id + "/applications/basic", PF).status()).isEqualTo(200);

        Map<String, String> withoutSoleProp = PayjpHttp.additionalSample();
        withoutSoleProp.remove("sole_prop");   // as the document's curl sample sends it
        assertFieldError(new Multipart().fields(withoutSoleProp).post(additional, PF), "sole_prop", "missing_param",
                MISSING);
        Map<String, String> badType = PayjpHttp.additionalSample();
        badType.put("product_type", "weapons");
        Answer bt = new Multipart().fields(badType).post(additional, PF);
        assertThat(bt.json().get("errors").get("product_type").toString()).isEqualTo(
                "[{\"code\":\"invalid_product_type\",\"message\":\"Invalid product type provided\"}]");

        Map<String, String> feeless = PayjpHttp.additionalSample();
        feeless.remove("delivery_fee");
        feeless.put("sole_prop", "true");
        feeless.put("site_published", "false");
        Answer cond = new Multipart().fields(feeless).post(additional, PF);
        assertFieldError(cond, "delivery_fee", "missing_param", MISSING);
        assertFieldError(cond, "date_of_establishment", "missing_param", MISSING);
        assertFieldError(cond, "opening_business_cert", "missing_param", MISSING);
        assertFieldError(cond, "terms_of_service", "missing_param", MISSING);

        Answer ok = new Multipart().fields(PayjpHttp.additionalSample()).field("product_type", "services")
                .post(additional, PF);
        assertThat(ok.status()).as(ok.raw()).isEqualTo(200);
        JsonNode app = ok.json().get("merchant").get("application");
        assertThat(app.get("product_type").toString()).isEqualTo("[\"goods\",\"services\"]");
        assertThat(app.get("charge_type").toString()).isEqualTo("[\"charge\"]");
        assertThat(app.get("contact_person").asText()).isEqualTo("山田 太郎");
        assertThat(app.get("delivery_fee").asLong()).isEqualTo(500);
        assertThat(app.get("has_shop").asBoolean()).isTrue();
        assertThat(app.get("shop_address_state").asText()).isEqualTo("東京");
        assertThat(app.get("product_name").asText()).isEqualTo("商品名");

        sandbox.approveMerchant(id);
        JsonNode m = PayjpHttp.get(merchants + "/" + id, PF).json().get("merchant");
        assertThat(m.get("livemode_enabled").asBoolean()).isTrue();
        assertThat(m.get("brands_accepted").toString()).contains("Visa", "JCB");
    }

    @Test
    void applicationsOfAnUnknownMerchantAre404AndFilesMustBeMultipart() throws Exception {
        Answer unknown = new Multipart().fields(PayjpHttp.basicSample())
                .post(merchants + "/dummy/applications/basic", PF);
        assertThat(unknown.json().toString()).isEqualTo("{\"error\":{\"code\":\"invalid_id\",\"message\":"
                + "\"No such account: dummy\",\"param\":\"id\",\"status\":404,\"type\":\"client_error\"}}");
        String id = newMerchant("app").get("id").asText();
        Map<String, String> sample = PayjpHttp.basicSample();
        String[] pairs = sample.entrySet().stream().flatMap(e -> java.util.stream.Stream.of(e.getKey(), e.getValue()))
                .toArray(String[]::new);
        Answer encoded = PayjpHttp.post(merchants + "/" + id + "/applications/basic", PF, form(pairs));
        assertThat(encoded.status()).as(encoded.raw()).isEqualTo(200);
        Answer textFile = PayjpHttp.post(merchants + "/" + id + "/applications/basic", PF,
                form(pairs) + "&" + form("license_cert", "license.pdf"));
        assertFieldError(textFile, "license_cert", "invalid_file", null);
    }
}
