package io.kessai.sandbox.itojapan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ITO-Japan sandbox's Marketplace API and wallet deposit history over plain HTTP: the Bearer key, the optional
 * HMAC headers, each merchant seeing only its own records, the ship rules and the validation answers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ItoJapanMarketplaceSandboxTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "51a4bd18-5bc1-4eaa-97b0-c09323398883";
    private static final String SECRET = "ito-market-secret";
    private static final String OTHER_KEY = "other-merchant-key";

    ItoJapanSandbox sandbox;
    final HttpClient http = HttpClient.newHttpClient();

    record Answer(int status, JsonNode body) {
    }

    @BeforeAll
    void start() {
        sandbox = new ItoJapanSandbox(ItoJapanSandbox.Settings.defaults(KEY, SECRET)).start();
        sandbox.marketplace().addMerchant(OTHER_KEY, "other-secret");
    }

    @AfterAll
    void stop() {
        sandbox.close();
    }

    Answer send(String method, String path, String key, String body, String timestamp, String signature) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + path))
                .header("Accept", "application/json");
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        if (timestamp != null) {
            b.header("X-Timestamp", timestamp);
        }
        if (signature != null) {
            b.header("X-Signature", signature);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(r.statusCode(), JSON.readTree(r.body()));
    }

    Answer signed(String method, String path, String body, long timestamp, String secret) throws Exception {
        String ts = Long.toString(timestamp);
        byte[] bytes = (body == null ? "" : body).getBytes(StandardCharsets.UTF_8);
        return send(method, path, KEY, body, ts, ItoJapanSandbox.hmacHex(secret, ts, bytes));
    }

    @Test
    void everyMarketplaceCallNeedsTheBearerKeyAndASignatureIsCheckedOnlyWhenOneIsSent() throws Exception {
        assertThat(send("GET", "/api/merchant/orders", null, null, null, null).status()).isEqualTo(401);
        Answer wrongKey = send("GET", "/api/merchant/settlements", "nope", null, null, null);
        assertThat(wrongKey.status()).isEqualTo(401);
        assertThat(wrongKey.body().path("message").asText()).isEqualTo("Invalid API credentials.");

        assertThat(send("GET", "/api/merchant/orders", KEY, null, null, null).status()).isEqualTo(200);
        long now = Instant.now().getEpochSecond();
        assertThat(signed("GET", "/api/merchant/orders", null, now, SECRET).status()).isEqualTo(200);
        assertThat(signed("GET", "/api/merchant/orders", null, now, "forged").body().path("message").asText())
                .isEqualTo("Invalid signature.");
        Answer stale = signed("GET", "/api/merchant/orders", null, now - 301, SECRET);
        assertThat(stale.status()).isEqualTo(401);
        assertThat(stale.body().path("message").asText()).contains("outside the allowed window");
        assertThat(send("GET", "/api/merchant/orders", KEY, null, Long.toString(now), null).status())
                .as("a timestamp without a signature").isEqualTo(401);
        assertThat(sandbox.marketplaceRequests()).anyMatch(r -> r.signed() && r.status() == 200)
                .anyMatch(r -> !r.signed() && r.status() == 200);
    }

    @Test
    void shipRegistersTheTrackingOfTheMerchantsOwnPaidHeldOrderOnly() throws Exception {
        String mine = sandbox.marketplace().addOrder(KEY, "paid", "holding", true, new BigDecimal("1000"), "JPY", "本");
        String theirs = sandbox.marketplace().addOrder(OTHER_KEY, "paid", "holding", true, new BigDecimal("5"), "USD", "pen");
        String unpaid = sandbox.marketplace().addOrder(KEY, "pending", "holding", true, new BigDecimal("1000"), "JPY", "本");
        String digital = sandbox.marketplace().addOrder(KEY, "paid", "holding", false, new BigDecimal("300"), "JPY", "ebook");
        String body = "{\"tracking_number\":\"1234567890\",\"carrier\":\"DHL\"}";
        long now = Instant.now().getEpochSecond();

        Answer missing = signed("POST", "/api/merchant/orders/" + mine + "/ship", "{\"carrier\":\"\"}", now, SECRET);
        assertThat(missing.status()).isEqualTo(422);
        assertThat(missing.body().path("errors").path("tracking_number").get(0).asText()).contains("required");
        assertThat(missing.body().path("errors").path("carrier").get(0).asText()).contains("required");

        assertThat(signed("POST", "/api/merchant/orders/" + theirs + "/ship", body, now, SECRET).status())
                .as("another merchant's order is not found").isEqualTo(404);
        assertThat(send("GET", "/api/merchant/orders/" + theirs, KEY, null, null, null).status()).isEqualTo(404);
        assertThat(signed("POST", "/api/merchant/orders/" + unpaid + "/ship", body, now, SECRET).status()).isEqualTo(409);
        assertThat(signed("POST", "/api/merchant/orders/" + digital + "/ship", body, now, SECRET).status()).isEqualTo(409);

        Answer shipped = signed("POST", "/api/merchant/orders/" + mine + "/ship", body, now, SECRET);
        assertThat(shipped.status()).isEqualTo(200);
        assertThat(shipped.body().path("data").path("escrow_status").asText()).isEqualTo("shipped");
        assertThat(shipped.body().path("data").path("tracking_number").asText()).isEqualTo("1234567890");
        assertThat(shipped.body().path("data").path("carrier").asText()).isEqualTo("DHL");
        assertThat(signed("POST", "/api/merchant/orders/" + mine + "/ship", body, now, SECRET).status())
                .as("shipped once").isEqualTo(409);

        Answer list = send("GET", "/api/merchant/orders?escrow_status=shipped", KEY, null, null, null);
        assertThat(list.body().path("data").findValuesAsText("number")).containsExactly(mine);
        Answer bad = send("GET", "/api/merchant/orders?status=shipped&per_page=101", KEY, null, null, null);
        assertThat(bad.status()).isEqualTo(422);
        assertThat(bad.body().path("errors").has("status")).isTrue();
        assertThat(bad.body().path("errors").has("per_page")).isTrue();
    }

    @Test
    void settlementsAndDepositsArePagedNewestFirstWithTheDocumentsDepositFields() throws Exception {
        ItoJapanSandbox own = new ItoJapanSandbox(ItoJapanSandbox.Settings.defaults("k2", "s2")).start();
        try {
            long first = own.marketplace().addSettlement("k2", new BigDecimal("10000"), new BigDecimal("500"), "JPY", "pending");
            long second = own.marketplace().addSettlement("k2", new BigDecimal("20000"), new BigDecimal("1000"), "JPY", "paid");
            String tx = own.marketplace().addDeposit("k2", new BigDecimal("10.50"), "pending");
            own.marketplace().changeDeposit(tx, "granted");
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(own.baseUrl()
                    + "/api/merchant/settlements?per_page=1&page=2")).header("Authorization", "Bearer k2").build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode p = JSON.readTree(page.body());
            assertThat(p.path("data").get(0).path("id").asLong()).isEqualTo(first);
            assertThat(p.path("meta").path("last_page").asInt()).isEqualTo(2);
            assertThat(p.path("meta").path("total").asInt()).isEqualTo(2);
            assertThat(second).isGreaterThan(first);

            JsonNode deposits = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(own.baseUrl()
                    + "/api/merchant/wallet/deposits")).header("Authorization", "Bearer k2").build(),
                    HttpResponse.BodyHandlers.ofString()).body());
            JsonNode d = deposits.path("data").get(0);
            assertThat(d.path("tx_hash").asText()).isEqualTo(tx);
            assertThat(d.path("status").asText()).isEqualTo("granted");
            assertThat(d.path("usdt_amount").decimalValue()).isEqualByComparingTo("10.50");
            assertThat(d.path("fee_amount").decimalValue()).isEqualByComparingTo("0.11");
            assertThat(d.path("sgpusd_amount").decimalValue()).isEqualByComparingTo("10.39");
            assertThat(d.path("confirmed_at").asText()).isNotEmpty();
            assertThat(d.path("etherscan_url").asText()).endsWith(tx);
            assertThat(iterator(d)).containsExactlyInAnyOrder("tx_hash", "from_address", "to_address", "usdt_amount",
                    "sgpusd_amount", "fee_amount", "status", "etherscan_url", "confirmed_at");
        } finally {
            own.close();
        }
    }

    private static java.util.List<String> iterator(JsonNode n) {
        java.util.List<String> names = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
