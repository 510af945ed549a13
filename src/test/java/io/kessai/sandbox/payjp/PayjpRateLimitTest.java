package io.kessai.sandbox.payjp;

import static io.kessai.sandbox.payjp.PayjpHttp.form;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kessai.sandbox.payjp.PayjpHttp.Answer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The token-bucket rate limit of the PAY.JP sandbox: 429 over_capacity past it, per merchant and zone. */
class PayjpRateLimitTest {

    static final String SK = "sk_test_ratelimit000000000000";
    static final String PF = "sk_live_pf_ratelimit";
    private static PayjpSandbox sandbox;

    @BeforeAll
    static void start() {
        sandbox = new PayjpSandbox(PayjpSandbox.Settings.defaults(SK, PF).withRateLimit(1, 3)
                .withProcessingTime(Duration.ZERO)).start();
    }

    @AfterAll
    static void stop() {
        sandbox.close();
    }

    @BeforeEach
    void reset() {
        sandbox.reset();
    }

    private static List<Answer> storm(String url, String key, int n) throws Exception {
        List<Answer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(PayjpHttp.get(url, key));
        }
        return out;
    }

    @Test
    void aStormPastTheRateIsAnsweredOverCapacityUntilTheBucketRefills() throws Exception {
        String url = sandbox.apiBase() + "/charges/ch_none";
        List<Answer> answers = storm(url, SK, 20);
        assertThat(answers.subList(0, 3)).allSatisfy(a -> assertThat(a.status()).isEqualTo(404));
        List<Answer> limited = answers.stream().filter(a -> a.status() == 429).toList();
        assertThat(limited).hasSizeGreaterThanOrEqualTo(7);
        assertThat(limited).allSatisfy(a -> {
            assertThat(a.code()).isEqualTo("over_capacity");
            assertThat(a.error().get("status").asInt()).isEqualTo(429);
            assertThat(a.error().get("type").asText()).isEqualTo("client_error");
            assertThat(a.error().has("message")).isTrue();
        });
        assertThat(sandbox.tooManyRequestsAnswered()).isEqualTo(limited.size());
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(300))
                .until(() -> PayjpHttp.get(url, SK).status() == 404);
    }

    @Test
    void paymentsAndOtherRequestsAndEachMerchantHaveTheirOwnBuckets() throws Exception {
        storm(sandbox.apiBase() + "/charges/ch_none", SK, 6);
        assertThat(PayjpHttp.get(sandbox.apiBase() + "/charges/ch_none", SK).status()).isEqualTo(429);
        Answer pay = PayjpHttp.post(sandbox.apiBase() + "/charges", SK, form("card", "tok_" + UUID.randomUUID()
                .toString().replace("-", "").substring(0, 20), "amount", "1000", "currency", "jpy"));
        assertThat(pay.status()).as(pay.raw()).isEqualTo(200);
        assertThat(PayjpHttp.get(sandbox.apiBase() + "/platform/merchants", PF).status()).isEqualTo(200);
    }

    @Test
    void a429IsNotStoredUnderItsIdempotencyKeySoTheRetryIsProcessed() throws Exception {
        String url = sandbox.apiBase() + "/charges";
        String tok = "tok_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
        String body = form("card", tok, "amount", "1000", "currency", "jpy");
        for (int i = 0; i < 6; i++) {
            PayjpHttp.post(url, SK, form("card", "tok_x", "amount", "1", "currency", "jpy"));
        }
        Answer limited = PayjpHttp.post(url, SK, body, "retry-key-1");
        assertThat(limited.status()).isEqualTo(429);
        assertThat(sandbox.chargesWith(tok)).isZero();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500))
                .until(() -> PayjpHttp.post(url, SK, body, "retry-key-1").status() == 200);
        assertThat(sandbox.chargesWith(tok)).isEqualTo(1);
    }
}
