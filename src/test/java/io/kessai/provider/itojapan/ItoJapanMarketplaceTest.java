package io.kessai.provider.itojapan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kessai.model.ErrorCode;
import io.kessai.model.FieldError;
import io.kessai.model.KessaiException;
import io.kessai.sandbox.itojapan.ItoJapanMarketplaceApi;
import io.kessai.sandbox.itojapan.ItoJapanMarketplaceState;
import io.kessai.sandbox.itojapan.ItoJapanSandbox;
import io.kessai.support.KessaiInstance;
import io.kessai.support.TestDatabases;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The ITO-Japan marketplace endpoints an embedding application calls (direct:kessai-ito-japan-marketplace-* and
 * their Kamelets) against the built-in ITO-Japan sandbox, signed (the default; unsigned calls are proven by
 * {@link ItoJapanSettlementPollingFlows}), every refusal naming its field or its reason.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ItoJapanMarketplaceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    KessaiInstance kessai;
    ItoJapanSandbox ito;
    ItoJapanMarketplaceState market;
    String key;
    ProducerTemplate template;

    @BeforeAll
    void start() throws Exception {
        kessai = KessaiInstance.start(TestDatabases.h2(), Map.of("kessai.providers.enabled", "ito-japan",
                "kessai.providers.ito-japan.transfers.enabled", "false"));
        ito = kessai.context().getRegistry().lookupByNameAndType("itoJapanSandbox", ItoJapanSandbox.class);
        market = ito.marketplace();
        key = ito.settings().accessKey();
        template = kessai.context().createProducerTemplate();
        kessai.context().addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                for (String op : List.of("orders", "order", "ship", "settlements", "wallet-deposits")) {
                    from("direct:shop-" + op).to("kamelet:kessai-ito-japan-marketplace-" + op + "-action");
                }
            }
        });
    }

    @AfterAll
    void stop() {
        if (kessai != null) {
            kessai.close();
        }
    }

    JsonNode call(String operation, Object args) throws Exception {
        return JSON.readTree(template.requestBody("direct:kessai-ito-japan-marketplace-" + operation, args, String.class));
    }

    JsonNode viaKamelet(String operation, Object args) throws Exception {
        return JSON.readTree(template.requestBody("direct:shop-" + operation, args, String.class));
    }

    KessaiException refusal(String operation, Object args) {
        Throwable t = catchThrowable(() -> template.requestBody("direct:kessai-ito-japan-marketplace-" + operation, args, String.class));
        assertThat(t).isInstanceOf(CamelExecutionException.class);
        assertThat(t.getCause()).isInstanceOf(KessaiException.class);
        return (KessaiException) t.getCause();
    }

    static List<String> fields(KessaiException e) {
        return e.errors().stream().map(FieldError::field).toList();
    }

    int marketplaceCalls() {
        return ito.marketplaceRequests().size();
    }

    ItoJapanMarketplaceApi.Request lastCall() {
        List<ItoJapanMarketplaceApi.Request> all = ito.marketplaceRequests();
        return all.get(all.size() - 1);
    }

    @Test
    void ordersAreListedFilteredAndReadSignedThroughTheEndpointsAndTheKamelets() throws Exception {
        String paid = market.addOrder(key, "paid", "holding", true, new BigDecimal("1000"), "JPY", "茶碗");
        String refunded = market.addOrder(key, "refunded", "released", true, new BigDecimal("12.50"), "USD", "cup");

        JsonNode page = call("orders", Map.of("status", "paid", "per_page", 50));
        assertThat(page.path("data").findValuesAsText("number")).contains(paid).doesNotContain(refunded);
        assertThat(lastCall().query()).contains("status=paid").contains("per_page=50");
        assertThat(lastCall().signed()).as("signed by default").isTrue();

        JsonNode viaKamelet = viaKamelet("orders", "{\"escrow_status\":\"released\"}");
        assertThat(viaKamelet.path("data").findValuesAsText("number")).containsExactly(refunded);

        JsonNode one = viaKamelet("order", Map.of("number", refunded));
        assertThat(one.path("data").path("amount").decimalValue()).isEqualByComparingTo("12.50");
        assertThat(one.path("data").path("status").asText()).isEqualTo("refunded");
        assertThat(lastCall().signed()).isTrue();
        assertThat(lastCall().method()).isEqualTo("GET");
    }

    @Test
    void shipRegistersTheTrackingOnceAndAShipRepeatedWithTheSameTrackingAnswersTheShippedOrder() throws Exception {
        String order = market.addOrder(key, "paid", "holding", true, new BigDecimal("1000"), "JPY", "茶碗");
        Map<String, Object> ship = Map.of("number", order, "tracking_number", "1234567890", "carrier", "DHL");

        JsonNode shipped = viaKamelet("ship", ship);
        assertThat(shipped.path("data").path("escrow_status").asText()).isEqualTo("shipped");
        assertThat(market.order(order).orElseThrow().trackingNumber()).isEqualTo("1234567890");
        assertThat(lastCall().signed()).isTrue();
        assertThat(lastCall().method()).isEqualTo("POST");

        // the caller did not get the first answer and ships again: the order as shipped, no second shipment
        JsonNode again = call("ship", ship);
        assertThat(again.path("data").path("tracking_number").asText()).isEqualTo("1234567890");
        assertThat(market.order(order).orElseThrow().escrowStatus()).isEqualTo("shipped");

        KessaiException other = refusal("ship", Map.of("number", order, "tracking_number", "999", "carrier", "DHL"));
        assertThat(other.code()).isEqualTo(ErrorCode.INVALID_STATE);
        assertThat(other.getMessage()).contains("already been shipped");
        assertThat(market.order(order).orElseThrow().trackingNumber()).isEqualTo("1234567890");
    }

    @Test
    void shipIsRefusedForAnUnpaidOrderAndForAnotherMerchantsOrder() {
        String unpaid = market.addOrder(key, "pending", "holding", true, new BigDecimal("1000"), "JPY", "茶碗");
        KessaiException notPaid = refusal("ship", Map.of("number", unpaid, "tracking_number", "1", "carrier", "DHL"));
        assertThat(notPaid.code()).isEqualTo(ErrorCode.INVALID_STATE);
        assertThat(notPaid.getMessage()).contains("Only paid orders");

        String otherKey = "another-merchant-" + System.nanoTime();
        market.addMerchant(otherKey, "another-secret");
        String theirs = market.addOrder(otherKey, "paid", "holding", true, new BigDecimal("5"), "USD", "pen");
        KessaiException notMine = refusal("ship", Map.of("number", theirs, "tracking_number", "1", "carrier", "DHL"));
        assertThat(notMine.code()).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(refusal("order", Map.of("number", theirs)).code()).isEqualTo(ErrorCode.NOT_FOUND);
        assertThat(market.order(theirs).orElseThrow().escrowStatus()).isEqualTo("holding");
    }

    @Test
    void everyOperationNamesTheArgumentItRefusesBeforeAnyCall() {
        int before = marketplaceCalls();
        KessaiException orders = refusal("orders", Map.of("status", "shipped"));
        assertThat(orders.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(fields(orders)).containsExactly("status");
        assertThat(fields(refusal("orders", Map.of("per_page", 101)))).containsExactly("per_page");
        assertThat(fields(refusal("order", Map.of()))).containsExactly("number");
        assertThat(fields(refusal("order", Map.of("number", "ORD/../x")))).containsExactly("number");
        KessaiException ship = refusal("ship", Map.of("number", "ORD-ABCDEFGH", "tracking_number", "12 34"));
        assertThat(fields(ship)).containsExactly("tracking_number", "carrier");
        assertThat(ship.getMessage()).doesNotContain("null");
        assertThat(fields(refusal("settlements", Map.of("page", 0)))).containsExactly("page");
        assertThat(fields(refusal("wallet-deposits", Map.of("per_page", "many")))).containsExactly("per_page");
        assertThat(fields(refusal("settlements", Map.of("since", 1)))).containsExactly("since");
        assertThat(marketplaceCalls()).as("nothing was sent to ITO-Japan").isEqualTo(before);
    }

    @Test
    void settlementsAndWalletDepositsAreListedThroughTheKamelets() throws Exception {
        long settlement = market.addSettlement(key, new BigDecimal("10000"), new BigDecimal("500"), "JPY", "processing");
        String deposit = market.addDeposit(key, new BigDecimal("25.00"), "confirmed");

        JsonNode settlements = viaKamelet("settlements", Map.of("per_page", 10));
        assertThat(settlements.path("data").findValuesAsText("id")).contains(Long.toString(settlement));
        assertThat(settlements.path("meta").path("per_page").asInt()).isEqualTo(10);
        JsonNode deposits = viaKamelet("wallet-deposits", "{}");
        assertThat(deposits.path("data").findValuesAsText("tx_hash")).contains(deposit);
        assertThat(lastCall().signed()).isTrue();
    }
}
