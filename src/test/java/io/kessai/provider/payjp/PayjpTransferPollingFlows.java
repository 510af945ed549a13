package io.kessai.provider.payjp;

import com.fasterxml.jackson.databind.JsonNode;
import io.kessai.sandbox.payjp.PayjpSandbox;
import io.kessai.support.EventSink;
import io.kessai.support.KessaiInstance;
import io.kessai.support.TestDatabases;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * PAY.JP transfer polling against a PAY.JP sandbox that outlives Kessai (as the real PAY.JP does), with the canonical
 * events read where a consumer reads them (the HTTP sink of kessai.events.uri). The subclasses run it on H2 and on
 * PostgreSQL.
 */
abstract class PayjpTransferPollingFlows {
    private static final Duration WAIT = Duration.ofSeconds(90);
    PayjpSandbox payjp;
    EventSink sink;
    KessaiInstance kessai;
    TestDatabases.Db db;

    abstract TestDatabases.Db database();

    @BeforeEach
    void start() {
        payjp = new PayjpSandbox(PayjpSandbox.Settings.defaults("sk_test_transfers", "sk_live_pf_transfers")
                .withRateLimit(2000, 2000)).start();
        sink = new EventSink();
        db = database();
    }

    @AfterEach
    void stop() {
        if (kessai != null) {
            kessai.close();
        }
        sink.close();
        payjp.close();
    }

    KessaiInstance startKessai() {
        return startKessai(true);
    }

    KessaiInstance startKessai(boolean polling) {
        Map<String, String> s = new HashMap<>();
        if (!polling) {
            s.put("kessai.providers.payjp.transfers.enabled", "false");
        }
        s.put("kessai.sandbox.enabled", "false");
        s.put("kessai.providers.enabled", "payjp");
        s.put("kessai.providers.payjp.base-url", payjp.apiBase());
        s.put("kessai.providers.payjp.secret-key", "sk_test_transfers");
        s.put("kessai.providers.payjp.platform-key", "sk_live_pf_transfers");
        s.put("kessai.providers.payjp.webhook-token", "whook_transfers");
        s.put("kessai.providers.payjp.transfers.interval-ms", "100");
        s.put("kessai.events.uri", sink.uri());
        return KessaiInstance.start(db, s);
    }

    /** The distinct transfer events (by eventId) the sink received, as transfer id → types in order. */
    Map<String, List<String>> transferEvents() {
        Map<String, List<String>> byTransfer = new HashMap<>();
        Set<String> seen = new java.util.HashSet<>();
        for (JsonNode e : sink.received()) {
            if (e.path("type").asText().startsWith("transfer.") && seen.add(e.path("eventId").asText())) {
                byTransfer.computeIfAbsent(e.path("data").path("id").asText(), k -> new ArrayList<>())
                        .add(e.path("type").asText());
            }
        }
        return byTransfer;
    }

    long platformListCalls() {
        return payjp.requests().stream().filter(r -> r.path().endsWith("/platform/transfers")).count();
    }

    /** Waits until Kessai finished at least two more whole polling runs than it had when called. */
    void awaitTwoMoreRuns() {
        long now = platformListCalls();
        await().atMost(WAIT).until(() -> platformListCalls() >= now + 3);
    }

    @Test
    void aTransferWhoseStatusChangesTwiceIsPublishedOncePerStatus() {
        kessai = startKessai();
        String pf = payjp.createTransfer(Instant.now().minusSeconds(60), 1);
        String tr = payjp.merchantTransferIds(pf).get(0);
        await().atMost(WAIT).until(() -> transferEvents().getOrDefault(tr, List.of()).contains("transfer.pending"));

        payjp.changeTransferStatus(tr, "carried_over");
        await().atMost(WAIT).until(() -> transferEvents().get(tr).contains("transfer.carried_over"));
        payjp.changeTransferStatus(tr, "paid");
        await().atMost(WAIT).until(() -> transferEvents().get(tr).contains("transfer.paid"));
        awaitTwoMoreRuns();

        assertThat(transferEvents().get(tr)).containsExactly("transfer.pending", "transfer.carried_over", "transfer.paid");
        assertThat(transferEvents().get(pf)).containsExactly("transfer.pending");
        JsonNode paid = sink.received().stream().filter(e -> e.path("type").asText().equals("transfer.paid")).findFirst().orElseThrow();
        assertThat(paid.path("provider").asText()).isEqualTo("payjp");
        assertThat(paid.path("source").asText()).isEqualTo("poll");
        assertThat(paid.path("status").asText()).isEqualTo("paid");
        assertThat(paid.path("currency").asText()).isEqualTo("JPY");
        assertThat(paid.path("amount").asText()).isEqualTo("970");
        assertThat(paid.path("data").path("object").asText()).isEqualTo("transfer");
        assertThat(paid.path("data").path("status").asText()).isEqualTo("paid");
        assertThat(paid.path("eventId").asText()).startsWith("evt_");
    }

