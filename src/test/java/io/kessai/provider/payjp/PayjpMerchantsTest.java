package io.kessai.provider.payjp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kessai.model.ErrorCode;
import io.kessai.model.FieldError;
import io.kessai.model.KessaiException;
import io.kessai.sandbox.payjp.PayjpSandbox;
import io.kessai.support.KessaiInstance;
import io.kessai.support.TestDatabases;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The PAY.JP Platform merchant endpoints an embedding application calls (direct:kessai-payjp-merchant-*), against
 * the built-in PAY.JP sandbox's Platform API.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PayjpMerchantsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    KessaiInstance kessai;
    PayjpSandbox payjp;
    ProducerTemplate template;

    @BeforeAll
    void start() {
        kessai = KessaiInstance.start(TestDatabases.h2(), Map.of("kessai.providers.payjp.transfers.enabled", "false",
                "kessai.sandbox.payjp.rate-per-second", "1000", "kessai.sandbox.payjp.rate-burst", "1000"));
        payjp = kessai.payjpSandbox();
        template = kessai.context().createProducerTemplate();
    }

    @AfterAll
    void stop() {
        if (kessai != null) {
            kessai.close();
        }
    }

    JsonNode call(String operation, Object args) throws Exception {
        return JSON.readTree(template.requestBody("direct:kessai-payjp-merchant-" + operation, args, String.class));
    }

    KessaiException refusal(String operation, Object args) {
        Throwable t = catchThrowable(() -> template.requestBody("direct:kessai-payjp-merchant-" + operation, args, String.class));
        assertThat(t).isInstanceOf(CamelExecutionException.class);
        assertThat(t.getCause()).isInstanceOf(KessaiException.class);
        return (KessaiException) t.getCause();
    }

    long platformRequests() {
        return payjp.requests().stream().filter(r -> r.path().contains("/platform/")).count();
    }

    static List<String> fields(KessaiException e) {
        return e.errors().stream().map(FieldError::field).toList();
    }

    @Test
    void aMerchantIsCreatedRetrievedListedGivenNewKeysAndDeleted() throws Exception {
        JsonNode created = call("create", "{\"display_name\":\"PAY商店\"}");
        String id = created.path("id").asText();
        assertThat(id).startsWith("acct_");
        assertThat(created.path("object").asText()).isEqualTo("account");
        assertThat(created.path("keys").path("test_secret_key").asText()).startsWith("sk_test_");

        JsonNode retrieved = call("retrieve", Map.of("id", id));
        assertThat(retrieved.path("display_name").asText()).isEqualTo("PAY商店");

        JsonNode page = call("list", Map.of("limit", 100));
        assertThat(page.path("object").asText()).isEqualTo("list");
        assertThat(page.path("data").findValuesAsText("id")).contains(id);

        JsonNode rotated = call("rotate-keys", Map.of("id", id, "keytype", "secret", "accessmode", "testmode", "timing", "now"));
        assertThat(rotated.path("keys").path("test_secret_key").asText()).startsWith("sk_test_")
                .isNotEqualTo(created.path("keys").path("test_secret_key").asText());

        JsonNode deleted = call("delete", Map.of("id", id));
        assertThat(deleted.path("deleted").asBoolean()).isTrue();
        assertThat(deleted.path("id").asText()).isEqualTo(id);

        KessaiException gone = refusal("retrieve", Map.of("id", id));
        assertThat(gone.code()).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(gone.providerCode()).isNotBlank();
    }

    @Test
    void listAllWalksEveryPage() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            ids.add(call("create", Map.of("display_name", "shop " + i)).path("id").asText());
        }
        JsonNode all = call("list-all", Map.of("limit", 10));
        assertThat(all.path("has_more").asBoolean()).isFalse();
        List<String> listed = all.path("data").findValuesAsText("id");
        assertThat(listed).containsAll(ids).doesNotHaveDuplicates();
        assertThat(all.path("count").asInt()).isEqualTo(listed.size());
        assertThat(payjp.requests().stream().filter(r -> r.path().endsWith("/platform/merchants") && r.query() != null)
                .map(PayjpSandbox.RecordedRequest::query)).anyMatch(q -> q.contains("offset=20"));
    }

    @Test
    void everyArgumentIsCheckedBeforeAnyCallAndTheProblemNamesTheField() {
        long before = platformRequests();
        KessaiException tooLong = refusal("create", Map.of("display_name", "x".repeat(256)));
        assertThat(tooLong.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(fields(tooLong)).containsExactly("display_name");

        assertThat(fields(refusal("create", Map.of("name", "shop")))).containsExactly("name");
        assertThat(fields(refusal("retrieve", Map.of()))).containsExactly("id");
        assertThat(fields(refusal("retrieve", Map.of("id", "../charges")))).containsExactly("id");
        assertThat(fields(refusal("delete", Map.of("id", 42)))).containsExactly("id");
        assertThat(fields(refusal("list", Map.of("limit", 0)))).containsExactly("limit");
        assertThat(fields(refusal("list", Map.of("limit", 101)))).containsExactly("limit");
        assertThat(fields(refusal("list", Map.of("offset", -1)))).containsExactly("offset");
        assertThat(fields(refusal("list", Map.of("since", "yesterday")))).containsExactly("since");
        assertThat(fields(refusal("list", Map.of("since", 200, "until", 100)))).containsExactly("until");
        assertThat(fields(refusal("list-all", Map.of("offset", 10)))).containsExactly("offset");
        KessaiException keys = refusal("rotate-keys", Map.of("id", "acct_0123abcd", "keytype", "private", "accessmode", "testmode"));
        assertThat(keys.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(fields(keys)).containsExactlyInAnyOrder("keytype", "timing");
        assertThat(refusal("create", "[1,2]").code()).isEqualTo(ErrorCode.INVALID_REQUEST);

        assertThat(platformRequests()).as("no Platform call was made").isEqualTo(before);
    }

    @Test
    void payjpsOwnRefusalNamingAParamIsAFieldError() {
        KessaiException e = refusal("rotate-keys", Map.of("id", "acct_0000000000000000000000000000",
                "keytype", "public", "accessmode", "testmode", "timing", "now"));
        assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(fields(e)).containsExactly("id");
    }

    /** The document's basic application sample (a company). */
    static Map<String, Object> basicSample(String id) {
        Map<String, Object> a = new java.util.LinkedHashMap<>();
        a.put("id", id);
        String[][] values = {{"product_name", "商品名"}, {"product_reading_name", "プロダクト"},
                {"product_english_name", "product"}, {"url", "http://example.com"}, {"service_start_at", "2017-02"},
                {"product_detail", "グッズ販売"}, {"product_price_min", "100"}, {"product_price_max", "1000"},
                {"business_type", "company"}, {"business_name", "PAYJP"}, {"business_reading_name", "ペイジェーピー"},
                {"date_of_establishment", "2016-01-01"}, {"business_capital", "1"}, {"president_lastname", "山田"},
                {"president_firstname", "太郎"}, {"president_reading_lastname", "ヤマダ"},
                {"president_reading_firstname", "タロウ"}, {"president_birth_at", "1980-02-10"},
                {"president_gender", "men"}, {"address_zip", "150-0043"}, {"address_state", "東京都"},
                {"address_city", "渋谷区"}, {"address_line1", "道玄坂2-11-1"}, {"address_line2", "Gスクエア4F"},
                {"address_reading_state", "トウキョウト"}, {"address_reading_city", "シブヤク"},
                {"address_reading_line1", "ドウゲンザカニチョウメ11−1"}, {"address_reading_line2", "ジースクエア4カイ"},
                {"phone", "03-6416-5450"}, {"cell_phone", "080-1111-2222"}, {"has_scl_url", "false"},
                {"scl_business_name", "PAY"}, {"scl_contact_person_name", "山田太郎"},
                {"scl_address", "東京都渋谷区道玄坂2-11-1Gスクエア4F"}, {"scl_email", "example@pay.jp"},
                {"scl_phone", "0312341234"}, {"scl_payment_method", "クレジットカード"},
                {"scl_time_of_payment", "商品購入時に決済"}, {"scl_time_of_delivery", "購入手続き完了後2営業日以内"},
                {"scl_other_fee", "なし"}, {"scl_return_and_exchange", "購入後7日以内であれば全額返金"},
                {"bank_person_name", "ヤマダ タロウ"}, {"bank_code", "0001"}, {"bank_branch_code", "001"},
                {"bank_type", "普通"}, {"bank_account_number", "0001000"}, {"corporate_number", "1234123412341"}};
        for (String[] v : values) {
            a.put(v[0], v[1]);
        }
        return a;
    }

    @Test
    void aBasicApplicationWithAFileIsSentAsMultipartAndDryrunOnlyValidates() throws Exception {
        String id = call("create", Map.of("display_name", "申請商店")).path("id").asText();
        Map<String, Object> app = basicSample(id);
        app.put("product_detail_document", Map.of("filename", "overview.pdf",
                "content", java.util.Base64.getEncoder().encodeToString("%PDF-1.4 overview".getBytes())));
        app.put("dryrun", true);
        call("apply-basic", app);
        assertThat(call("retrieve", Map.of("id", id)).path("merchant").path("details_submitted").asBoolean())
                .as("a dry run validates only").isFalse();

        app.put("dryrun", false);
        JsonNode applied = call("apply-basic", app);
        assertThat(applied.path("merchant").path("details_submitted").asBoolean()).isTrue();
        assertThat(applied.path("merchant").path("application").path("product_name").asText()).isEqualTo("商品名");

        Map<String, Object> additional = new java.util.LinkedHashMap<>(Map.of("id", id,
                "product_type", List.of("goods"), "charge_type", List.of("charge"), "sole_prop", false,
                "site_published", true, "business_sales_lastyear", 1000000, "business_detail", "雑貨の販売",
                "has_shop", false, "privacy_policy_url", "https://example.com/privacy", "ssl_enabled", true));
        additional.put("has_other_fee", false);
        additional.put("contact_person_lastname", "山田");
        additional.put("contact_person_firstname", "花子");
        additional.put("contact_phone", "03-6416-5450");
        JsonNode more = call("apply-additional", additional);
        assertThat(more.path("merchant").path("application").path("product_type").get(0).asText()).isEqualTo("goods");
    }

    @Test
    void anApplicationIsCheckedBeforeTheCallEveryFieldAtOnce() {
        long before = platformRequests();
        Map<String, Object> app = basicSample("acct_0123abcd");
        app.remove("product_name");
        app.put("business_type", "corporation");
        app.put("product_price_min", "cheap");
        app.put("license_cert", Map.of("filename", "licence.exe", "content", "AAAA"));
        app.remove("corporate_number");
        KessaiException e = refusal("apply-basic", app);
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(fields(e)).containsExactlyInAnyOrder("product_name", "business_type", "product_price_min", "license_cert");

        Map<String, Object> additional = Map.of("id", "acct_0123abcd", "product_type", List.of("weapons"),
                "charge_type", List.of(), "sole_prop", true);
        assertThat(fields(refusal("apply-additional", additional))).contains("product_type", "charge_type",
                "date_of_establishment", "opening_business_cert", "site_published", "has_shop");
        assertThat(platformRequests()).as("no Platform call was made").isEqualTo(before);
    }

    @Test
    void payjpsFieldErrorsComeBackFieldByField() throws Exception {
        String id = call("create", Map.of("display_name", "誤り商店")).path("id").asText();
        Map<String, Object> app = basicSample(id);
        app.put("address_zip", "zip");
        app.put("bank_code", "12");
        KessaiException e = refusal("apply-basic", app);
        assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(fields(e)).contains("address_zip", "bank_code");
        assertThat(e.errors()).anySatisfy(f -> {
            assertThat(f.field()).isEqualTo("address_zip");
            assertThat(f.code()).isEqualTo("invalid_address_zip");
            assertThat(f.message()).isNotBlank();
        });
    }

    JsonNode kamelet(String name, Object args) throws Exception {
        return JSON.readTree(template.requestBody("kamelet:kessai-payjp-merchant-" + name + "-action", args, String.class));
    }

    @Test
    void theKameletActionsRotateKeysApplyAndDeleteAMerchant() throws Exception {
        JsonNode created = kamelet("create", "{\"display_name\":\"カメレット申請商店\"}");
        String id = created.path("id").asText();

        JsonNode rotated = kamelet("rotate-keys", Map.of("id", id, "keytype", "secret", "accessmode", "testmode",
                "timing", "now"));
        assertThat(rotated.path("keys").path("test_secret_key").asText()).startsWith("sk_test_")
                .isNotEqualTo(created.path("keys").path("test_secret_key").asText());

        Map<String, Object> app = basicSample(id);
        app.put("dryrun", false);
        JsonNode applied = kamelet("apply-basic", app);
        assertThat(applied.path("merchant").path("details_submitted").asBoolean()).isTrue();

        Map<String, Object> additional = new java.util.LinkedHashMap<>(Map.of("id", id,
                "product_type", List.of("goods"), "charge_type", List.of("charge"), "sole_prop", false,
                "site_published", true, "business_sales_lastyear", 1000000, "business_detail", "雑貨の販売",
                "has_shop", false, "privacy_policy_url", "https://example.com/privacy", "ssl_enabled", true));
        additional.put("has_other_fee", false);
        additional.put("contact_person_lastname", "山田");
        additional.put("contact_person_firstname", "花子");
        additional.put("contact_phone", "03-6416-5450");
        JsonNode more = kamelet("apply-additional", additional);
        assertThat(more.path("merchant").path("application").path("product_type").get(0).asText()).isEqualTo("goods");

        Throwable refused = catchThrowable(() -> kamelet("rotate-keys", Map.of("id", id, "keytype", "private",
                "accessmode", "testmode", "timing", "now")));
        assertThat(refused.getCause()).isInstanceOfSatisfying(KessaiException.class,
                e -> assertThat(fields(e)).containsExactly("keytype"));

        JsonNode deleted = kamelet("delete", Map.of("id", id));
        assertThat(deleted.path("deleted").asBoolean()).isTrue();
        assertThat(deleted.path("id").asText()).isEqualTo(id);
        assertThat(refusal("retrieve", Map.of("id", id)).code()).isEqualTo(ErrorCode.NOT_FOUND);
    }

    @Test
    void theKameletActionsCreateRetrieveAndListMerchants() throws Exception {
        JsonNode created = JSON.readTree(template.requestBody("kamelet:kessai-payjp-merchant-create-action",
                "{\"display_name\":\"カメレット商店\"}", String.class));
        String id = created.path("id").asText();
        assertThat(id).startsWith("acct_");
        JsonNode retrieved = JSON.readTree(template.requestBody("kamelet:kessai-payjp-merchant-retrieve-action",
                "{\"id\":\"" + id + "\"}", String.class));
        assertThat(retrieved.path("display_name").asText()).isEqualTo("カメレット商店");
        JsonNode list = JSON.readTree(template.requestBody("kamelet:kessai-payjp-merchant-list-action",
                "{\"limit\":100}", String.class));
        assertThat(list.path("data").findValuesAsText("id")).contains(id);

        Throwable refused = catchThrowable(() -> template.requestBody("kamelet:kessai-payjp-merchant-list-action",
                "{\"limit\":500}", String.class));
        assertThat(refused.getCause()).isInstanceOfSatisfying(KessaiException.class,
                e -> assertThat(fields(e)).containsExactly("limit"));
    }
}
