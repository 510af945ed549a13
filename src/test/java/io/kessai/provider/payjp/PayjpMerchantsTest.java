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
}
