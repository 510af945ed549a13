package io.kessai.provider.itojapan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kessai.sandbox.itojapan.ItoJapanMarketplaceApi;
import io.kessai.sandbox.itojapan.ItoJapanMarketplaceState;
import io.kessai.sandbox.itojapan.ItoJapanSandbox;
import io.kessai.support.EventSink;
import io.kessai.support.KessaiInstance;
import io.kessai.support.TestDatabases;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * ITO-Japan settlement and wallet deposit polling against an ITO-Japan sandbox that outlives Kessai (as the real
 * ITO-Japan does), with the canonical events read where a consumer reads them (the HTTP sink of kessai.events.uri).
 * Kessai here sends its marketplace calls unsigned (marketplace.signed=false), which the sandbox serves as the
 * document says. The subclasses run it on H2 and on PostgreSQL.
 */
abstract class ItoJapanSettlementPollingFlows {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KEY = "51a4bd18-5bc1-4eaa-97b0-c09323398883";
    private static final String SECRET = "ito-polling-secret";
    ItoJapanSandbox ito;
    ItoJapanMarketplaceState market;
    EventSink sink;
    KessaiInstance kessai;
    TestDatabases.Db db;

    abstract TestDatabases.Db database();

    @BeforeEach
    void start() {
        ito = new ItoJapanSandbox(ItoJapanSandbox.Settings.defaults(KEY, SECRET)).start();
        market = ito.marketplace();
        sink = new EventSink();
        db = database();
    }

    @AfterEach
    void stop() {
        if (kessai != null) {
            kessai.close();
        }
        sink.close();
        ito.close();
    }

    KessaiInstance startKessai() {
        Map<String, String> s = new HashMap<>();
        s.put("kessai.sandbox.enabled", "false");
        s.put("kessai.providers.enabled", "ito-japan");
        s.put("kessai.providers.ito-japan.base-url", ito.baseUrl());
        s.put("kessai.providers.ito-japan.access-key", KEY);
        s.put("kessai.providers.ito-japan.secret-key", SECRET);
        s.put("kessai.providers.ito-japan.marketplace.signed", "false");
        s.put("kessai.providers.ito-japan.transfers.interval-ms", "100");
        s.put("kessai.providers.ito-japan.transfers.page-size", "2");
        s.put("kessai.events.uri", sink.uri());
        return KessaiInstance.start(db, s);
    }

    /** The distinct transfer events (by eventId) the sink received, as settlement id or tx_hash → types in order. */
    Map<String, List<String>> transferEvents() {
        Map<String, List<String>> byTransfer = new HashMap<>();
        Set<String> seen = new HashSet<>();
        for (JsonNode e : sink.received()) {
            if (e.path("type").asText().startsWith("transfer.") && seen.add(e.path("eventId").asText())) {
                JsonNode data = e.path("data");
                String id = data.has("tx_hash") ? data.path("tx_hash").asText() : "settlement-" + data.path("id").asText();
                byTransfer.computeIfAbsent(id, k -> new ArrayList<>()).add(e.path("type").asText());
            }
        }
        return byTransfer;
    }

    JsonNode event(String type, String field, String value) {
        return sink.received().stream().filter(e -> e.path("type").asText().equals(type)
                && e.path("data").path(field).asText().equals(value)).findFirst().orElseThrow();
    }

    /** Runs started: each run reads page 1 of the deposits last. */
    long runs() {
        return ito.marketplaceRequests().stream().filter(r -> r.path().endsWith("/wallet/deposits")
                && r.query() != null && r.query().endsWith("&page=1")).count();
    }

    long settlementPagesRead(int page) {
        return ito.marketplaceRequests().stream().filter(r -> r.path().endsWith("/settlements")
                && r.query() != null && r.query().endsWith("&page=" + page)).count();
    }

    /** Waits until Kessai finished at least two more whole polling runs than it had when called. */
    void awaitTwoMoreRuns() {
        long now = runs();
        await().atMost(WAIT).until(() -> runs() >= now + 3);
    }

    @Test
    void eachNewOrChangedSettlementAndDepositIsPublishedOnceAndNoneAgainAfterARestart() throws Exception {
        long s1 = market.addSettlement(KEY, new BigDecimal("10000"), new BigDecimal("500"), "JPY", "pending");
        List<Long> paid = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            paid.add(market.addSettlement(KEY, new BigDecimal("2000"), new BigDecimal("100"), "JPY", "paid"));
        }
        String d1 = market.addDeposit(KEY, new BigDecimal("10.50"), "pending");
        String other = "other-merchant-key";
        market.addMerchant(other, "other-secret");
        market.addSettlement(other, new BigDecimal("1"), new BigDecimal("0"), "USD", "pending");