    /** POSTs the sandbox's stored event to Kessai's /webhooks/payjp with the webhook token, as PAY.JP sends it. */
    void sendWebhook(PayjpSandbox.Event event) {
        KessaiInstance.Answer answer = kessai.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(kessai.baseUrl() + "/webhooks/payjp"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .header("X-Payjp-Webhook-Token", "whook_transfers")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(event.json())).build());
        assertThat(answer.status()).isEqualTo(200);
    }

    PayjpSandbox.Event latestEvent(String type, String objectId) {
        return payjp.events().stream().filter(e -> e.type().equals(type) && e.objectId().equals(objectId))
                .findFirst().orElseThrow();
    }

    @Test
    void aTransferWebhookPublishesTheFetchedStatusOnceAndALaterPollPublishesItNoMore() {
        kessai = startKessai(false);
        String pf = payjp.createTransfer(Instant.now().minusSeconds(60), 1);
        payjp.changeTransferStatus(pf, "paid");
        sendWebhook(latestEvent("transfer.succeeded", pf));
        await().atMost(WAIT).until(() -> transferEvents().containsKey(pf));
        sendWebhook(latestEvent("transfer.succeeded", pf));   // PAY.JP's retry of the same event: a duplicate
        JsonNode paid = sink.received().stream().filter(e -> e.path("data").path("id").asText().equals(pf))
                .findFirst().orElseThrow();
        assertThat(paid.path("type").asText()).isEqualTo("transfer.paid");
        assertThat(paid.path("provider").asText()).isEqualTo("payjp");
        assertThat(paid.path("data").path("status").asText()).isEqualTo("paid");
        assertThat(paid.path("data").has("transfers")).as("merchant transfers are published on their own").isFalse();
        assertThat(payjp.requests()).as("the transfer was fetched from PAY.JP")
                .anyMatch(r -> r.path().endsWith("/platform/transfers/" + pf));

        // the polling now reads the same transfer, paid: nothing more for it
        kessai.close();
        kessai = startKessai(true);
        String tr = payjp.merchantTransferIds(pf).get(0);
        await().atMost(WAIT).until(() -> transferEvents().containsKey(tr));
        awaitTwoMoreRuns();
        assertThat(transferEvents().get(pf)).containsExactly("transfer.paid");

        // a merchant transfer the polling recorded: its webhook publishes its new status, and the polling no more
        kessai.close();
        kessai = startKessai(false);
        payjp.changeTransferStatus(tr, "paid");
        sendWebhook(latestEvent("transfer.succeeded", tr));
        await().atMost(WAIT).until(() -> transferEvents().get(tr).contains("transfer.paid"));
        kessai.close();
        kessai = startKessai(true);
        awaitTwoMoreRuns();
        assertThat(transferEvents().get(tr)).containsExactly("transfer.pending", "transfer.paid");
        assertThat(transferEvents().get(pf)).containsExactly("transfer.paid");
    }

    @Test
    void moreThanAHundredTransfersAreAllReadPageByPage() {
        List<String> platform = payjp.createTransfers(130, Instant.now().minusSeconds(60), Duration.ofSeconds(1));
        String big = payjp.createTransfer(Instant.now().minusSeconds(30), 150);
        Set<String> expected = new TreeSet<>(platform);
        expected.add(big);
        for (String pf : platform) {
            expected.addAll(payjp.merchantTransferIds(pf));
        }
        expected.addAll(payjp.merchantTransferIds(big));
        assertThat(expected).hasSize(130 + 130 + 1 + 150);

        kessai = startKessai();
        await().atMost(WAIT).until(() -> transferEvents().keySet().containsAll(expected));
        awaitTwoMoreRuns();

        Map<String, List<String>> events = transferEvents();
        assertThat(events.keySet()).isEqualTo(expected);
        assertThat(events.values()).allSatisfy(types -> assertThat(types).containsExactly("transfer.pending"));
        assertThat(payjp.requests().stream().filter(r -> r.path().endsWith("/platform/transfers"))
                .map(r -> r.query()).collect(Collectors.toList())).anyMatch(q -> q.contains("offset=100"));
        assertThat(payjp.requests().stream().filter(r -> r.path().endsWith(big + "/transfers"))
                .map(r -> r.query()).collect(Collectors.toList())).anyMatch(q -> q.contains("offset=100"));
    }

    @Test
    void aRestartInTheMiddleOfAPollingRunLosesNothingAndPublishesNothingTwice() {
        payjp.close();
        payjp = new PayjpSandbox(PayjpSandbox.Settings.defaults("sk_test_transfers", "sk_live_pf_transfers")
                .withRateLimit(2000, 2000).withProcessingTime(Duration.ofMillis(40))).start();
        List<String> platform = payjp.createTransfers(150, Instant.now().minusSeconds(60), Duration.ofSeconds(1));
        Set<String> expected = new TreeSet<>(platform);
        for (String pf : platform) {
            expected.addAll(payjp.merchantTransferIds(pf));
        }

        kessai = startKessai();
        await().atMost(WAIT).until(() -> transferEvents().size() >= 20);
        kessai.close();
        kessai = null;
        int publishedBeforeRestart = transferEvents().size();
        assertThat(publishedBeforeRestart).as("the first Kessai stopped in the middle of its run")
                .isBetween(1, expected.size() - 1);

        kessai = startKessai();
        await().atMost(WAIT).until(() -> transferEvents().keySet().containsAll(expected));
        awaitTwoMoreRuns();

        Map<String, List<String>> events = transferEvents();
        assertThat(events.keySet()).isEqualTo(expected);
        assertThat(events.values()).allSatisfy(types -> assertThat(types).containsExactly("transfer.pending"));
    }
}
