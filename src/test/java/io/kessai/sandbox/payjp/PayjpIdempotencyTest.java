package io.kessai.sandbox.payjp;

import static io.kessai.sandbox.payjp.PayjpHttp.form;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kessai.sandbox.payjp.PayjpHttp.Answer;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Idempotency-Key, the slow and the flaky test tokens of the PAY.JP sandbox. */
class PayjpIdempotencyTest {

    static final String SK = "sk_test_1dempotency0000000000";
    static final String PF = "sk_live_pf_idempotency";
    private static PayjpSandbox sandbox;
    private static PayjpSandbox patient;
    private static String charges;

    @BeforeAll
    static void start() {
        PayjpSandbox.Settings base = PayjpSandbox.Settings.defaults(SK, PF).withRateLimit(10_000, 10_000)
                .withProcessingTime(Duration.ZERO);
        sandbox = new PayjpSandbox(base.withSlowTime(Duration.ofMillis(2500))
                .withIdempotencyWait(Duration.ofMillis(200))).start();
        patient = new PayjpSandbox(base.withSlowTime(Duration.ofMillis(700))
                .withIdempotencyWait(Duration.ofSeconds(15))).start();
        charges = sandbox.apiBase() + "/charges";
    }

    @AfterAll
    static void stop() {
        sandbox.close();
        patient.close();
    }

    @BeforeEach
    void reset() {
        sandbox.reset();
        patient.reset();
        sandbox.clock(Clock.systemUTC());
    }

