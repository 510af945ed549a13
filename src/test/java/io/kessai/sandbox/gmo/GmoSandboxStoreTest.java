package io.kessai.sandbox.gmo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.store.Database;
import io.kessai.support.TestDatabases;
import java.io.Closeable;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A GMO-PG sandbox made on the store another sandbox kept its state in (memory, or Kessai's tables on H2 and on
 * PostgreSQL) answers as that one would have: an Idempotency-Key replay gets the same answer byte for byte without
 * a second authorization, the inquiry finds the card and the cash order, a capture and a cash payment work; a reset
 * empties the store.
 */
class GmoSandboxStoreTest {
    private static final ObjectMapper M = new ObjectMapper();
    private static final String SHOP_ID = "tshop00000001";
    private static final String SHOP_PASS = "sandbox-pass";
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    /** A store and whatever must be closed after it. */
    private record Store(GmoOrders orders, Closeable resource) {
    }

    private static Store store(String kind) {
        return switch (kind) {
            case "memory" -> new Store(new InMemoryGmoOrders(), () -> { });
            case "h2" -> jdbc(TestDatabases.h2());
            case "postgres" -> jdbc(TestDatabases.postgres());
            default -> throw new IllegalArgumentException(kind);
        };
    }

    private static Store jdbc(TestDatabases.Db db) {
        Database database = new Database(db.url(), db.user(), db.password(), 2);
        return new Store(new JdbcGmoOrders(database.dataSource()), database);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"memory", "h2", "postgres"})
    void aSandboxOnTheSameStoreReplaysKeysAndKnowsTheCardAndCashOrders(String kind) throws Exception {
        Store store = store(kind);
        try (Closeable closeStore = store.resource()) {
            GmoSandbox.Settings settings = GmoSandbox.Settings.defaults(SHOP_ID, SHOP_PASS)
                    .withProcessingTime(Duration.ofMillis(1));
            String cardOrderId = newOrderId();
            String cashOrderId = newOrderId();
            String key = UUID.randomUUID().toString();
            ObjectNode charge = chargeRequest(cardOrderId);
            String firstAnswer;
            String cardAccessId;
            String cashAccessId;
            try (GmoSandbox first = new GmoSandbox(settings, store.orders()).start()) {
                HttpResponse<String> charged = post(first, "/credit/charge", charge, key);
                assertThat(charged.statusCode()).as(charged.body()).isEqualTo(201);
                firstAnswer = charged.body();
                cardAccessId = M.readTree(firstAnswer).path("orderReference").path("accessId").asText();
                HttpResponse<String> cash = post(first, "/cash/charge", konbini(cashOrderId), null);
                assertThat(cash.statusCode()).as(cash.body()).isEqualTo(202);
                cashAccessId = M.readTree(cash.body()).path("orderReference").path("accessId").asText();
            }

            try (GmoSandbox second = new GmoSandbox(settings, store.orders()).start()) {
                HttpResponse<String> replay = post(second, "/credit/charge", charge, key);
                assertThat(replay.statusCode()).isEqualTo(201);
                assertThat(replay.body()).as("the kept answer, byte for byte").isEqualTo(firstAnswer);
                assertThat(second.authorizations(cardOrderId)).isEqualTo(1);
                assertThat(second.authorizations(cashOrderId)).isEqualTo(1);

                JsonNode card = inquiry(second, cardAccessId);
                assertThat(card.path("orderReference").path("status").asText()).isEqualTo("AUTH");
                assertThat(card.path("orderReference").path("amount").asText()).isEqualTo("1000");
                assertThat(card.path("creditResult").path("captureExpiryDateTime").asText()).isNotBlank();
                HttpResponse<String> captured = post(second, "/order/capture",
                        M.createObjectNode().put("accessId", cardAccessId), UUID.randomUUID().toString());
                assertThat(captured.statusCode()).as(captured.body()).isEqualTo(201);
                assertThat(inquiry(second, cardAccessId).path("orderReference").path("status").asText())
                        .isEqualTo("SALES");

                JsonNode cash = inquiry(second, cashAccessId);
                assertThat(cash.path("orderReference").path("status").asText()).isEqualTo("REQSUCCESS");
                assertThat(cash.path("cashResult").path("konbiniPaymentInformation").path("konbiniCode").asText())
                        .isEqualTo("LAWSON");
                second.payCash(cashAccessId);
                assertThat(inquiry(second, cashAccessId).path("orderReference").path("status").asText())
                        .isEqualTo("PAYSUCCESS");

                second.reset();
                assertThat(store.orders().orders()).isEmpty();
                assertThat(store.orders().replies()).isEmpty();
            }
        }
    }

    private JsonNode inquiry(GmoSandbox sandbox, String accessId) throws Exception {
        HttpResponse<String> response = post(sandbox, "/order/inquiry", M.createObjectNode().put("accessId", accessId), null);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return M.readTree(response.body());
    }

    private HttpResponse<String> post(GmoSandbox sandbox, String path, JsonNode body, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(sandbox.baseUrl() + path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString(
                        (SHOP_ID + ":" + SHOP_PASS).getBytes(StandardCharsets.UTF_8)))
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (key != null) {
            b.header("Idempotency-Key", key);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static ObjectNode merchant(ObjectNode request) {
        request.putObject("merchant").put("name", "Kessai Test Shop").put("nameKana", "ケッサイテストショップ")
                .put("nameAlphabet", "Kessai Test Shop").put("nameShort", "Kessai")
                .put("contactName", "Kessai Support").put("contactEmail", "support@kessai.example")
                .put("contactPhone", "03-1234-5678").put("contactOpeningHours", "09:00-18:00");
        return request;
    }

    private static ObjectNode chargeRequest(String orderId) {
        ObjectNode request = merchant(M.createObjectNode());
        request.putObject("order").put("orderId", orderId).put("amount", "1000").put("transactionType", "CIT");
        request.putObject("payer").put("name", "Taro Yamada");
        ObjectNode credit = request.putObject("creditInformation");
        credit.putObject("tokenizedCard").put("type", "MP_TOKEN").put("token", "tok");
        credit.putObject("creditChargeOptions").put("authorizationMode", "AUTH");
        return request;
    }

    private static ObjectNode konbini(String orderId) {
        ObjectNode request = merchant(M.createObjectNode());
        request.putObject("order").put("orderId", orderId).put("amount", "1000").put("transactionType", "CIT");
        ObjectNode payer = request.putObject("payer").put("name", "Taro Yamada").put("nameKana", "ヤマダ　タロウ");
        payer.putArray("phones").addObject().put("type", "MOBILE").put("countryCode", "81").put("number", "090-1234-5678");
        request.putObject("cashInformation").put("cashType", "KONBINI").putObject("cashOptions").put("konbiniCode", "LAWSON");
        return request;
    }

    private static String newOrderId() {
        return "o-" + UUID.randomUUID().toString().replace("-", "").substring(0, 24);
    }
}