        kessai = startKessai();
        await().atMost(WAIT).until(() -> transferEvents().keySet().containsAll(List.of("settlement-" + s1, d1))
                && transferEvents().size() == 6);

        market.changeSettlement(s1, "processing");
        market.changeDeposit(d1, "confirmed");
        long s6 = market.addSettlement(KEY, new BigDecimal("12.34"), new BigDecimal("0.34"), "USD", "pending");
        await().atMost(WAIT).until(() -> transferEvents().get("settlement-" + s1).contains("transfer.processing")
                && transferEvents().get(d1).contains("transfer.confirmed")
                && transferEvents().containsKey("settlement-" + s6));
        market.changeSettlement(s1, "paid");
        market.changeDeposit(d1, "granted");
        await().atMost(WAIT).until(() -> transferEvents().get("settlement-" + s1).contains("transfer.paid")
                && transferEvents().get(d1).contains("transfer.granted"));
        awaitTwoMoreRuns();

        // unchanged records publish nothing more; the other merchant's settlement is never seen
        Map<String, List<String>> events = transferEvents();
        assertThat(events).hasSize(7);
        assertThat(events.get("settlement-" + s1)).containsExactly("transfer.pending", "transfer.processing", "transfer.paid");
        assertThat(events.get(d1)).containsExactly("transfer.pending", "transfer.confirmed", "transfer.granted");
        assertThat(events.get("settlement-" + s6)).containsExactly("transfer.pending");
        for (long id : paid) {
            assertThat(events.get("settlement-" + id)).containsExactly("transfer.paid");
        }
        JsonNode settled = event("transfer.paid", "id", Long.toString(s1));
        assertThat(settled.path("provider").asText()).isEqualTo("ito-japan");
        assertThat(settled.path("source").asText()).isEqualTo("poll");
        assertThat(settled.path("status").asText()).isEqualTo("paid");
        assertThat(settled.path("amount").asText()).isEqualTo("9500");
        assertThat(settled.path("currency").asText()).isEqualTo("JPY");
        assertThat(settled.path("data").path("net_amount").decimalValue()).isEqualByComparingTo("9500");
        assertThat(event("transfer.pending", "id", Long.toString(s6)).path("amount").asText()).isEqualTo("12.00");
        JsonNode granted = event("transfer.granted", "tx_hash", d1);
        assertThat(granted.path("currency").asText()).isEqualTo("USDT");
        assertThat(granted.path("amount").asText()).isEqualTo("10.500000");
        assertThat(granted.path("data").path("sgpusd_amount").decimalValue()).isEqualByComparingTo("10.39");

        // in steady state a run reads down to its cursor only: page 1 of the settlements, not the paid ones below
        long deeper = settlementPagesRead(3);
        awaitTwoMoreRuns();
        assertThat(settlementPagesRead(3)).as("page 3 is not read again").isEqualTo(deeper);

        // unsigned calls are served, ship included
        String order = market.addOrder(KEY, "paid", "holding", true, new BigDecimal("3000"), "JPY", "急須");
        JsonNode shipped = JSON.readTree(kessai.context().createProducerTemplate().requestBody(
                "direct:kessai-ito-japan-marketplace-ship",
                Map.of("number", order, "tracking_number", "JP-77", "carrier", "Yamato"), String.class));
        assertThat(shipped.path("data").path("carrier").asText()).isEqualTo("Yamato");
        assertThat(ito.marketplaceRequests()).isNotEmpty().allSatisfy(r -> {
            assertThat(r.signed()).isFalse();
            assertThat(r.status()).isEqualTo(200);
        });

        // a change while Kessai is down is published once after the restart; nothing else is published again
        kessai.close();
        kessai = null;
        market.changeSettlement(s6, "paid");
        kessai = startKessai();
        await().atMost(WAIT).until(() -> transferEvents().get("settlement-" + s6).contains("transfer.paid"));
        awaitTwoMoreRuns();
        Map<String, List<String>> after = transferEvents();
        assertThat(after.get("settlement-" + s6)).containsExactly("transfer.pending", "transfer.paid");
        after.remove("settlement-" + s6);
        events.remove("settlement-" + s6);
        assertThat(after).isEqualTo(events);
        assertThat(ito.marketplaceRequests()).extracting(ItoJapanMarketplaceApi.Request::status).containsOnly(200);
    }
}