    private static String token(String word) {
        return "tok_" + word + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    private static String key() {
        return UUID.randomUUID().toString();
    }

    @Test
    void theSameKeyWithTheSameRequestReplaysTheStoredAnswerAndChargesOnce() throws Exception {
        String tok = token("");
        String k = key();
        Answer first = PayjpHttp.post(charges, SK, form("card", tok, "amount", "1000", "currency", "jpy",
                "metadata[order]", "o-1"), k);
        assertThat(first.status()).isEqualTo(200);
        Answer again = PayjpHttp.post(charges, SK, form("card", tok, "amount", "1000", "currency", "jpy",
                "metadata[order]", "o-1"), k);
        Answer reordered = PayjpHttp.post(charges, SK, form("metadata[order]", "o-1", "currency", "jpy",
                "amount", "1000", "card", tok), k);
        assertThat(again.raw()).isEqualTo(first.raw());
        assertThat(reordered.raw()).isEqualTo(first.raw());
        assertThat(sandbox.chargesWith(tok)).isEqualTo(1);
        assertThat(sandbox.requests()).extracting(PayjpSandbox.RecordedRequest::replayed)
                .containsExactly(false, true, true);
        assertThat(sandbox.requests()).allSatisfy(r -> assertThat(r.idempotencyKey()).isEqualTo(k));
    }

    @Test
    void theSameKeyWithAnotherRequestIsAConflict() throws Exception {
        String tok = token("");
        String k = key();
        String id = PayjpHttp.post(charges, SK, form("card", tok, "amount", "1000", "currency", "jpy", "capture",
                "false"), k).json().get("id").asText();
        Answer other = PayjpHttp.post(charges, SK, form("card", tok, "amount", "2000", "currency", "jpy", "capture",
                "false"), k);
        assertThat(other.status()).isEqualTo(409);
        assertThat(other.code()).isEqualTo("idempotency_conflict");
        assertThat(other.error().get("type").asText()).isEqualTo("client_error");
        Answer otherPath = PayjpHttp.post(charges + "/" + id + "/capture", SK, "", k);
        assertThat(otherPath.code()).isEqualTo("idempotency_conflict");
        assertThat(sandbox.chargesWith(tok)).isEqualTo(1);
        assertThat(PayjpHttp.get(charges + "/" + id, SK).json().get("captured").asBoolean()).isFalse();
    }

    @Test
    void aMalformedKeyIsRefusedBeforeAnythingIsDone() throws Exception {
        String tok = token("");
        for (String bad : new String[] {"has space", "k".repeat(256), "日本語"}) {
            HttpRequest r = HttpRequest.newBuilder(URI.create(charges))
                    .header("Authorization", PayjpHttp.basic(SK))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("Idempotency-Key", new String(bad.getBytes(StandardCharsets.UTF_8),
                            StandardCharsets.ISO_8859_1))
                    .POST(HttpRequest.BodyPublishers.ofString(form("card", tok, "amount", "1000", "currency",
                            "jpy"))).build();
            Answer a = PayjpHttp.send(r);
            assertThat(a.status()).isEqualTo(400);
            assertThat(a.code()).isEqualTo("invalid_idempotency_key");
        }
        assertThat(sandbox.chargesWith(tok)).isZero();
        assertThat(PayjpHttp.post(charges, SK, form("card", tok, "amount", "1000", "currency", "jpy"),
                "K_".repeat(127) + "k").status()).isEqualTo(200);
    }

    @Test
    void aDeclineIsStoredAndReplayedNotRetried() throws Exception {
        String tok = token("declined");
        String k = key();
        Answer first = PayjpHttp.post(charges, SK, form("card", tok, "amount", "1000", "currency", "jpy"), k);
        Answer again = PayjpHttp.post(charges, SK, form("card", tok, "amount", "1000", "currency", "jpy"), k);
        assertThat(first.status()).isEqualTo(402);
        assertThat(again.raw()).isEqualTo(first.raw());
        assertThat(sandbox.chargesWith(tok)).isEqualTo(1);
    }

    @Test
    void keysBelongToOneMerchant() throws Exception {
        String otherKey = PayjpHttp.post(sandbox.apiBase() + "/platform/merchants", PF, form("display_name", "B"))
                .json().get("keys").get("test_secret_key").asText();
        String k = key();
        Answer a = PayjpHttp.post(charges, SK, form("card", token(""), "amount", "1000", "currency", "jpy"), k);
        Answer b = PayjpHttp.post(charges, otherKey, form("card", token(""), "amount", "1000", "currency", "jpy"), k);
        assertThat(a.status()).isEqualTo(200);
        assertThat(b.status()).isEqualTo(200);
        assertThat(b.json().get("id").asText()).isNotEqualTo(a.json().get("id").asText());
    }

    @Test
    void captureAndRefundRepeatedWithTheirKeysHappenOnce() throws Exception {
        String id = PayjpHttp.post(charges, SK, form("card", token(""), "amount", "1000", "currency", "jpy",
                "capture", "false")).json().get("id").asText();
        String captureKey = key();
        Answer c1 = PayjpHttp.post(charges + "/" + id + "/capture", SK, form("amount", "900"), captureKey);
        Answer c2 = PayjpHttp.post(charges + "/" + id + "/capture", SK, form("amount", "900"), captureKey);
        assertThat(c1.status()).isEqualTo(200);
        assertThat(c2.raw()).isEqualTo(c1.raw());
        String refundKey = key();
        PayjpHttp.post(charges + "/" + id + "/refund", SK, form("amount", "300"), refundKey);
        Answer r2 = PayjpHttp.post(charges + "/" + id + "/refund", SK, form("amount", "300"), refundKey);
        assertThat(r2.json().get("amount_refunded").asLong()).isEqualTo(400);
        assertThat(PayjpHttp.get(charges + "/" + id, SK).json().get("amount_refunded").asLong()).isEqualTo(400);
    }

    @Test
    void aKeyRunningLongerThanTheWaitAnswersIdempotencyTimeoutThenReplays() throws Exception {
        String tok = token("slow");
        String k = key();
        String body = form("card", tok, "amount", "1000", "currency", "jpy");
        CompletableFuture<HttpResponse<String>> first = PayjpHttp.CLIENT.sendAsync(
                HttpRequest.newBuilder(URI.create(charges)).header("Authorization", PayjpHttp.basic(SK))
                        .header("Content-Type", "application/x-www-form-urlencoded").header("Idempotency-Key", k)
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(10)).until(() -> sandbox.chargesWith(tok) == 1);
        Answer during = PayjpHttp.post(charges, SK, body, k);
        assertThat(during.status()).isEqualTo(409);
        assertThat(during.code()).isEqualTo("idempotency_timeout");
        HttpResponse<String> done = first.get();
        assertThat(done.statusCode()).isEqualTo(200);
        Answer after = PayjpHttp.post(charges, SK, body, k);
        assertThat(after.raw()).isEqualTo(done.body());
        assertThat(sandbox.chargesWith(tok)).isEqualTo(1);
    }

    @Test
    void aRequestWaitsForTheRunningOneWithItsKeyAndGetsItsAnswer() throws Exception {
        String tok = token("slow");
        String k = key();
        String url = patient.apiBase() + "/charges";
        String body = form("card", tok, "amount", "1000", "currency", "jpy");
        CompletableFuture<HttpResponse<String>> first = PayjpHttp.CLIENT.sendAsync(
                HttpRequest.newBuilder(URI.create(url)).header("Authorization", PayjpHttp.basic(SK))
                        .header("Content-Type", "application/x-www-form-urlencoded").header("Idempotency-Key", k)
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(10)).until(() -> patient.chargesWith(tok) == 1);
        Answer waited = PayjpHttp.post(url, SK, body, k);
        assertThat(waited.status()).isEqualTo(200);
        assertThat(waited.raw()).isEqualTo(first.get().body());
        assertThat(patient.chargesWith(tok)).isEqualTo(1);
    }

    @Test
    void aFlakyTokenFailsOnceBeforeProcessingAndTheRetryWithTheSameKeyCharges() throws Exception {
        String tok = token("flaky");
        String k = key();
        String body = form("card", tok, "amount", "1000", "currency", "jpy");
        Answer first = PayjpHttp.post(charges, SK, body, k);
        assertThat(first.status()).isEqualTo(500);
        assertThat(first.error().get("type").asText()).isEqualTo("server_error");
        assertThat(sandbox.chargesWith(tok)).isZero();
        Answer retry = PayjpHttp.post(charges, SK, body, k);
        assertThat(retry.status()).as(retry.raw()).isEqualTo(200);
        assertThat(PayjpHttp.post(charges, SK, body, k).raw()).isEqualTo(retry.raw());
        assertThat(sandbox.chargesWith(tok)).isEqualTo(1);

        String tok2 = token("flaky");
        String body2 = form("card", tok2, "amount", "1000", "currency", "jpy");
        assertThat(PayjpHttp.post(charges, SK, body2).status()).isEqualTo(500);
        assertThat(PayjpHttp.post(charges, SK, body2).status()).isEqualTo(200);
    }

    @Test
    void aKeyIsForgottenAfter24HoursSoTheRequestIsProcessedAgain() throws Exception {
        Instant t0 = Instant.parse("2025-06-01T00:00:00Z");
        sandbox.clock(Clock.fixed(t0, ZoneOffset.UTC));
        String tok = token("");
        String k = key();
        String body = form("card", tok, "amount", "1000", "currency", "jpy");
        assertThat(PayjpHttp.post(charges, SK, body, k).status()).isEqualTo(200);
        sandbox.clock(Clock.fixed(t0.plus(Duration.ofHours(23)), ZoneOffset.UTC));
        assertThat(PayjpHttp.post(charges, SK, body, k).status()).isEqualTo(200);
        sandbox.clock(Clock.fixed(t0.plus(Duration.ofHours(24)), ZoneOffset.UTC));
        Answer late = PayjpHttp.post(charges, SK, body, k);
        assertThat(late.status()).isEqualTo(400);
        assertThat(late.code()).isEqualTo("token_already_used");
    }
}
