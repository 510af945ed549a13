package io.kessai.payment;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.model.PaymentStatus;
import io.kessai.model.ProviderOutcome;
import io.kessai.provider.ProviderExchange;
import io.kessai.sandbox.paymentoptions.PaymentOptionsSandbox;
import io.kessai.sandbox.paymentoptions.PaymentOptionsState;
import io.kessai.support.EventSink;
import io.kessai.support.KessaiInstance;
import io.kessai.support.KessaiInstance.Answer;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpRequest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** paymentoptions card payments through the HTTP API and webhooks against its built-in sandbox, on H2. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PaymentOptionsPaymentsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "whsec-test-" + UUID.randomUUID();
    private static final String API_KEY = "po-key-" + UUID.randomUUID();

    KessaiInstance kessai;
    PaymentOptionsSandbox sandbox;
    EventSink sink;
    final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    final List<Answer> answers = new ArrayList<>();

    @BeforeAll
    void start() {
        LoggerContext logback = (LoggerContext) LoggerFactory.getILoggerFactory();
        logs.setContext(logback);
        logs.start();
        logback.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(logs);
        logback.getLogger("io.kessai").setLevel(Level.DEBUG);
        sink = new EventSink();
        kessai = KessaiInstance.start(TestDatabases.h2(), Map.of("kessai.events.uri", sink.uri(),
                "kessai.providers.paymentoptions.api-key", API_KEY,
                "kessai.providers.paymentoptions.webhook-secret", SECRET,
                "kessai.providers.paymentoptions.response-timeout-ms", "1500",
                "kessai.providers.paymentoptions.retry.deadline-ms", "20000",
                "kessai.sandbox.paymentoptions.slow-ms", "4000",
                "kessai.sandbox.paymentoptions.webhook-retry-interval-ms", "200"));
        sandbox = kessai.context().getRegistry().lookupByNameAndType("paymentOptionsSandbox", PaymentOptionsSandbox.class);
    }

    @AfterAll
    void stop() {
        kessai.close();
        sink.close();
        ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(logs);
    }

    static ObjectNode order(String token) {
        ObjectNode o = Orders.gmoCard(token);
        o.put("provider", "paymentoptions");
        ((ObjectNode) o.get("customer")).put("ip", "127.0.0.1");
        o.putObject("billingAddress").put("name", "Taro Yamada").put("line1", "1-2-3 Shinjuku").put("city", "Shinjuku-ku")
                .put("state", "Tokyo").put("postalCode", "1600022").put("country", "JP");
        return o;
    }

    private Answer pay(ObjectNode order) {
        Answer a = kessai.post("/payments", order.toString());
        answers.add(a);
        return a;
    }

    private Answer get(String paymentId) {
        Answer a = kessai.get("/payments/" + paymentId);
        answers.add(a);
        return a;
    }

    private Answer webhook(String query, String body) {
        return kessai.send(HttpRequest.newBuilder(URI.create(kessai.baseUrl() + "/webhooks/paymentoptions" + query))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    private PaymentOptionsState.Transaction transactionOf(String orderId) {
        return sandbox.transactions().stream().filter(t -> t.merchantTxnRef().equals(orderId)).findFirst().orElseThrow();
    }

    @Test
    void storedTokenPaymentIsCapturedWithTheTransactionIdAsProviderRef() {
        ObjectNode order = order(UUID.randomUUID().toString());
        Answer created = pay(order);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.text("provider")).isEqualTo("paymentoptions");
        assertThat(created.text("status")).isEqualTo("captured");
        assertThat(created.text("capturedAmount")).isEqualTo("1000");
        PaymentOptionsState.Transaction t = transactionOf(order.get("orderId").asText());
        assertThat(created.json().path("providerRef").path("id").asText()).isEqualTo(t.id());
        assertThat(t.success()).isTrue();
    }

    @Test
    void cardOrdersNamingNoProviderStillGoToGmo() {
        ObjectNode order = order(UUID.randomUUID().toString());
        order.remove("provider");
        Answer created = pay(order);
        assertThat(created.text("provider")).as(created.body()).isEqualTo("gmo-pg");
    }

    @Test
    void declineIsFailedWithCardDeclinedAndTheGatewayCode() {
        ObjectNode order = order("tok-decline-" + UUID.randomUUID());
        Answer declined = pay(order);
        assertThat(declined.status()).as(declined.body()).isEqualTo(402);
        Answer payment = get(declined.text("paymentId"));
        assertThat(payment.text("status")).isEqualTo("failed");
        assertThat(payment.json().path("error").path("code").asText()).isEqualTo("card_declined");
        assertThat(payment.json().path("error").path("providerCode").asText()).isEqualTo("DECL0005");
        Answer poor = pay(order("tok-insufficient-" + UUID.randomUUID()));
        assertThat(get(poor.text("paymentId")).json().path("error").path("code").asText()).isEqualTo("insufficient_funds");
    }

    @Test
    void documentRulesAreCheckedFieldByFieldBeforeAnyCall() {
        int before = sandbox.transactions().size();
        ObjectNode order = order("tok-rules");
        order.remove("billingAddress");
        ((ObjectNode) order.get("customer")).remove("ip");
        ((ObjectNode) order.get("returnUrls")).remove("success");
        Answer refused = pay(order);
        assertThat(refused.status()).as(refused.body()).isEqualTo(400);
        assertThat(refused.json().path("errors").findValuesAsText("field"))
                .contains("billingAddress", "customer.ip", "returnUrls.success");
        assertThat(sandbox.transactions()).hasSize(before);
    }

    @Test
    void unsupportedModesAndOperationsAnswer422WithoutACall() {
        int before = sandbox.transactions().size();
        Answer manual = pay(Orders.manual(order("tok-manual")));
        assertThat(manual.status()).as(manual.body()).isEqualTo(422);
        assertThat(manual.json().path("title").asText()).isEqualTo("unsupported");
        assertThat(sandbox.transactions()).hasSize(before);
        Answer captured = pay(order(UUID.randomUUID().toString()));
        String id = captured.text("paymentId");
        for (String op : List.of("capture", "cancel", "refund")) {
            Answer a = kessai.post("/payments/" + id + "/" + op, null);
            assertThat(a.status()).as(op + " " + a.body()).isEqualTo(422);
            assertThat(a.json().path("title").asText()).isEqualTo("unsupported");
        }
    }

    @Test
    void timeoutStaysPendingBecauseThereIsNoInquiryAndIsNeverFailed() {
        ObjectNode order = order("tok-slow-" + UUID.randomUUID());
        Answer timedOut = pay(order);
        assertThat(timedOut.status()).as(timedOut.body()).isEqualTo(504);
        assertThat(timedOut.json().path("title").asText()).isEqualTo("provider_timeout");
        String id = kessai.get("/payments?orderId=" + order.get("orderId").asText()).text("paymentId");
        // The janitor asks every few hundred ms; paymentoptions has no status endpoint, so it never learns anything.
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(20)).until(() -> "pending".equals(get(id).text("status")));
        assertThat(transactionOf(order.get("orderId").asText()).success()).as("the provider did take it").isTrue();
    }

    @Test
    void webhookTokenIsRequiredAndCompared() {
        Answer captured = pay(order(UUID.randomUUID().toString()));
        PaymentOptionsState.Transaction t = transactionOf(captured.text("orderId"));
        assertThat(webhook("", t.answer()).status()).isEqualTo(401);
        assertThat(webhook("?token=wrong", t.answer()).status()).isEqualTo(401);
        assertThat(webhook("?token=" + SECRET.substring(0, 10), t.answer()).status()).isEqualTo(401);
        Answer ok = webhook("?token=" + SECRET, t.answer());
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);
        assertThat(webhook("?token=" + SECRET, t.answer()).json().path("duplicate").asBoolean())
                .as("same transaction id and status").isTrue();
    }

    @Test
    void inconsistentWebhookChangesNothing() throws Exception {
        Answer captured = pay(order(UUID.randomUUID().toString()));
        String paymentId = captured.text("paymentId");
        PaymentOptionsState.Transaction t = transactionOf(captured.text("orderId"));
        ObjectNode claim = (ObjectNode) JSON.readTree(t.answer());
        claim.put("success", false);
        ((ObjectNode) claim.get("gateway_response")).put("code", "DECL0005");
        ((ObjectNode) claim.get("payment_details")).put("amount", 999);
        var view = kessai.store().find(paymentId).orElseThrow();

        Exchange inconsistent = new DefaultExchange(kessai.context());
        inconsistent.setProperty(ProviderExchange.PAYMENT, view);
        inconsistent.getMessage().setBody(claim.toString());
        ProviderOutcome ignored = kessai.context().createProducerTemplate()
                .send("direct:kessai-paymentoptions-notice", inconsistent).getMessage().getBody(ProviderOutcome.class);
        assertThat(ignored.status()).as("an amount that is not the payment's").isNull();

        ((ObjectNode) claim.get("payment_details")).put("amount", 1000);
        Exchange consistent = new DefaultExchange(kessai.context());
        consistent.setProperty(ProviderExchange.PAYMENT, view);
        consistent.getMessage().setBody(claim.toString());
        ProviderOutcome taken = kessai.context().createProducerTemplate()
                .send("direct:kessai-paymentoptions-notice", consistent).getMessage().getBody(ProviderOutcome.class);
        assertThat(taken.status()).isEqualTo(PaymentStatus.FAILED);

        ((ObjectNode) claim.get("payment_details")).put("amount", 999);
        assertThat(webhook("?token=" + SECRET, claim.toString()).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> logs.list.stream().anyMatch(e ->
                e.getFormattedMessage().contains("webhook for payment " + paymentId + " ignored: payment_details.amount")));
        assertThat(get(paymentId).text("status")).isEqualTo("captured");
    }

    @Test
    void fullCardNumberAndTokenAreNowhereInStoreLogsAnswersOrEvents() throws Exception {
        String token = "tok-" + UUID.randomUUID();
        Answer captured = pay(order(token));
        String paymentId = captured.text("paymentId");
        String txn = captured.json().path("providerRef").path("id").asText();
        get(paymentId);
        pay(order("tok-decline-" + UUID.randomUUID()));
        // the sandbox's own webhook, and one more through the door, end in the inbox (masked)
        webhook("?token=" + SECRET, transactionOf(captured.text("orderId")).answer());
        await().atMost(Duration.ofSeconds(20)).until(() -> sink.received().stream()
                .anyMatch(e -> paymentId.equals(e.path("paymentId").asText())));
        await().atMost(Duration.ofSeconds(20)).until(() -> dump().contains(txn + ":captured"));

        String store = dump();
        assertThat(store).contains("400000******1091");
        List<String> everything = new ArrayList<>();
        everything.add(store);
        logs.list.forEach(e -> everything.add(e.getFormattedMessage() + " " + (e.getThrowableProxy() == null ? "" : e.getThrowableProxy().getMessage())));
        answers.forEach(a -> everything.add(a.body()));
        sink.received().forEach(e -> everything.add(e.toString()));
        for (String text : everything) {
            assertThat(text).doesNotContain(PaymentOptionsSandbox.CARD_NUMBER).doesNotContain(token)
                    .doesNotContain(API_KEY).doesNotContain(SECRET);
        }
    }

    @Test
    void rejectedApiKeyIsProviderAuthFailed() {
        PaymentOptionsSandbox other = new PaymentOptionsSandbox(PaymentOptionsSandbox.Settings.defaults("right-key", "MID-1")).start();
        try (KessaiInstance wrongKey = KessaiInstance.start(TestDatabases.h2(), Map.of("kessai.sandbox.enabled", "false",
                "kessai.providers.enabled", "paymentoptions",
                "kessai.providers.paymentoptions.base-url", other.baseUrl(),
                "kessai.providers.paymentoptions.api-key", "wrong-key",
                "kessai.providers.paymentoptions.merchant-id", "MID-1",
                "kessai.providers.paymentoptions.webhook-secret", SECRET))) {
            Answer refused = wrongKey.post("/payments", order(UUID.randomUUID().toString()).toString());
            assertThat(refused.status()).as(refused.body()).isEqualTo(502);
            assertThat(refused.json().path("title").asText()).isEqualTo("provider_auth_failed");
            assertThat(refused.body()).doesNotContain("wrong-key");
            assertThat(other.transactions()).isEmpty();
        } finally {
            other.close();
        }
    }

    /** Every row of every table of Kessai's store, as text. */
    private String dump() throws Exception {
        StringBuilder all = new StringBuilder();
        try (Connection c = kessai.store().database().dataSource().getConnection(); Statement s = c.createStatement()) {
            List<String> tables = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("SELECT table_name FROM information_schema.tables WHERE table_schema = 'PUBLIC'")) {
                while (rs.next()) {
                    tables.add(rs.getString(1));
                }
            }
            for (String table : tables) {
                try (ResultSet rs = s.executeQuery("SELECT * FROM \"" + table + "\"")) {
                    int n = rs.getMetaData().getColumnCount();
                    while (rs.next()) {
                        for (int i = 1; i <= n; i++) {
                            Object v = rs.getObject(i);
                            all.append(v instanceof byte[] b ? new String(b, java.nio.charset.StandardCharsets.UTF_8) : String.valueOf(v)).append('|');
                        }
                        all.append('\n');
                    }
                }
            }
        }
        return all.toString();
    }
}
