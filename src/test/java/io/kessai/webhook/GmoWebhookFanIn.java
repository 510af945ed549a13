package io.kessai.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.events.OutboxEvent;
import io.kessai.sandbox.gmo.GmoSandbox;
import io.kessai.store.PaymentStore.TransitionRow;
import io.kessai.support.EventSink;
import io.kessai.support.KessaiInstance;
import io.kessai.support.KessaiInstance.Answer;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The webhook fan-in of contract section 6 with GMO cash payments (konbini, bank transfer), proved through
 * the public doors: POST /payments, the GMO sandbox's CASH_PAID webhook or a test's own POST
 * /webhooks/gmo-pg, GET /payments and the canonical events an {@link EventSink} receives. The subclasses
 * run the same behaviour on H2 and on PostgreSQL.
 *
 * <p>The shared Kessai talks to a GMO sandbox started here (webhook retries every 100 ms). Its janitor waits
 * an hour before polling, so that every change below comes through the webhook.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class GmoWebhookFanIn {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String TIME = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?\\+09:00";
    private static final Duration RETRY = Duration.ofMillis(100);

    TestDatabases.Db db;
    GmoSandbox gmo;
    EventSink sink;
    KessaiInstance kessai;

    abstract TestDatabases.Db database();

    @BeforeAll
    void start() {
        db = database();
        gmo = sandbox();
        sink = new EventSink();
        kessai = KessaiInstance.startWith(gmo, db, Map.of(
                "kessai.events.uri", sink.uri(),
                "kessai.janitor.schedule", "1h",
                "kessai.webhooks.max-body-bytes", "2048"));
    }

    @AfterAll
    void stop() {
        if (kessai != null) {
            kessai.close();
        }
        if (gmo != null) {
            gmo.close();
        }
        if (sink != null) {
            sink.close();
        }
    }

    @BeforeEach
    void resetUpstreamAndSink() {
        gmo.reset();
        sink.down(false);
        sink.refuseNext(0);
    }

    // ---- 1. offline payments paid by webhook ---------------------------------------------------------

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"konbini, LAWSON, KONBINI", "bank_transfer, GMO_AOZORA, BANK_TRANSFER_GMO_AOZORA"})
    void offlinePaymentAwaitsTheCustomerThenTheCashPaidWebhookCapturesItWithThreeOrderedEvents(
            String type, String brand, String cashType) {
        Answer created = pay(kessai, type, brand);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.text("status")).isEqualTo("requires_action");
        assertThat(created.text("provider")).isEqualTo("gmo-pg");
        JsonNode action = created.json().path("nextAction");
        assertThat(action.path("type").asText()).isEqualTo("pay_offline");
        JsonNode details = action.path("details");
        assertThat(details.path("cashType").asText()).isEqualTo(cashType);
        if (type.equals("konbini")) {
            assertThat(details.path("konbiniCode").asText()).isEqualTo("LAWSON");
            assertThat(details.path("confirmationNumber").asText()).matches("\\d+");
            assertThat(details.path("receiptNumber").asText()).matches("\\d+");
            // LAWSON's default payment period: 7 days, until 23:59:59 JST of the last day
            assertThat(details.path("deadline").asText()).matches("\\d{4}-\\d\\d-\\d\\dT23:59:59\\+09:00");
        } else {
            assertThat(details.path("bankCode").asText()).isEqualTo("0310");
            assertThat(details.path("branchCode").asText()).isNotBlank();
            assertThat(details.path("accountNumber").asText()).matches("\\d+");
            assertThat(details.path("accountHolderName").asText()).isNotBlank();
            // a GMO Aozora virtual account has no payment deadline
            assertThat(details.has("deadline")).isTrue();
            assertThat(details.path("deadline").isNull()).isTrue();
        }
        String id = created.text("paymentId");
        String accessId = accessId(created);
        assertThat(kessai.get("/payments/" + id).json().path("nextAction")).isEqualTo(action);

        gmo.payCash(accessId);

        awaitStatus(kessai, id, "captured");
        Answer captured = kessai.get("/payments/" + id);
        assertThat(captured.text("capturedAmount")).isEqualTo("1000");
        assertThat(captured.json().path("nextAction").isMissingNode() || captured.json().path("nextAction").isNull())
                .isTrue();
        await().atMost(WAIT).until(() -> !gmo.webhookDeliveries().isEmpty());
        assertThat(gmo.webhookDeliveries()).extracting(GmoSandbox.WebhookDelivery::status).containsExactly(200);

        List<JsonNode> events = awaitEvents(sink, id, 3);
        assertThat(events).extracting(e -> e.path("type").asText())
                .containsExactly("payment.pending", "payment.requires_action", "payment.captured");
        for (JsonNode e : events) {
            assertThat(e.path("eventId").asText()).matches("evt_[0-9A-Z]{26}");
            assertThat(e.path("provider").asText()).isEqualTo("gmo-pg");
            assertThat(e.path("paymentId").asText()).isEqualTo(id);
            assertThat(e.path("orderId").asText()).isEqualTo(created.text("orderId"));
            assertThat(e.path("status").asText()).isEqualTo(e.path("type").asText().substring("payment.".length()));
            assertThat(e.path("amount").asText()).isEqualTo("1000");
            assertThat(e.path("currency").asText()).isEqualTo("JPY");
            assertThat(e.path("occurredAt").asText()).matches(TIME);
            assertThat(e.path("receivedAt").asText()).matches(TIME);
        }
        assertThat(events).extracting(e -> e.path("eventId").asText()).doesNotHaveDuplicates();
        assertThat(events.subList(0, 2)).allSatisfy(e -> {
            assertThat(e.path("source").asText()).isEqualTo("api");
            assertThat(e.path("providerEventId").isNull()).isTrue();
        });
        JsonNode last = events.get(2);
        assertThat(last.path("source").asText()).isEqualTo("webhook");
        assertThat(last.path("providerEventId").asText()).isEqualTo(accessId + ":CASH_PAID");
        assertThat(last.path("data").path("capturedAmount").asText()).isEqualTo("1000");
        assertThat(last.path("data").path("providerStatus").asText()).isEqualTo("PAYSUCCESS");
        assertThat(OffsetDateTime.parse(last.path("receivedAt").asText()))
                .isBeforeOrEqualTo(OffsetDateTime.parse(last.path("occurredAt").asText()));
        // what the consumer received is what was written with the status change, byte for byte
        List<OutboxEvent> outbox = kessai.outbox().events(id);
        assertThat(events).extracting(e -> e.path("eventId").asText())
                .containsExactlyElementsOf(outbox.stream().map(OutboxEvent::eventId).toList());
        for (int i = 0; i < outbox.size(); i++) {
            assertThat(events.get(i)).isEqualTo(json(outbox.get(i).payload()));
        }
    }

    // ---- 2. outbox across a restart --------------------------------------------------------------------

    @Test
    void eventsOfAnAcceptedWebhookNotYetDeliveredWhenKessaiStopsAreDeliveredAfterRestartWithTheSameEventIds() {
        TestDatabases.Db sameDb = database();
        Map<String, String> settings;
        List<OutboxEvent> before;
        String id;
        try (EventSink downSink = new EventSink()) {
            downSink.down(true);
            settings = Map.of("kessai.events.uri", downSink.uri(), "kessai.janitor.schedule", "1h");
            try (KessaiInstance a = KessaiInstance.startWith(gmo, sameDb, settings)) {
                Answer created = pay(a, "konbini", "LAWSON");
                id = created.text("paymentId");
                gmo.payCash(accessId(created));
                String paymentId = id;
                // The webhook was accepted and applied (payment.captured is in the outbox), and the relay has
                // tried and failed: it holds the payment's oldest event back, and with it the later ones.
                await().atMost(WAIT).until(() -> {
                    List<OutboxEvent> rows = a.outbox().events(paymentId);
                    return rows.size() == 3 && rows.get(2).type().equals("payment.captured")
                            && rows.get(0).attempts() >= 1;
                });
                before = a.outbox().events(id);
                assertThat(a.get("/payments/" + id).text("status")).isEqualTo("captured");
                assertThat(downSink.received()).isEmpty();
                assertThat(downSink.refused()).isGreaterThanOrEqualTo(1);
                assertThat(before.get(2).attempts()).isZero();
            }
            // Kessai A is gone; Kessai B on the same database, the consumer is back.
            downSink.down(false);
            try (KessaiInstance b = KessaiInstance.startWith(gmo, sameDb, settings)) {
                awaitEvents(downSink, id, 3);
                String paymentId = id;
                await().during(Duration.ofMillis(400)).atMost(WAIT)
                        .until(() -> downSink.receivedFor(paymentId).size() == 3);
                List<JsonNode> received = downSink.receivedFor(id);
                assertThat(received).extracting(e -> e.path("type").asText())
                        .containsExactly("payment.pending", "payment.requires_action", "payment.captured");
                assertThat(received).extracting(e -> e.path("eventId").asText())
                        .containsExactlyElementsOf(before.stream().map(OutboxEvent::eventId).toList());
                assertThat(received.get(2).path("source").asText()).isEqualTo("webhook");
                assertThat(b.outbox().events(id)).extracting(OutboxEvent::eventId)
                        .containsExactlyElementsOf(before.stream().map(OutboxEvent::eventId).toList());
                assertThat(b.get("/payments/" + id).text("status")).isEqualTo("captured");
            }
        }
    }

    // ---- 3. concurrent duplicates ---------------------------------------------------------------------

    @Test
    void fiftyConcurrentCopiesOfOneWebhookAreAllAcceptedAndCaptureThePaymentOnce() throws Exception {
        Answer created = pay(kessai, "konbini", "FAMILYMART");
        String id = created.text("paymentId");
        String accessId = accessId(created);
        String body = cashPaid(accessId, kessai.store().find(id).orElseThrow().csrfToken());

        gmo.payCash(accessId);   // the provider's own copy, racing with ours
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Answer>> answers = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                answers.add(pool.submit(() -> {
                    go.await();
                    return kessai.webhook("gmo-pg", body);
                }));
            }
            go.countDown();
            for (Future<Answer> f : answers) {
                Answer a = f.get();
                assertThat(a.status()).as(a.body()).isEqualTo(200);
                assertThat(a.json().path("received").asBoolean()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }

        awaitStatus(kessai, id, "captured");
        await().atMost(WAIT).until(() -> gmo.webhookDeliveries().size() == 1);
        assertThat(gmo.webhookDeliveries().get(0).status()).isEqualTo(200);
        await().atMost(WAIT).until(() -> inboxUnprocessed(accessId) == 0);
        assertThat(inboxRows(accessId)).isEqualTo(1);
        awaitEvents(sink, id, 3);
        await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> sink.receivedFor(id).size() == 3);
        assertThat(kessai.store().transitions(id)).filteredOn(t -> t.to().equals("captured"))
                .extracting(TransitionRow::applied, TransitionRow::source).containsExactly(
                        org.assertj.core.groups.Tuple.tuple(true, "webhook"));
        assertThat(kessai.outbox().events(id)).extracting(OutboxEvent::type)
                .containsExactly("payment.pending", "payment.requires_action", "payment.captured");
        assertThat(sink.receivedFor(id)).filteredOn(e -> e.path("type").asText().equals("payment.captured"))
                .hasSize(1);
    }

    // ---- 4. forged, malformed, too large, contradicted ----------------------------------------------------

    @Test
    void forgedMalformedOversizedOrMisaddressedWebhooksAreRefusedAndChangeNothing() {
        Answer created = pay(kessai, "konbini", "LAWSON");
        String id = created.text("paymentId");
        String accessId = accessId(created);
        String csrf = kessai.store().find(id).orElseThrow().csrfToken();
        awaitEvents(sink, id, 2);
        int inboxBefore = kessai.inbox().count("gmo-pg");
        List<TransitionRow> transitionsBefore = kessai.store().transitions(id);

        assertRefused(kessai.webhook("gmo-pg", cashPaid(accessId, "not-the-token")), 401, "unauthorized");
        assertRefused(kessai.webhook("gmo-pg", "{\"accessId\":\"" + accessId + "\",\"event\":\"CASH_PAID\"}"),
                401, "unauthorized");
        assertRefused(kessai.webhook("gmo-pg", cashPaid("0123456789abcdef0123456789abcdef", csrf)), 401,
                "unauthorized");
        assertRefused(kessai.webhook("gmo-pg", "{\"event\":\"CASH_PAID\",\"csrfToken\":\"" + csrf + "\"}"),
                400, "invalid_request");
        assertRefused(kessai.webhook("gmo-pg", "{\"accessId\":\"" + accessId + "\",\"csrfToken\":\"" + csrf + "\"}"),
                400, "invalid_request");
        assertRefused(kessai.webhook("gmo-pg", cashPaid("not-an-access-id", csrf)), 400, "invalid_request");
        assertRefused(kessai.webhook("gmo-pg", "{\"accessId\":\"" + accessId + "\","), 400, "invalid_request");
        assertRefused(kessai.webhook("gmo-pg", "[]"), 400, "invalid_request");
        assertRefused(kessai.webhook("gmo-pg", ""), 400, "invalid_request");
        assertRefused(kessai.webhook("nope", cashPaid(accessId, csrf)), 404, "not_found");
        String oversized = "{\"accessId\":\"" + accessId + "\",\"event\":\"CASH_PAID\",\"csrfToken\":\"" + csrf
                + "\",\"padding\":\"" + "x".repeat(2048) + "\"}";
        assertRefused(kessai.webhook("gmo-pg", oversized), 413, "payload_too_large");

        assertThat(kessai.inbox().count("gmo-pg")).isEqualTo(inboxBefore);
        assertThat(inboxRows(accessId)).isZero();
        await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> sink.receivedFor(id).size() == 2);
        assertThat(kessai.get("/payments/" + id).text("status")).isEqualTo("requires_action");
        assertThat(kessai.store().transitions(id)).isEqualTo(transitionsBefore);
        assertThat(kessai.outbox().events(id)).hasSize(2);
    }

    @Test
    void aWebhookWhoseClaimTheProviderContradictsIsStoredAndAnsweredButChangesNothing() {
        Answer created = pay(kessai, "konbini", "LAWSON");
        String id = created.text("paymentId");
        String accessId = accessId(created);
        awaitEvents(sink, id, 2);
        List<TransitionRow> transitionsBefore = kessai.store().transitions(id);

        // right accessId and csrfToken, but the customer has not paid: GMO's inquiry still says REQSUCCESS
        Answer answer = kessai.webhook("gmo-pg", cashPaid(accessId, kessai.store().find(id).orElseThrow().csrfToken()));

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(inboxRows(accessId)).isEqualTo(1);
        await().atMost(WAIT).until(() -> inboxTried(accessId) == 1);   // confirmed with GMO's inquiry
        assertThat(kessai.get("/payments/" + id).text("status")).isEqualTo("requires_action");
        assertThat(kessai.store().transitions(id)).isEqualTo(transitionsBefore);
        assertThat(kessai.outbox().events(id)).hasSize(2);
        await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> sink.receivedFor(id).size() == 2);
    }

    @Test
    void theGenuineCashPaidWebhookAfterAContradictedOneStillCapturesThePayment() {
        Answer created = pay(kessai, "konbini", "LAWSON");
        String id = created.text("paymentId");
        String accessId = accessId(created);
        assertThat(kessai.webhook("gmo-pg", cashPaid(accessId, kessai.store().find(id).orElseThrow().csrfToken()))
                .status()).isEqualTo(200);
        await().atMost(WAIT).until(() -> inboxTried(accessId) == 1);

        gmo.payCash(accessId);

        await().atMost(WAIT).until(() -> gmo.webhookDeliveries().size() == 1);
        awaitStatus(kessai, id, "captured");
        assertThat(awaitEvents(sink, id, 3).get(2).path("source").asText()).isEqualTo("webhook");
    }

    // ---- 5. late and repeated notices -------------------------------------------------------------------

    /**
     * A bank transfer into a GMO Aozora virtual account, because it has no payment deadline: the janitor
     * gives up on it at {@code kessai.janitor.max-age}. (A konbini payment carries GMO's payment deadline,
     * 7 days by default, and the janitor waits for that deadline instead of the maximum age.)
     */
    @Test
    void aCashPaidNoticeForAPaymentKessaiAlreadyExpiredIsRecordedAsNotAppliedAndPublishesNothing() {
        try (EventSink ownSink = new EventSink();
             KessaiInstance expiring = KessaiInstance.start(database(), Map.of(
                     "kessai.events.uri", ownSink.uri(),
                     "kessai.janitor.max-age", "300ms",
                     "kessai.janitor.schedule", "100ms"))) {
            Answer created = pay(expiring, "bank_transfer", "GMO_AOZORA");
            assertThat(created.text("status")).isEqualTo("requires_action");
            String id = created.text("paymentId");
            String accessId = accessId(created);

            awaitStatus(expiring, id, "expired");
            List<JsonNode> events = awaitEvents(ownSink, id, 3);
            assertThat(events).extracting(e -> e.path("type").asText())
                    .containsExactly("payment.pending", "payment.requires_action", "payment.expired");
            assertThat(events.get(2).path("source").asText()).isEqualTo("poll");

            GmoSandbox upstream = expiring.gmoSandbox();
            upstream.payCash(accessId);

            await().atMost(WAIT).until(() -> upstream.webhookDeliveries().size() == 1);
            assertThat(upstream.webhookDeliveries().get(0).status()).isEqualTo(200);
            await().atMost(WAIT).until(() -> expiring.store().transitions(id).stream()
                    .anyMatch(t -> t.to().equals("captured")));
            assertThat(expiring.store().transitions(id)).filteredOn(t -> t.to().equals("captured"))
                    .singleElement().satisfies(t -> {
                        assertThat(t.applied()).isFalse();
                        assertThat(t.from()).isEqualTo("expired");
                        assertThat(t.source()).isEqualTo("webhook");
                        assertThat(t.providerStatus()).isEqualTo("PAYSUCCESS");
                    });
            Answer after = expiring.get("/payments/" + id);
            assertThat(after.text("status")).isEqualTo("expired");
            assertThat(after.text("capturedAmount")).isEqualTo("0");
            assertThat(expiring.outbox().events(id)).extracting(OutboxEvent::type)
                    .containsExactly("payment.pending", "payment.requires_action", "payment.expired");
            await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> ownSink.receivedFor(id).size() == 3);
        }
    }

    @Test
    void aRepeatedWebhookAfterCaptureIsAnsweredButChangesAndPublishesNothing() {
        Answer created = pay(kessai, "konbini", "MINISTOP");
        String id = created.text("paymentId");
        String accessId = accessId(created);
        gmo.payCash(accessId);
        awaitStatus(kessai, id, "captured");
        awaitEvents(sink, id, 3);
        await().atMost(WAIT).until(() -> inboxUnprocessed(accessId) == 0);
        List<TransitionRow> transitionsBefore = kessai.store().transitions(id);

        gmo.resendWebhook(accessId);
        Answer ours = kessai.webhook("gmo-pg", cashPaid(accessId, kessai.store().find(id).orElseThrow().csrfToken()));

        assertThat(ours.status()).isEqualTo(200);
        assertThat(ours.json().path("duplicate").asBoolean()).isTrue();
        await().atMost(WAIT).until(() -> gmo.webhookDeliveries().size() == 2);
        assertThat(gmo.webhookDeliveries()).extracting(GmoSandbox.WebhookDelivery::attempt,
                GmoSandbox.WebhookDelivery::status).containsExactly(
                org.assertj.core.groups.Tuple.tuple(1, 200), org.assertj.core.groups.Tuple.tuple(1, 200));
        assertThat(inboxRows(accessId)).isEqualTo(1);
        await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> sink.receivedFor(id).size() == 3);
        assertThat(kessai.store().transitions(id)).isEqualTo(transitionsBefore);
        assertThat(kessai.outbox().events(id)).hasSize(3);
        assertThat(kessai.get("/payments/" + id).text("status")).isEqualTo("captured");
    }

    // ---- 6. store down ------------------------------------------------------------------------------------

    @Test
    void aWebhookTheInboxCannotStoreIsAnswered503AndTheProvidersRetryCapturesThePayment() throws SQLException {
        Answer created = pay(kessai, "konbini", "SEVEN_ELEVEN");
        String id = created.text("paymentId");
        String accessId = accessId(created);
        String body = cashPaid(accessId, kessai.store().find(id).orElseThrow().csrfToken());
        boolean broken = false;
        try {
            sql("ALTER TABLE webhook_inbox RENAME TO webhook_inbox_off");
            broken = true;

            assertRefused(kessai.webhook("gmo-pg", body), 503, "store_unavailable");
            gmo.payCash(accessId);
            await().atMost(WAIT).pollInterval(Duration.ofMillis(5))
                    .until(() -> gmo.webhookDeliveries().stream().anyMatch(d -> d.status() == 503));
            assertThat(kessai.get("/payments/" + id).text("status")).isEqualTo("requires_action");
        } finally {
            if (broken) {
                sql("ALTER TABLE webhook_inbox_off RENAME TO webhook_inbox");
            }
        }

        awaitStatus(kessai, id, "captured");
        await().atMost(WAIT).until(() -> gmo.webhookDeliveries().stream().anyMatch(d -> d.status() == 200));
        List<GmoSandbox.WebhookDelivery> deliveries = gmo.webhookDeliveries();
        assertThat(deliveries.get(0).status()).isEqualTo(503);
        assertThat(deliveries.get(deliveries.size() - 1).status()).isEqualTo(200);
        assertThat(deliveries).filteredOn(d -> d.status() == 200).hasSize(1);
        assertThat(inboxRows(accessId)).isEqualTo(1);
        List<JsonNode> events = awaitEvents(sink, id, 3);
        assertThat(events.get(2).path("type").asText()).isEqualTo("payment.captured");
        assertThat(events.get(2).path("source").asText()).isEqualTo("webhook");
    }

    // ---- 7. event delivery retries ------------------------------------------------------------------------

    @Test
    void refusedEventDeliveriesAreRetriedInOrderWithUnchangedEventIds() {
        await().atMost(WAIT).until(() -> undeliveredEvents() == 0);   // nothing else takes the refusals
        int refusedBefore = sink.refused();
        sink.refuseNext(3);

        Answer created = pay(kessai, "konbini", "LAWSON");
        String id = created.text("paymentId");
        gmo.payCash(accessId(created));

        awaitStatus(kessai, id, "captured");
        List<JsonNode> events = awaitEvents(sink, id, 3);
        await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> sink.receivedFor(id).size() == 3);
        assertThat(sink.refused() - refusedBefore).isEqualTo(3);
        assertThat(events).extracting(e -> e.path("type").asText())
                .containsExactly("payment.pending", "payment.requires_action", "payment.captured");
        // the relay records each delivery right after the sink answered it
        await().atMost(WAIT).until(() -> kessai.outbox().events(id).stream().allMatch(e -> e.attempts() > 0));
        List<OutboxEvent> outbox = kessai.outbox().events(id);
        assertThat(events).extracting(e -> e.path("eventId").asText())
                .containsExactlyElementsOf(outbox.stream().map(OutboxEvent::eventId).toList());
        // the first event took the refusals and held the others back until it was delivered
        assertThat(outbox.get(0).attempts()).isGreaterThan(1);
        assertThat(outbox.subList(1, 3)).extracting(OutboxEvent::attempts).containsExactly(1, 1);
        assertThat(events).extracting(e -> e.path("eventId").asText()).doesNotHaveDuplicates();
    }

    @Test
    void everyRefusedEventDeliveryIsOneOutboxAttemptRetriedByTheRelay() {
        await().atMost(WAIT).until(() -> undeliveredEvents() == 0);
        int refusedBefore = sink.refused();
        sink.refuseNext(1);

        Answer created = pay(kessai, "konbini", "LAWSON");
        String id = created.text("paymentId");

        awaitEvents(sink, id, 2);
        assertThat(sink.refused() - refusedBefore).isEqualTo(1);
        // The relay records a delivery right after the sink answered it.
        await().atMost(WAIT).untilAsserted(() ->
                assertThat(kessai.outbox().events(id)).extracting(OutboxEvent::attempts).containsExactly(2, 1));
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private static GmoSandbox sandbox() {
        return new GmoSandbox(GmoSandbox.Settings.defaults("tshop00000001", "sandbox-pass")
                .withWebhookRetryInterval(RETRY)).start();
    }

    /** POST /payments of a 1000 JPY cash payment at GMO. */
    private static Answer pay(KessaiInstance k, String type, String brand) {
        ObjectNode order = Orders.gmoCard("unused");
        order.putObject("method").put("type", type).put("brand", brand);
        order.put("provider", "gmo-pg");
        Answer created = k.post("/payments", order.toString());
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        return created;
    }

    private static String accessId(Answer created) {
        String accessId = created.json().path("providerRef").path("id").asText();
        assertThat(accessId).matches("[0-9a-zA-Z]{32}");
        return accessId;
    }

    /** GMO's CashWebhookRequest. */
    private static String cashPaid(String accessId, String csrfToken) {
        return "{\"accessId\":\"" + accessId + "\",\"event\":\"CASH_PAID\",\"csrfToken\":\"" + csrfToken + "\"}";
    }

    private static void awaitStatus(KessaiInstance k, String id, String status) {
        await().atMost(WAIT).until(() -> status.equals(k.get("/payments/" + id).text("status")));
    }

    private static List<JsonNode> awaitEvents(EventSink s, String id, int count) {
        await().atMost(WAIT).until(() -> s.receivedFor(id).size() >= count);
        return s.receivedFor(id);
    }

    private static void assertRefused(Answer answer, int status, String title) {
        assertThat(answer.status()).as(answer.body()).isEqualTo(status);
        assertThat(answer.contentType()).startsWith("application/problem+json");
        assertThat(answer.text("title")).isEqualTo(title);
    }

    private static JsonNode json(String text) {
        return new Answer(200, text, "application/json", null).json();
    }

    // plain JDBC on the shared Kessai's database (PostgreSQL: the Db url names the schema)

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(db.url(), db.user(), db.password());
    }

    private void sql(String statement) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute(statement);
        }
    }

    private long count(String query, String parameter) {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(query)) {
            if (parameter != null) {
                ps.setString(1, parameter);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private long inboxRows(String accessId) {
        return count("SELECT COUNT(*) FROM webhook_inbox WHERE provider = 'gmo-pg' AND provider_ref_id = ?", accessId);
    }

    private long inboxUnprocessed(String accessId) {
        return count("SELECT COUNT(*) FROM webhook_inbox WHERE provider_ref_id = ? AND processed_at IS NULL", accessId);
    }

    /** Stored notices of that payment that the inbox route has confirmed with the provider at least once. */
    private long inboxTried(String accessId) {
        return count("SELECT COUNT(*) FROM webhook_inbox WHERE provider_ref_id = ? AND attempts >= 1", accessId);
    }

    private long undeliveredEvents() {
        return count("SELECT COUNT(*) FROM outbox_events WHERE delivered_at IS NULL", null);
    }
}
