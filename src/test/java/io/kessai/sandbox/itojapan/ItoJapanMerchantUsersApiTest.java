package io.kessai.sandbox.itojapan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The ITO-Japan sandbox's merchant OAuth API over plain HTTP: the token endpoint, token expiry, ownership, 422s. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ItoJapanMerchantUsersApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    ItoJapanSandbox sandbox;
    final HttpClient http = HttpClient.newHttpClient();

    record Answer(int status, JsonNode body) {}

    @BeforeAll
    void start() {
        sandbox = new ItoJapanSandbox(ItoJapanSandbox.Settings.defaults("access", "secret")).start();
        sandbox.merchantUsers().registerClient("shop-a", "secret-a").registerClient("shop-b", "secret-b");
    }

    @AfterAll
    void stop() {
        sandbox.close();
    }

    Answer send(HttpRequest.Builder request) throws Exception {
        HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), JSON.readTree(r.body()));
    }

    Answer token(String form) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + "/oauth/token"))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form)));
    }

    String tokenOf(String client, String secret) throws Exception {
        Answer a = token("grant_type=client_credentials&client_id=" + client + "&client_secret=" + secret + "&scope=");
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.body().path("token_type").asText()).isEqualTo("Bearer");
        return a.body().path("access_token").asText();
    }

    Answer users(String method, String path, String token, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + ItoJapanMerchantUsersApi.USERS_PATH + path))
                .header("Accept", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        return send(b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json)));
    }

    @Test
    void theTokenEndpointIssuesExpiringTokensOnlyForTheDocumentsGrantAndARegisteredClient() throws Exception {
        Answer issued = token("grant_type=client_credentials&client_id=shop-a&client_secret=secret-a&scope=");
        assertThat(issued.body().path("expires_in").asLong()).isEqualTo(3600);
        assertThat(issued.body().path("access_token").asText()).hasSizeGreaterThan(40);

        Answer wrongSecret = token("grant_type=client_credentials&client_id=shop-a&client_secret=secret-b&scope=");
        assertThat(wrongSecret.status()).isEqualTo(401);
        assertThat(wrongSecret.body().path("error").asText()).isEqualTo("invalid_client");
        assertThat(token("grant_type=client_credentials&client_id=nobody&client_secret=x").status()).isEqualTo(401);
        Answer grant = token("grant_type=password&client_id=shop-a&client_secret=secret-a");
        assertThat(grant.status()).isEqualTo(400);
        assertThat(grant.body().path("error").asText()).isEqualTo("unsupported_grant_type");
        Answer scope = token("grant_type=client_credentials&client_id=shop-a&client_secret=secret-a&scope=admin");
        assertThat(scope.body().path("error").asText()).isEqualTo("invalid_scope");
        assertThat(send(HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + "/oauth/token")).GET()).status()).isEqualTo(405);
    }

    @Test
    void merchantEndpointsNeedALiveTokenOfTheUsersOwnClient() throws Exception {
        String a = tokenOf("shop-a", "secret-a");
        String b = tokenOf("shop-b", "secret-b");
        Answer created = users("POST", "", a, "{\"name\":\"A's user\",\"email\":\"a-user@example.jp\"}");
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.body().path("status").asText()).isEqualTo("success");
        String id = created.body().path("data").path("id").asText();

        assertThat(users("GET", "/" + id + "/balance", a, null).status()).isEqualTo(200);
        Answer foreign = users("GET", "/" + id + "/balance", b, null);
        assertThat(foreign.status()).isEqualTo(403);
        assertThat(foreign.body().has("data")).isFalse();
        assertThat(users("PATCH", "/" + id + "/profile", b, "{\"name\":\"B\"}").status()).isEqualTo(403);
        assertThat(users("GET", "/424242/balance", a, null).status()).isEqualTo(404);
        assertThat(users("GET", "/" + id + "/balance", null, null).status()).isEqualTo(401);
        assertThat(users("GET", "/" + id + "/balance", "made-up", null).status()).isEqualTo(401);
        assertThat(users("DELETE", "/" + id + "/kyc", a, null).status()).isEqualTo(405);

        sandbox.merchantUsers().tokenLifetime(Duration.ZERO);
        String stillborn = tokenOf("shop-a", "secret-a");
        sandbox.merchantUsers().tokenLifetime(Duration.ofHours(1));
        Answer expired = users("GET", "/" + id + "/balance", stillborn, null);
        assertThat(expired.status()).isEqualTo(401);
        assertThat(expired.body().path("message").asText()).isEqualTo("Unauthenticated.");
        sandbox.merchantUsers().expireTokens();
        assertThat(users("GET", "/" + id + "/balance", a, null).status()).isEqualTo(401);
    }

    @Test
    void validationErrorsAre422FieldByFieldAndASubmittedKycIsLocked() throws Exception {
        String a = tokenOf("shop-a", "secret-a");
        Answer invalid = users("POST", "", a, "{\"email\":\"nope\",\"phone\":\"x\"}");
        assertThat(invalid.status()).isEqualTo(422);
        assertThat(invalid.body().path("message").asText()).isEqualTo("The given data was invalid.");
        assertThat(invalid.body().path("errors").fieldNames()).toIterable().containsExactly("name", "email", "phone");

        String id = users("POST", "", a, "{\"name\":\"K\",\"email\":\"kyc-user@example.jp\"}").body().path("data").path("id").asText();
        Answer incomplete = users("POST", "/" + id + "/kyc/submit", a, null);
        assertThat(incomplete.status()).isEqualTo(422);
        assertThat(incomplete.body().path("errors").has("values.first_name")).isTrue();
        Answer put = users("PUT", "/" + id + "/kyc", a, "{\"values\":{\"first_name\":\"Taro\",\"last_name\":\"Yamada\","
                + "\"date_of_birth\":\"1990-04-01\",\"nationality\":\"JP\",\"address_line1\":\"1-2-3\",\"address_city\":\"Tokyo\","
                + "\"address_postal_code\":\"160-0022\",\"address_country\":\"JP\",\"id_document_type\":\"passport\","
                + "\"id_document_number\":\"TK1\"}}");
        assertThat(put.status()).isEqualTo(200);
        assertThat(users("POST", "/" + id + "/kyc/submit", a, null).body().path("data").path("status").asText()).isEqualTo("submitted");
        Answer locked = users("PATCH", "/" + id + "/kyc", a, "{\"values\":{\"occupation\":\"x\"}}");
        assertThat(locked.status()).isEqualTo(409);
        assertThat(locked.body().path("code").asInt()).isEqualTo(409);
    }
}
