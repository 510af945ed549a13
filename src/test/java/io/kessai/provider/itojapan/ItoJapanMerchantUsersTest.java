package io.kessai.provider.itojapan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kessai.model.ErrorCode;
import io.kessai.model.FieldError;
import io.kessai.model.KessaiException;
import io.kessai.sandbox.itojapan.ItoJapanMerchantUsersApi;
import io.kessai.sandbox.itojapan.ItoJapanSandbox;
import io.kessai.support.CapturedLogs;
import io.kessai.support.KessaiInstance;
import io.kessai.support.TestDatabases;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * ITO-Japan's merchant OAuth and merchant user endpoints as an embedding application calls them
 * ({@code direct:kessai-ito-japan-merchant-*} and their Kamelets), against the built-in sandbox: the token fetched
 * once and cached, renewed once on a 401, the provider's ownership and validation refusals, Kessai's own checks.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ItoJapanMerchantUsersTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CLIENT_SECRET = "SECRET-ito-merchant-client-7311";
    private static final String CLIENT_ID = "kessai-merchant-client";
    KessaiInstance kessai;
    ItoJapanSandbox sandbox;
    ItoJapanMerchantUsersApi api;
    ProducerTemplate template;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start() {
        kessai = KessaiInstance.start(TestDatabases.h2(), Map.of("kessai.providers.enabled", "ito-japan",
                "kessai.providers.ito-japan.client-id", CLIENT_ID,
                "kessai.providers.ito-japan.client-secret", CLIENT_SECRET,
                "kessai.providers.ito-japan.retry.initial-delay-ms", "10",
                "kessai.providers.ito-japan.retry.max-delay-ms", "50"));
        sandbox = kessai.context().getRegistry().lookupByNameAndType("itoJapanSandbox", ItoJapanSandbox.class);
        api = sandbox.merchantUsers();
        template = kessai.context().createProducerTemplate();
    }

    @AfterAll
    void stop() {
        if (kessai != null) {
            kessai.close();
        }
    }

    /** Each test starts with Kessai holding a fresh one-hour token (the first call meets a 401 and renews). */
    @BeforeEach
    void freshHourLongToken() throws Exception {
        api.registerClient(CLIENT_ID, CLIENT_SECRET).tokenLifetime(Duration.ofHours(1));
        api.expireTokens();
        newUser();
    }

    JsonNode call(String operation, Object args) throws Exception {
        return JSON.readTree(template.requestBody("direct:kessai-ito-japan-merchant-" + operation, args, String.class));
    }

    KessaiException refusal(String operation, Object args) {
        Throwable t = catchThrowable(() -> template.requestBody("direct:kessai-ito-japan-merchant-" + operation, args, String.class));
        assertThat(t).isInstanceOf(CamelExecutionException.class);
        assertThat(t.getCause()).isInstanceOf(KessaiException.class);
        return (KessaiException) t.getCause();
    }

    static List<String> fields(KessaiException e) {
        return e.errors().stream().map(FieldError::field).toList();
    }

    long tokenRequests() {
        return api.requests().stream().filter(r -> r.path().equals(ItoJapanMerchantUsersApi.TOKEN_PATH)).count();
    }

    long unauthorized() {
        return api.requests().stream().filter(r -> r.path().startsWith(ItoJapanMerchantUsersApi.USERS_PATH)
                && r.status() == 401).count();
    }

    long userId(JsonNode created) {
        long id = created.path("data").path("id").asLong();
        assertThat(id).isPositive();
        return id;
    }

    static int counter;

    long newUser() throws Exception {
        return userId(call("user-create", Map.of("name", "Taro Yamada", "email", "taro" + (++counter) + "@example.jp")));
    }

    static Map<String, Object> completeKyc() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("first_name", "Taro");
        v.put("last_name", "Yamada");
        v.put("date_of_birth", "1990-04-01");
        v.put("nationality", "JP");
        v.put("address_line1", "1-2-3 Shinjuku");
        v.put("address_city", "Shinjuku-ku");
        v.put("address_postal_code", "160-0022");
        v.put("address_country", "JP");
        v.put("id_document_type", "passport");
        v.put("id_document_number", "TK1234567");
        return v;
    }

    @Test
    void aUserIsCreatedProfiledAndReadBackWithOneCachedToken() throws Exception {
        long tokensBefore = tokenRequests();

        JsonNode created = call("user-create", Map.of("name", "山田 太郎", "email", "yamada@example.jp", "phone", "090-1234-5678"));
        assertThat(created.path("status").asText()).isEqualTo("success");
        long user = userId(created);
        assertThat(created.path("data").path("kyc_status").asText()).isEqualTo("not_started");

        JsonNode patched = call("user-profile-patch", Map.of("user", user, "country", "JP", "date_of_birth", "1990-04-01",
                "address", "1-2-3 Shinjuku"));
        assertThat(patched.path("data").path("country").asText()).isEqualTo("JP");
        assertThat(patched.path("data").path("name").asText()).isEqualTo("山田 太郎");

        api.credit(user, "USD", new BigDecimal("10.50"), "top-up");
        api.credit(user, "JPY", new BigDecimal("1000"), "top-up");
        api.credit(user, "USD", new BigDecimal("2.25"), "refund");
        JsonNode balance = call("user-balance", Map.of("user", String.valueOf(user)));
        assertThat(balance.path("data").path("balances").findValues("balance").get(0).decimalValue())
                .isEqualByComparingTo("12.75");
        assertThat(balance.path("data").path("balances").get(1).path("currency").asText()).isEqualTo("JPY");

        JsonNode page = call("user-transactions", Map.of("user", user, "page", 2, "per_page", 2));
        assertThat(page.path("meta").path("total").asInt()).isEqualTo(3);
        assertThat(page.path("meta").path("current_page").asInt()).isEqualTo(2);
        assertThat(page.path("data")).hasSize(1);
        assertThat(page.path("data").get(0).path("amount").decimalValue()).isEqualByComparingTo("10.50");

        assertThat(call("user-cards", Map.of("user", user)).path("data")).isEmpty();
        call("user-kyc-put", Map.of("user", user, "values", completeKyc()));
        call("user-kyc-submit", Map.of("user", user));
        api.approveKyc(user);
        api.issueCard(user, "USD");
        JsonNode cards = call("user-cards", Map.of("user", user));
        assertThat(cards.path("data")).hasSize(1);
        assertThat(cards.path("data").get(0).path("last4").asText()).hasSize(4);

        assertThat(tokenRequests()).as("every call used the cached token").isEqualTo(tokensBefore);
    }

    @Test
    void aKycIsDraftedCompletedSubmittedAndThenLocked() throws Exception {
        long user = newUser();
        JsonNode form = call("user-kyc-get", Map.of("user", user));
        assertThat(form.path("data").path("status").asText()).isEqualTo("not_started");
        assertThat(form.path("data").path("schema").path("fields").findValuesAsText("name")).contains("first_name", "id_document_type");

        JsonNode draft = call("user-kyc-patch", Map.of("user", user, "values", Map.of("first_name", "Taro")));
        assertThat(draft.path("data").path("status").asText()).isEqualTo("draft");
        assertThat(draft.path("data").path("values").path("first_name").asText()).isEqualTo("Taro");

        KessaiException early = refusal("user-kyc-submit", Map.of("user", user));
        assertThat(early.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(early.providerCode()).isEqualTo("422");
        assertThat(fields(early)).contains("values.last_name", "values.id_document_number").doesNotContain("values.first_name");

        Map<String, Object> partial = new LinkedHashMap<>(completeKyc());
        partial.remove("nationality");
        partial.remove("address_city");
        KessaiException incomplete = refusal("user-kyc-put", Map.of("user", user, "values", partial));
        assertThat(incomplete.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(fields(incomplete)).containsExactlyInAnyOrder("values.nationality", "values.address_city");
        assertThat(incomplete.getMessage()).contains("values.nationality").contains("required");

        JsonNode saved = call("user-kyc-put", Map.of("user", user, "values", completeKyc()));
        assertThat(saved.path("data").path("values").path("id_document_type").asText()).isEqualTo("passport");
        JsonNode submitted = call("user-kyc-submit", Map.of("user", user));
        assertThat(submitted.path("data").path("status").asText()).isEqualTo("submitted");

        KessaiException locked = refusal("user-kyc-patch", Map.of("user", user, "values", Map.of("occupation", "Engineer")));
        assertThat(locked.code()).isEqualTo(ErrorCode.INVALID_STATE);
        assertThat(locked.providerCode()).isEqualTo("409");
        assertThat(locked.getMessage()).contains("submitted");
        assertThat(refusal("user-kyc-submit", Map.of("user", user)).code()).isEqualTo(ErrorCode.INVALID_STATE);
    }

    @Test
    void itoJapansValidationErrorsComeBackFieldByField() throws Exception {
        call("user-create", Map.of("name", "Hanako", "email", "hanako@example.jp"));
        KessaiException taken = refusal("user-create", Map.of("name", "Hanako 2", "email", "hanako@example.jp"));
        assertThat(taken.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(taken.providerCode()).isEqualTo("422");
        assertThat(taken.errors()).singleElement().satisfies(f -> {
            assertThat(f.field()).isEqualTo("email");
            assertThat(f.code()).isEqualTo("provider_rule");
            assertThat(f.message()).contains("already been taken");
        });

        long user = newUser();
        KessaiException values = refusal("user-kyc-patch", Map.of("user", user, "values",
                Map.of("date_of_birth", "2990-01-01", "nationality", "Japan", "favourite_colour", "blue")));
        assertThat(fields(values)).containsExactlyInAnyOrder("values.date_of_birth", "values.nationality",
                "values.favourite_colour");
    }

    @Test
    void anotherMerchantsUserIsNotFoundAndNamedAsNotOwned() throws Exception {
        api.registerClient("other-merchant", "other-secret");
        String token = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + "/oauth/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=client_credentials&client_id=other-merchant"
                        + "&client_secret=other-secret&scope=")).build(), HttpResponse.BodyHandlers.ofString()).body())
                .path("access_token").asText();
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(sandbox.baseUrl()
                        + ItoJapanMerchantUsersApi.USERS_PATH)).header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"name\":\"Other\",\"email\":\"other@example.jp\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).isEqualTo(201);
        long foreign = JSON.readTree(created.body()).path("data").path("id").asLong();

        for (String operation : List.of("user-balance", "user-transactions", "user-cards", "user-kyc-get", "user-kyc-submit")) {
            KessaiException e = refusal(operation, Map.of("user", foreign));
            assertThat(e.code()).as(operation).isEqualTo(ErrorCode.NOT_FOUND);
            assertThat(e.providerCode()).isEqualTo("403");
            assertThat(e.getMessage()).contains("does not belong to this merchant");
            assertThat(e.errors()).singleElement().satisfies(f -> {
                assertThat(f.field()).isEqualTo("user");
                assertThat(f.code()).isEqualTo("not_owned");
            });
        }
        KessaiException patch = refusal("user-profile-patch", Map.of("user", foreign, "name", "Mine now"));
        assertThat(patch.errors()).extracting(FieldError::code).containsExactly("not_owned");

        KessaiException unknown = refusal("user-balance", Map.of("user", 99999999));
        assertThat(unknown.code()).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(unknown.providerCode()).isEqualTo("404");
        assertThat(unknown.errors()).extracting(FieldError::code).containsExactly("not_found");
    }

    @Test
    void everyArgumentIsCheckedBeforeAnyCallAndTheProblemNamesTheField() {
        int before = api.requests().size();
        assertThat(fields(refusal("user-create", Map.of("email", "taro@example.jp")))).containsExactly("name");
        assertThat(fields(refusal("user-create", Map.of("name", "x".repeat(256), "email", "no-at-sign", "phone", "call me"))))
                .containsExactly("name", "email", "phone");
        assertThat(fields(refusal("user-create", Map.of("name", "Taro", "email", "t@example.jp", "password", "x"))))
                .containsExactly("password");
        assertThat(fields(refusal("user-balance", Map.of()))).containsExactly("user");
        assertThat(fields(refusal("user-balance", Map.of("user", "../../payment/process")))).containsExactly("user");
        assertThat(fields(refusal("user-cards", Map.of("user", -4)))).containsExactly("user");
        assertThat(fields(refusal("user-profile-patch", Map.of("user", 101)))).containsExactly("profile");
        assertThat(fields(refusal("user-profile-patch", Map.of("user", 101, "country", "Japan", "date_of_birth", "01/04/1990"))))
                .containsExactly("date_of_birth", "country");
        assertThat(fields(refusal("user-transactions", Map.of("user", 101, "per_page", 500, "page", 0))))
                .containsExactly("page", "per_page");
        assertThat(fields(refusal("user-kyc-put", Map.of("user", 101)))).containsExactly("values");
        assertThat(fields(refusal("user-kyc-patch", Map.of("user", 101, "values", Map.of())))).containsExactly("values");
        assertThat(fields(refusal("user-kyc-patch", Map.of("user", 101, "values", Map.of("First Name", "Taro",
                "address", Map.of("city", "Tokyo")))))).containsExactlyInAnyOrder("values.First Name", "values.address");
        assertThat(refusal("user-kyc-get", "[1,2]").code()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(api.requests()).as("no call reached ITO-Japan").hasSize(before);
    }

    @Test
    void anExpiredTokenIsRenewedOnceOnA401AndTheCallSucceeds() throws Exception {
        long user = newUser();
        long tokens = tokenRequests();
        long refused = unauthorized();
        api.expireTokens();   // expired at ITO-Japan before Kessai's cache says so (revoked, clocks apart)

        JsonNode balance = call("user-balance", Map.of("user", user));
        assertThat(balance.path("status").asText()).isEqualTo("success");
        assertThat(unauthorized()).as("one 401").isEqualTo(refused + 1);
        assertThat(tokenRequests()).as("one new token").isEqualTo(tokens + 1);

        call("user-cards", Map.of("user", user));
        assertThat(tokenRequests()).as("the new token is cached").isEqualTo(tokens + 1);
    }

    @Test
    void aSecondUnauthorizedSurfacesAsProviderAuthFailed() throws Exception {
        long user = newUser();
        long tokens = tokenRequests();
        long refused = unauthorized();
        api.tokenLifetime(Duration.ZERO);   // every token ITO-Japan issues is already expired
        api.expireTokens();

        KessaiException e = refusal("user-balance", Map.of("user", user));
        assertThat(e.code()).isEqualTo(ErrorCode.PROVIDER_AUTH_FAILED);
        assertThat(e.providerCode()).isEqualTo("401");
        assertThat(e.getMessage()).contains("freshly fetched token");
        assertThat(unauthorized()).as("sent twice: the cached token, then one renewed token").isEqualTo(refused + 2);
        assertThat(tokenRequests()).as("renewed once").isEqualTo(tokens + 1);

        api.tokenLifetime(Duration.ofHours(1));
        assertThat(call("user-balance", Map.of("user", user)).path("status").asText()).isEqualTo("success");
    }

    @Test
    void concurrentCallsAfterAnEarlyExpiryFetchOneNewToken() throws Exception {
        List<Long> users = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            users.add(newUser());
        }
        api.expireTokens();
        long tokens = tokenRequests();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<JsonNode>> calls = new ArrayList<>();
            users.forEach(u -> calls.add(() -> call("user-balance", Map.of("user", u))));
            for (Future<JsonNode> f : pool.invokeAll(calls)) {
                assertThat(f.get().path("status").asText()).isEqualTo("success");
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(tokenRequests()).as("one fetch for every caller that met the 401").isEqualTo(tokens + 1);
    }

    @Test
    void theTokenIsRenewedShortlyBeforeItsExpiresInWithoutA401() throws Exception {
        long user = newUser();
        api.tokenLifetime(Duration.ofSeconds(4));   // renewed after half of it: the margin is at most half
        api.expireTokens();
        call("user-balance", Map.of("user", user));  // renews: a 4-second token
        long tokens = tokenRequests();
        long refused = unauthorized();
        call("user-balance", Map.of("user", user));
        assertThat(tokenRequests()).as("still within its lifetime minus the margin").isEqualTo(tokens);

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
            call("user-balance", Map.of("user", user));
            return tokenRequests() > tokens;
        });
        assertThat(unauthorized()).as("renewed before ITO-Japan refused it").isEqualTo(refused);
    }

    long requestsTo(String method, String path) {
        return api.requests().stream().filter(r -> r.method().equals(method) && r.path().equals(path)).count();
    }

    @Test
    void a429IsSentAgainButACreateWhoseAnswerFailedIsNeitherSentAgainNorCalledFailed() throws Exception {
        long user = newUser();
        String balance = ItoJapanMerchantUsersApi.USERS_PATH + "/" + user + "/balance";
        api.failNext(balance, 429, 1);
        assertThat(call("user-balance", Map.of("user", user)).path("status").asText()).isEqualTo("success");
        assertThat(requestsTo("GET", balance)).as("refused before processing, sent again").isEqualTo(2);

        long creates = requestsTo("POST", ItoJapanMerchantUsersApi.USERS_PATH);
        api.failNext(ItoJapanMerchantUsersApi.USERS_PATH, 500, 1);
        KessaiException lost = refusal("user-create", Map.of("name", "Lost", "email", "lost@example.jp"));
        assertThat(lost.code()).isEqualTo(ErrorCode.PROVIDER_TIMEOUT);
        assertThat(lost.outcomeUnknown()).isTrue();
        assertThat(lost.getMessage()).contains("read the user back");
        assertThat(requestsTo("POST", ItoJapanMerchantUsersApi.USERS_PATH)).as("no idempotency key: sent once")
                .isEqualTo(creates + 1);

        String cards = ItoJapanMerchantUsersApi.USERS_PATH + "/" + user + "/cards";
        api.failNext(cards, 502, 1);
        KessaiException read = refusal("user-cards", Map.of("user", user));
        assertThat(read.code()).as("a failed read changed nothing").isEqualTo(ErrorCode.PROVIDER_ERROR);
        assertThat(read.providerCode()).isEqualTo("502");
    }

    @Test
    void aBusyTokenEndpointIsAskedAgain() throws Exception {
        long user = newUser();
        long tokens = tokenRequests();
        api.expireTokens();
        api.failNext(ItoJapanMerchantUsersApi.TOKEN_PATH, 503, 1);
        assertThat(call("user-balance", Map.of("user", user)).path("status").asText()).isEqualTo("success");
        assertThat(tokenRequests()).isEqualTo(tokens + 2);
    }

    @Test
    void wrongClientCredentialsSurfaceAsProviderAuthFailedWithoutTheSecret() throws Exception {
        long user = newUser();
        api.registerClient(CLIENT_ID, "rotated-at-the-dashboard");
        api.expireTokens();
        KessaiException e = refusal("user-balance", Map.of("user", user));
        assertThat(e.code()).isEqualTo(ErrorCode.PROVIDER_AUTH_FAILED);
        assertThat(e.providerCode()).isEqualTo("invalid_client");
        assertThat(e.getMessage()).contains("/oauth/token").contains("client-secret").doesNotContain(CLIENT_SECRET);
    }

    @Test
    void theTokenAndTheClientSecretReachNeitherTheCallerNorTheLogs() throws Exception {
        long user = newUser();
        try (CapturedLogs logs = CapturedLogs.start("ito-merchant-secrets")) {
            api.expireTokens();
            Exchange answer = template.request("direct:kessai-ito-japan-merchant-user-balance",
                    e -> e.getMessage().setBody(Map.of("user", user)));
            assertThat(answer.getException()).isNull();
            assertThat(answer.getMessage().getHeaders()).doesNotContainKey("Authorization");
            assertThat(answer.getMessage().getHeaders().values()).noneMatch(v -> String.valueOf(v).contains("Bearer"));
            api.registerClient(CLIENT_ID, "wrong");
            api.expireTokens();
            refusal("user-balance", Map.of("user", user));
            List<String> secrets = new ArrayList<>(api.issuedTokens());
            secrets.add(CLIENT_SECRET);
            assertThat(logs.lines()).noneMatch(line -> secrets.stream().anyMatch(line::contains));
        }
    }

    JsonNode kamelet(String name, Object args) throws Exception {
        return JSON.readTree(template.requestBody("kamelet:kessai-ito-japan-merchant-" + name + "-action", args, String.class));
    }

    @Test
    void theKameletActionsCarryEveryMerchantUserOperation() throws Exception {
        long user = userId(kamelet("user-create", "{\"name\":\"Kamelet Taro\",\"email\":\"kamelet@example.jp\"}"));
        assertThat(kamelet("user-profile-patch", Map.of("user", user, "phone", "+81-90-1234-5678"))
                .path("data").path("phone").asText()).isEqualTo("+81-90-1234-5678");
        assertThat(kamelet("user-balance", Map.of("user", user)).path("data").path("balances")).hasSize(3);
        assertThat(kamelet("user-transactions", Map.of("user", user)).path("meta").path("per_page").asInt()).isEqualTo(20);
        assertThat(kamelet("user-cards", Map.of("user", user)).path("data").isArray()).isTrue();
        assertThat(kamelet("user-kyc-get", Map.of("user", user)).path("data").path("status").asText()).isEqualTo("not_started");
        assertThat(kamelet("user-kyc-patch", Map.of("user", user, "values", Map.of("occupation", "Engineer")))
                .path("data").path("status").asText()).isEqualTo("draft");
        assertThat(kamelet("user-kyc-put", Map.of("user", user, "values", completeKyc()))
                .path("data").path("values").has("occupation")).as("PUT replaces the values").isFalse();
        assertThat(kamelet("user-kyc-submit", Map.of("user", user)).path("data").path("status").asText()).isEqualTo("submitted");

        Throwable refused = catchThrowable(() -> kamelet("user-kyc-submit", Map.of("user", user)));
        assertThat(refused.getCause()).isInstanceOfSatisfying(KessaiException.class,
                e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_STATE));
    }
}
