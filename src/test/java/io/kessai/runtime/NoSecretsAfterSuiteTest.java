package io.kessai.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.provider.japanpayment.JapanPaymentSignature;
import io.kessai.sandbox.gmo.GmoSandbox;
import io.kessai.sandbox.itojapan.ItoJapanSandbox;
import io.kessai.sandbox.japanpayment.JapanPaymentSandbox;
import io.kessai.support.EventSink;
import io.kessai.support.CapturedLogs;
import io.kessai.support.KessaiInstance;
import io.kessai.support.KessaiInstance.Answer;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateCrtKey;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Contract section 7 and issue 7: after a run that exercises payments (charges, 3-D Secure, captures, cancels,
 * refunds, declines, retries, token renewal, a lost answer), webhooks (GMO cash, Japan Payment, forged ones) and
 * failures (invalid orders carrying card tokens, refusals, a rejected credential), no configured secret and no card
 * token is found in the log (every line, Kessai's loggers at TRACE), in any table of the store (every column), in
 * the events the consumer received, or in the API's answers. The secrets: the GMO shop password (and its Basic
 * forms, and Bearer tokens), the Japan Payment private key (PEM, DER and its private numbers), the webhook tokens
 * and secret keys of the providers' configuration, and GMO's per-payment csrfTokens (outside the store, which
 * must keep them to verify webhooks).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NoSecretsAfterSuiteTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final String SHOP_ID = "tshop00000001";
    private static final String SHOP_PASS = "Sh0p-PASS-q7Zr";
    /** Every card token used here contains this. */
    private static final String CARD_MARK = "SECRETCARD";
    private static final Map<String, String> CONFIGURED_SECRETS = Map.of(
            "kessai.providers.payjp.secret-key", "sk_test_SECRET-payjp-4411",
            "kessai.providers.payjp.webhook-token", "whook_SECRET-payjp-8822",
            "kessai.providers.ito-japan.secret-key", "SECRET-ito-hmac-9933",
            "kessai.providers.ito-japan.access-key", "SECRET-ito-access-1010",
            "kessai.providers.ito-japan.client-secret", "SECRET-ito-client-2020",
            "kessai.providers.paymentoptions.api-key", "SECRET-po-api-3030",
            "kessai.providers.paymentoptions.webhook-secret", "SECRET-po-webhook-4040");
    private static final Pattern BEARER = Pattern.compile("Bearer\\s+[^\\s\\]\"',;)]");
    /** The tables of issue 7's list: each must have rows, or the scan proves nothing. */
    private static final List<String> KESSAI_TABLES = List.of("payments", "payment_operations", "upstream_attempts",
            "payment_transitions", "outbox_events", "webhook_inbox", "idempotency_keys");

    private CapturedLogs logs;
    private KessaiInstance kessai;
    private EventSink sink;
    private String privateKeyPem;
    private RSAPrivateCrtKey privateKey;
    private final List<Answer> answers = new ArrayList<>();
    private final List<String> paymentIds = new ArrayList<>();
    private final List<String> cardTokens = new ArrayList<>();
    private String lostAnswerPaymentId;

    @BeforeAll
    void runPaymentsWebhooksAndFailures() throws Exception {
        logs = CapturedLogs.start("no-secrets-after-suite");

        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair pair = generator.generateKeyPair();
        privateKey = (RSAPrivateCrtKey) pair.getPrivate();
        privateKeyPem = JapanPaymentSignature.pem("PRIVATE KEY", privateKey.getEncoded());

        sink = new EventSink();
        Map<String, String> settings = new LinkedHashMap<>(CONFIGURED_SECRETS);
        settings.put("kessai.events.uri", sink.uri());
        settings.put("kessai.providers.gmo-pg.shop-id", SHOP_ID);
        settings.put("kessai.providers.gmo-pg.shop-pass", SHOP_PASS);
        settings.put("kessai.sandbox.gmo-pg.shop-id", SHOP_ID);
        settings.put("kessai.sandbox.gmo-pg.shop-pass", SHOP_PASS);
        settings.put("kessai.providers.gmo-pg.auth-mode", "token");
        settings.put("kessai.providers.japan-payment.private-key", privateKeyPem);
        // a lost answer: the "slow" card is answered after the response timeout
        settings.put("kessai.providers.gmo-pg.response-timeout-ms", "3000");
        settings.put("kessai.sandbox.gmo-pg.slow-ms", "6000");
        // the payment left pending by the lost answer stays so while the store is scanned
        settings.put("kessai.janitor.schedule", "1h");
        kessai = KessaiInstance.start(TestDatabases.h2(), settings);
        exercise();
    }

    @AfterAll
    void stopAndDetach() {
        try {
            if (kessai != null) {
                kessai.close();
            }
            if (sink != null) {
                sink.close();
            }
        } finally {
            if (logs != null) {
                logs.close();
            }
        }
    }

    // ------------------------------------------------------------------ the run

    private void exercise() {
        GmoSandbox gmo = kessai.gmoSandbox();
        JapanPaymentSandbox jp = kessai.japanPaymentSandbox();

        // GMO cards: immediate, manual then capture then refund, void, decline, retried 502, on-file
        String captured = created(pay(card("visa")), "captured");
        answers.add(kessai.post("/payments/" + captured + "/refund", null));
        String authorized = created(pay(Orders.manual(card("visa2"))), "authorized");
        answers.add(kessai.post("/payments/" + authorized + "/capture", null));
        answers.add(kessai.post("/payments/" + authorized + "/cancel", null));
        String voided = created(pay(Orders.manual(card("visa3"))), "authorized");
        answers.add(kessai.post("/payments/" + voided + "/cancel", null));
        assertThat(pay(card("decline")).status()).isEqualTo(402);
        created(pay(card("flaky")), "captured");
        ObjectNode onFile = Orders.gmoCard("unused");
        ((ObjectNode) onFile.get("method")).remove("token");
        ((ObjectNode) onFile.get("method")).put("memberId", "member-001").put("cardId", "1");
        created(pay(onFile), "captured");

        // 3-D Secure, passed and failed, through the ACS page and Kessai's callback
        for (String result : List.of("success", "failure")) {
            Answer tds = pay(card("tds-" + result));
            Answer acs = kessai.get(tds.json().path("nextAction").path("url").asText() + "?result=" + result);
            Answer back = kessai.get(acs.location());
            answers.add(back);
            assertThat(back.status()).as(back.body()).isEqualTo(302);
        }

        // the access token expires: renewed once; then GMO refuses the renewed one too (provider_auth_failed)
        gmo.expireAllTokens();
        created(pay(card("renewed")), "captured");
        gmo.failNext("/credit/charge", 401, "unauthorized_request", 2);
        assertThat(pay(card("refused")).status()).isEqualTo(502);
        // ITO-Japan merchant OAuth (the client secret sent, a token fetched): a user is created; the token expires
        // early and is renewed on the 401
        ItoJapanSandbox ito = kessai.context().getRegistry().lookupByNameAndType("itoJapanSandbox", ItoJapanSandbox.class);
        ProducerTemplate merchant = kessai.context().createProducerTemplate();
        String itoUser = merchant.requestBody("direct:kessai-ito-japan-merchant-user-create",
                Map.of("name", "Scan Taro", "email", "scan@example.jp"), String.class);
        ito.merchantUsers().expireTokens();
        merchant.requestBody("direct:kessai-ito-japan-merchant-user-balance",
                Map.of("user", itoUser.replaceAll(".*\"id\":([0-9]+).*", "$1")), String.class);
        assertThat(ito.merchantUsers().requests()).anyMatch(r -> r.status() == 401);
        // refusals and a retried 500 on capture and refund
        String retried = created(pay(Orders.manual(card("visa4"))), "authorized");
        gmo.failNext("/order/capture", 500, "internal_server_error", 1);
        answers.add(kessai.post("/payments/" + retried + "/capture", null));
        gmo.failNext("/order/cancel", 400, "invalid_parameter", 1);
        answers.add(kessai.post("/payments/" + retried + "/refund", null));

        // a lost answer: the charge reached GMO, its answer did not reach Kessai in time
        Answer lost = pay(card("slow"));
        assertThat(lost.status()).as(lost.body()).isEqualTo(504);
        lostAnswerPaymentId = lost.json().path("paymentId").asText();
        await().atMost(WAIT).until(() -> gmo.authorizations(orderIdOf(lostAnswerPaymentId)) == 1);

        // GMO cash: the CASH_PAID webhook; a copy; a forged one; a malformed one
        ObjectNode konbini = Orders.gmoCard("unused");
        konbini.putObject("method").put("type", "konbini").put("brand", "LAWSON");
        konbini.put("provider", "gmo-pg");
        Answer cash = pay(konbini);
        String cashId = created(cash, "requires_action");
        String accessId = cash.json().path("providerRef").path("id").asText();
        gmo.payCash(accessId);
        awaitStatus(cashId, "captured");
        gmo.resendWebhook(accessId);
        await().atMost(WAIT).until(() -> gmo.webhookDeliveries().size() >= 2);
        answers.add(kessai.webhook("gmo-pg", "{\"accessId\":\"" + accessId + "\",\"event\":\"CASH_PAID\",\"csrfToken\":\"forged\"}"));
        answers.add(kessai.webhook("gmo-pg", "{\"accessId\":"));

        // Japan Payment: a collection paid through its signed notification; a tampered notification
        ObjectNode collection = Orders.japanPayment("JPY", "1000", "bank_transfer", "GMO_AOZORA");
        String collectionId = created(pay(collection), "requires_action");
        jp.advance(collection.get("orderId").asText(), 1);
        jp.advance(collection.get("orderId").asText(), 2);
        awaitStatus(collectionId, "captured");
        jp.sendTamperedNotification(collection.get("orderId").asText());
        answers.add(kessai.webhook("japan-payment", "{\"orderId\":\"x\",\"sign\":\"AAAA\"}"));

        // invalid orders that carry a card token: broken rules, malformed JSON, wrong media type
        ObjectNode invalid = card("invalid").put("amount", "-1");
        ((ObjectNode) invalid.get("method")).put("tokenType", "NOPE");
        assertThat(pay(invalid).status()).isEqualTo(400);
        String tokenOfMalformed = token("malformed");
        answers.add(kessai.post("/payments", "{\"method\":{\"type\":\"card\",\"token\":\"" + tokenOfMalformed + "\""));
        answers.add(kessai.send(HttpRequest.newBuilder(URI.create(kessai.baseUrl() + "/payments"))
                .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString(card("plain").toString()))
                .build()));
        answers.add(kessai.get("/callbacks/gmo-pg?p=" + Base64.getUrlEncoder().encodeToString(
                ("{\"accessId\":\"" + accessId + "\",\"event\":\"TDS_FINISHED\",\"csrfToken\":\"" + token("callback") + "\"}")
                        .getBytes(StandardCharsets.UTF_8))));

        // every event written so far has reached the consumer
        await().atMost(WAIT).until(() -> sink.received().size() >= outboxSize());
        for (String id : paymentIds) {
            answers.add(kessai.get("/payments/" + id));
        }
    }

    // ------------------------------------------------------------------ the scans

    @Test
    void noSecretOrCardTokenInTheLog() {
        List<String> lines = capturedLines();
        assertThat(lines).as("the appender captured Kessai's lines").anyMatch(l -> l.contains("io.kessai"));
        assertThat(lines).as("the appender captured a line written while the suite ran (the retried 500)")
                .anyMatch(l -> l.startsWith("WARN") && l.contains("RetryableUpstreamAnswer"));
        assertThat(lines).as("the sandbox's own lines were captured too").anyMatch(l -> l.contains("sandbox"));
        assertClean("the log", lines, true);
    }

    @Test
    void noSecretOrCardTokenInTheJsonLog() {
        List<String> json = logs.jsonLinesDecoded();
        assertThat(json).as("the JSON lines of Kessai's state changes and upstream attempts")
                .anyMatch(l -> l.contains("\"loggerName\":\"io.kessai.payment.StateMachine\""))
                .anyMatch(l -> l.contains("\"loggerName\":\"io.kessai.provider.UpstreamCalls\""));
        assertClean("the JSON log", json, true);
    }

    @Test
    void noSecretOrCardTokenInTheEventsTheConsumerReceived() {
        List<JsonNode> events = sink.received();
        assertThat(events).as("events received").hasSizeGreaterThanOrEqualTo(20);
        assertThat(events).extracting(e -> e.path("type").asText()).contains("payment.captured", "payment.refunded",
                "payment.canceled", "payment.failed", "payment.requires_action", "payment.authorized");
        assertClean("the events", events.stream().map(JsonNode::toString).toList(), true);
    }

    @Test
    void noSecretOrCardTokenInTheApiAnswers() {
        assertThat(answers).hasSizeGreaterThanOrEqualTo(20);
        assertClean("the API answers", answers.stream().map(a -> a.status() + " " + a.location() + " " + a.body()).toList(), true);
    }

    @Test
    void noSecretOrCardTokenInAnyColumnOfAnyTable() throws Exception {
        Map<String, List<String>> tables = dumpTables();
        for (String table : KESSAI_TABLES) {
            assertThat(tables).as("table %s was scanned", table).containsKey(table);
            assertThat(tables.get(table)).as("rows of %s", table).isNotEmpty();
        }
        assertThat(tables.get("webhook_inbox")).as("both providers' notifications are stored")
                .anyMatch(r -> r.contains("gmo-pg")).anyMatch(r -> r.contains("japan-payment"));
        for (Map.Entry<String, List<String>> table : tables.entrySet()) {
            List<String> rows = table.getValue();
            if (table.getKey().equals("payments")) {
                // the stored order is the subject of its own test below
                rows = rows.stream().map(r -> r.replaceAll("order_json=\\{.*?\\}\\s*\\|", "order_json=(below)|")).toList();
            }
            // the store keeps GMO's csrfTokens (payments.csrf_token, and inside the stored notifications): that is
            // how it verifies webhooks; the configured secrets and the card tokens have no business there
            assertClean("table " + table.getKey(), rows, false);
        }
    }

    /**
     * Issue 7: the card token is dropped from the stored order at the first send. A payment whose answer was lost
     * (left pending for the janitor) must not keep it either.
     */
    @Test
    void storedOrderKeepsNoCardTokenOnceTheChargeWasSent() throws Exception {
        List<String> orders = new ArrayList<>();
        try (Connection c = kessai.store().database().dataSource().getConnection();
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT p.payment_id, p.status, p.order_json FROM payments p WHERE EXISTS"
                     + " (SELECT 1 FROM payment_operations o WHERE o.payment_id = p.payment_id AND o.kind = 'charge')")) {
            while (rs.next()) {
                orders.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3));
            }
        }
        assertThat(orders).as("charged payments, among them the one whose answer was lost")
                .anyMatch(o -> o.startsWith(lostAnswerPaymentId + " pending"));
        assertThat(orders).as("stored orders of payments whose charge was sent").allSatisfy(o ->
                assertThat(o).doesNotContain(CARD_MARK));
    }

    // ------------------------------------------------------------------ helpers

    private ObjectNode card(String word) {
        return Orders.gmoCard(token(word));
    }

    private String token(String word) {
        String token = "tok_" + CARD_MARK + "_" + word;
        cardTokens.add(token);
        return token;
    }

    private Answer pay(ObjectNode order) {
        Answer answer = kessai.post("/payments", order.toString());
        answers.add(answer);
        String id = answer.json().path("paymentId").asText(null);
        if (id != null && !paymentIds.contains(id)) {
            paymentIds.add(id);
        }
        return answer;
    }

    private static String created(Answer answer, String status) {
        assertThat(answer.status()).as(answer.body()).isEqualTo(201);
        assertThat(answer.text("status")).isEqualTo(status);
        return answer.text("paymentId");
    }

    private void awaitStatus(String id, String status) {
        await().atMost(WAIT).until(() -> status.equals(kessai.get("/payments/" + id).text("status")));
    }

    private String orderIdOf(String paymentId) {
        return kessai.store().find(paymentId).orElseThrow().orderId();
    }

    private int outboxSize() {
        return paymentIds.stream().mapToInt(id -> kessai.outbox().events(id).size()).sum();
    }

    /** Every row of every table of Kessai's schema, as "column=value|..." text. */
    private Map<String, List<String>> dumpTables() throws Exception {
        Map<String, List<String>> tables = new LinkedHashMap<>();
        try (Connection c = kessai.store().database().dataSource().getConnection()) {
            List<String> names = new ArrayList<>();
            try (ResultSet rs = c.getMetaData().getTables(null, c.getSchema(), "%", new String[] {"TABLE"})) {
                while (rs.next()) {
                    names.add(rs.getString("TABLE_NAME"));
                }
            }
            for (String name : names) {
                List<String> rows = new ArrayList<>();
                try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT * FROM \"" + name + "\"")) {
                    ResultSetMetaData meta = rs.getMetaData();
                    while (rs.next()) {
                        StringBuilder row = new StringBuilder();
                        for (int i = 1; i <= meta.getColumnCount(); i++) {
                            Object value = rs.getObject(i);
                            String text = value instanceof byte[] bytes ? new String(bytes, StandardCharsets.ISO_8859_1)
                                    : String.valueOf(value);
                            row.append(meta.getColumnName(i).toLowerCase(java.util.Locale.ROOT)).append('=').append(text).append(" |");
                        }
                        rows.add(row.toString());
                    }
                }
                tables.put(name.toLowerCase(java.util.Locale.ROOT), rows);
            }
        }
        return tables;
    }

    /** What must never appear: configured secrets in every form, card tokens, and (outside the store) csrfTokens. */
    private List<String> forbidden(boolean withCsrfTokens) {
        List<String> secrets = new ArrayList<>();
        secrets.add(SHOP_PASS);
        byte[] basic = (SHOP_ID + ":" + SHOP_PASS).getBytes(StandardCharsets.UTF_8);
        secrets.add(Base64.getEncoder().encodeToString(basic));
        secrets.add(Base64.getUrlEncoder().withoutPadding().encodeToString(basic));
        secrets.addAll(CONFIGURED_SECRETS.values());
        secrets.add(CARD_MARK);
        // the private key: each line of its PEM body, any 40 characters of its DER in Base64, its private numbers
        privateKeyPem.lines().filter(l -> !l.startsWith("-----")).filter(l -> l.length() >= 40).forEach(secrets::add);
        String der = Base64.getEncoder().encodeToString(privateKey.getEncoded());
        // from character 40 on: the first 40 (30 bytes) are the ASN.1 header every RSA 2048 PKCS#8 key shares, and
        // the Japan Payment sandbox's own key pair (sandbox_japan_payment_keys) rightly starts with them too
        for (int i = 40; i + 40 <= der.length(); i += 200) {
            secrets.add(der.substring(i, i + 40));
        }
        for (java.math.BigInteger n : List.of(privateKey.getPrivateExponent(), privateKey.getPrimeP(),
                privateKey.getPrimeQ(), privateKey.getPrimeExponentP(), privateKey.getCrtCoefficient())) {
            secrets.add(n.toString().substring(0, 60));
            secrets.add(n.toString(16).substring(0, 60));
        }
        if (withCsrfTokens) {
            for (String id : paymentIds) {
                String csrf = kessai.store().find(id).orElseThrow().csrfToken();
                if (csrf != null) {
                    secrets.add(csrf);
                }
            }
        }
        return secrets;
    }

    private void assertClean(String where, List<String> texts, boolean withCsrfTokens) {
        List<String> secrets = forbidden(withCsrfTokens);
        for (String text : texts) {
            for (String secret : secrets) {
                assertThat(text).as("%s must not contain %s", where, secret).doesNotContain(secret);
            }
            assertThat(BEARER.matcher(text).find()).as("%s must not contain a Bearer token: %s", where, text).isFalse();
        }
    }

    private List<String> capturedLines() {
        return logs.lines();
    }
}
