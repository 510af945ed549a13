package io.kessai.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.sandbox.gmo.GmoSandbox;
import io.kessai.store.UpstreamAttempt;
import io.kessai.support.CapturedLogs;
import io.kessai.support.KessaiInstance;
import io.kessai.support.KessaiInstance.Answer;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Contract section 7: a secret is never written to a log, an event or an error message. Kessai runs in GMO token
 * mode with a distinctive shop password; every log line written while it charges, declines, goes through 3-D Secure,
 * retries, renews its token, fails authentication and rejects orders is searched for the password, its Basic form,
 * the card tokens and any Bearer token. The audit trail and the API answers are searched too. Kessai runs with
 * {@code kessai.log.format=json}: the same lines as JSON (MDC included) are searched as well, and the state changes
 * and upstream attempts are there at INFO with the payment's context.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecretsNeverLoggedTest {
    private static final String SHOP_ID = "tshop00000001";
    private static final String SHOP_PASS = "s3cr3t-Pass-XYZ";
    private static final String WRONG_PASS = "wr0ng-Pass-QRS";
    private static final String CARD_TOKEN = "tok_SECRET_CARD_TOKEN_123";
    /** Every card token used here starts with this. */
    private static final String TOKEN_MARK = "SECRET_CARD_TOKEN";
    private static final Pattern BEARER = Pattern.compile("Bearer\\s+[^\\s\\]\"',;)]");

    private CapturedLogs logs;
    private final List<Answer> answers = new ArrayList<>();
    private final List<String> paymentIds = new ArrayList<>();
    private KessaiInstance kessai;

    @BeforeAll
    void captureLogsAndStart() {
        logs = CapturedLogs.start("secrets-never-logged");

        kessai = KessaiInstance.start(TestDatabases.h2(), settings(SHOP_PASS));
    }

    @AfterAll
    void stopAndDetach() {
        try {
            if (kessai != null) {
                kessai.close();
            }
        } finally {
            if (logs != null) {
                logs.close();
            }
        }
    }

    private static Map<String, String> settings(String providerPass) {
        return Map.of(
                "kessai.providers.gmo-pg.shop-id", SHOP_ID,
                "kessai.providers.gmo-pg.shop-pass", providerPass,
                "kessai.sandbox.gmo-pg.shop-id", SHOP_ID,
                "kessai.sandbox.gmo-pg.shop-pass", SHOP_PASS,
                "kessai.providers.gmo-pg.auth-mode", "token",
                "kessai.log.format", "json");
    }

    @Test
    void noSecretReachesLogsAuditTrailOrAnswers() {
        GmoSandbox sandbox = kessai.gmoSandbox();

        // a successful charge
        Answer ok = pay(Orders.gmoCard(CARD_TOKEN));
        assertThat(ok.status()).as(ok.body()).isEqualTo(201);
        assertThat(ok.text("status")).isEqualTo("captured");
        answers.add(kessai.get("/payments/" + ok.text("paymentId")));

        // a declined charge
        Answer declined = pay(Orders.gmoCard("tok_SECRET_CARD_TOKEN_decline_456"));
        assertThat(declined.status()).as(declined.body()).isEqualTo(402);
        assertThat(declined.text("title")).isEqualTo("card_declined");

        // a 3-D Secure charge, through the ACS page and back through Kessai's callback
        Answer tds = pay(Orders.gmoCard("tok_SECRET_CARD_TOKEN_tds_789"));
        assertThat(tds.status()).as(tds.body()).isEqualTo(201);
        assertThat(tds.text("status")).isEqualTo("requires_action");
        Answer acs = kessai.get(tds.json().path("nextAction").path("url").asText());
        assertThat(acs.status()).isEqualTo(302);
        Answer callback = kessai.get(acs.location());
        answers.add(callback);
        assertThat(callback.status()).as(callback.body()).isEqualTo(302);
        assertThat(callback.location()).startsWith("https://shop.example/");
        answers.add(kessai.get("/payments/" + tds.text("paymentId")));

        // a first attempt answered 502 and retried with the same key
        Answer flaky = pay(Orders.gmoCard("tok_SECRET_CARD_TOKEN_flaky_321"));
        assertThat(flaky.status()).as(flaky.body()).isEqualTo(201);

        // an access token GMO no longer accepts: 401, renewed once
        sandbox.expireAllTokens();
        Answer renewed = pay(Orders.manual(Orders.gmoCard(CARD_TOKEN)));
        assertThat(renewed.status()).as(renewed.body()).isEqualTo(201);
        Answer captured = kessai.post("/payments/" + renewed.text("paymentId") + "/capture", null);
        answers.add(captured);
        assertThat(captured.status()).as(captured.body()).isEqualTo(200);

        // invalid orders carrying the card token: rules, malformed JSON, wrong media type
        ObjectNode invalid = Orders.gmoCard(CARD_TOKEN).put("amount", "abc");
        ((ObjectNode) invalid.get("method")).put("tokenType", "NOT_A_TYPE");
        Answer rejected = pay(invalid);
        assertThat(rejected.status()).isEqualTo(400);
        Answer malformed = kessai.post("/payments", "{\"method\":{\"type\":\"card\",\"token\":\"" + CARD_TOKEN + "\"");
        answers.add(malformed);
        assertThat(malformed.status()).isEqualTo(400);
        Answer plain = postPlainText("/payments", Orders.gmoCard(CARD_TOKEN).toString());
        answers.add(plain);
        assertThat(plain.status()).isEqualTo(415);

        // token mode was really in use, so the Bearer check below is not vacuous
        assertThat(sandbox.requests()).extracting(GmoSandbox.RecordedRequest::authScheme).contains("Bearer");
        assertThat(sandbox.requests()).anyMatch(r -> r.status() == 401);
        assertThat(sandbox.requests()).anyMatch(r -> r.status() == 502);

        // the audit trail has rows and none carries a secret
        List<String> audit = new ArrayList<>();
        for (String paymentId : paymentIds) {
            for (UpstreamAttempt attempt : kessai.store().attempts(paymentId)) {
                audit.add(attempt.toString());
            }
        }
        assertThat(audit).as("upstream_attempts rows").hasSizeGreaterThanOrEqualTo(paymentIds.size());
        assertNoSecret("upstream_attempts", audit);

        assertNoSecret("API answers", answers.stream().map(a -> a.status() + " " + a.body()).toList());
        assertThat(capturedLines()).as("the appender captured a line written while payments ran (the 502 retry)")
                .anyMatch(l -> l.startsWith("WARN") && l.contains("RetryableUpstreamAnswer"));
        assertLogsCapturedAndClean();
        assertJsonLinesCarryThePaymentContext(ok.text("paymentId"), ok.text("orderId"), flaky.text("paymentId"),
                renewed.text("paymentId"));
    }

    /** kessai.log.format=json: the console writes JSON; each change and attempt is an INFO line with its context. */
    private void assertJsonLinesCarryThePaymentContext(String paymentId, String orderId, String flakyId, String capturedId) {
        var root = ((ch.qos.logback.classic.LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory())
                .getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        assertThat(root.getAppender("json")).as("the console appender of kessai.log.format=json")
                .isInstanceOfSatisfying(ch.qos.logback.core.ConsoleAppender.class, a -> assertThat(a.getEncoder())
                        .isInstanceOf(ch.qos.logback.classic.encoder.JsonEncoder.class));
        assertThat(root.getAppender("text")).isNull();
        List<com.fasterxml.jackson.databind.JsonNode> lines = new ArrayList<>();
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (String line : logs.jsonLines()) {
            try {
                lines.add(json.readTree(line));
            } catch (java.io.IOException e) {
                throw new AssertionError("a log line that is not one JSON object: " + line, e);
            }
        }
        List<com.fasterxml.jackson.databind.JsonNode> changes = lines.stream()
                .filter(l -> l.path("loggerName").asText().equals("io.kessai.payment.StateMachine"))
                .filter(l -> l.at("/mdc/paymentId").asText().equals(paymentId)).toList();
        assertThat(changes).as("the state changes of %s", paymentId).isNotEmpty().allSatisfy(l -> {
            assertThat(l.path("level").asText()).isEqualTo("INFO");
            assertThat(l.at("/mdc/orderId").asText()).isEqualTo(orderId);
            assertThat(l.at("/mdc/provider").asText()).isEqualTo("gmo-pg");
        });
        assertThat(changes).extracting(l -> l.path("formattedMessage").asText())
                .anyMatch(m -> m.contains("created pending")).anyMatch(m -> m.contains("pending -> captured"));
        List<String> attempts = lines.stream()
                .filter(l -> l.path("loggerName").asText().equals("io.kessai.provider.UpstreamCalls"))
                .filter(l -> l.path("level").asText().equals("INFO"))
                .filter(l -> l.at("/mdc/provider").asText().equals("gmo-pg"))
                .map(l -> l.at("/mdc/paymentId").asText() + " " + l.at("/mdc/orderId").asText() + " "
                        + l.at("/mdc/operation").asText() + " | " + l.path("formattedMessage").asText())
                .toList();
        assertThat(attempts).as("upstream attempts").anyMatch(a -> a.startsWith(paymentId + " " + orderId + " charge |")
                && a.contains("attempt 1: answered, HTTP 201"));
        assertThat(attempts).anyMatch(a -> a.startsWith(flakyId + " ") && a.contains("attempt 1: retryable, HTTP 502"));
        assertThat(attempts).anyMatch(a -> a.startsWith(flakyId + " ") && a.contains("attempt 2: answered, HTTP 201"));
        assertThat(attempts).anyMatch(a -> a.startsWith(capturedId + " ") && a.contains(" capture | "));
        // the lines of the API request itself carry its context too (not only the two kinds above)
        assertThat(lines).as("lines written while the capture was processed")
                .anyMatch(l -> l.at("/mdc/paymentId").asText().equals(capturedId)
                        && l.at("/mdc/operation").asText().equals("capture")
                        && l.path("loggerName").asText().equals("io.kessai.payment.StateMachine"));
    }

    @Test
    void wrongShopPasswordIsNeitherLoggedNorAnswered() {
        List<String> answersOfWrongInstance = new ArrayList<>();
        try (KessaiInstance wrong = KessaiInstance.start(TestDatabases.h2(), settings(WRONG_PASS))) {
            Answer answer = wrong.post("/payments", Orders.gmoCard(CARD_TOKEN).toString());
            answersOfWrongInstance.add(answer.body());
            assertThat(answer.status()).as(answer.body()).isEqualTo(502);
            assertThat(answer.text("title")).isEqualTo("provider_auth_failed");
            assertThat(wrong.gmoSandbox().requests()).anyMatch(r -> r.path().equals("/token") && r.status() == 401);
            String paymentId = answer.text("paymentId");
            assertThat(paymentId).as("the problem names the failed payment").isNotNull();
            Answer stored = wrong.get("/payments/" + paymentId);
            answersOfWrongInstance.add(stored.body());
            assertThat(stored.text("status")).isEqualTo("failed");
            wrong.store().attempts(paymentId).forEach(a -> answersOfWrongInstance.add(a.toString()));
        }
        assertNoSecret("answers of the misconfigured Kessai", answersOfWrongInstance);
        assertLogsCapturedAndClean();
    }

    @Test
    void startupPropertySummaryDoesNotPrintTheShopPassword() {
        assertThat(capturedLines()).as("startup lines").isNotEmpty()
                .noneMatch(l -> l.contains(SHOP_PASS));
    }

    // ------------------------------------------------------------------ helpers

    private Answer pay(ObjectNode order) {
        Answer answer = kessai.post("/payments", order.toString());
        answers.add(answer);
        String paymentId = answer.status() < 300 ? answer.text("paymentId") : answer.json().path("paymentId").asText(null);
        if (paymentId != null) {
            paymentIds.add(paymentId);
        }
        return answer;
    }

    private Answer postPlainText(String path, String body) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(kessai.baseUrl() + path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body(), r.headers().firstValue("Content-Type").orElse(null), null);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> forbidden() {
        return List.of(
                SHOP_PASS,
                WRONG_PASS,
                Base64.getEncoder().encodeToString((SHOP_ID + ":" + SHOP_PASS).getBytes(StandardCharsets.UTF_8)),
                Base64.getEncoder().encodeToString((SHOP_ID + ":" + WRONG_PASS).getBytes(StandardCharsets.UTF_8)),
                Base64.getUrlEncoder().withoutPadding()
                        .encodeToString((SHOP_ID + ":" + SHOP_PASS).getBytes(StandardCharsets.UTF_8)),
                TOKEN_MARK);
    }

    private static void assertNoSecret(String where, List<String> texts) {
        for (String text : texts) {
            for (String secret : forbidden()) {
                assertThat(text).as("%s must not contain %s", where, secret).doesNotContain(secret);
            }
            assertThat(BEARER.matcher(text).find()).as("%s must not contain a Bearer token: %s", where, text).isFalse();
        }
    }

    private List<String> capturedLines() {
        return logs.lines();
    }

    private void assertLogsCapturedAndClean() {
        List<String> lines = capturedLines();
        assertThat(lines).as("the appender captured Kessai's startup line")
                .anyMatch(l -> l.contains("io.kessai.runtime.Kessai") && l.contains("sandbox listening"));
        assertThat(lines).as("the appender captured Camel's startup lines")
                .anyMatch(l -> l.startsWith("INFO org.apache.camel"));
        assertNoSecret("the log", lines);
        List<String> json = logs.jsonLinesDecoded();
        assertThat(json).as("the JSON log").isNotEmpty();
        assertNoSecret("the JSON log", json);
    }
}
