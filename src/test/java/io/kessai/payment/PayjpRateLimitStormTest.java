package io.kessai.payment;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.sandbox.payjp.PayjpSandbox;
import io.kessai.support.KessaiInstance;
import io.kessai.support.KessaiInstance.Answer;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** A storm of charges against PAY.JP's rate limit (the sandbox's 429 over_capacity), through the HTTP API. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PayjpRateLimitStormTest {
    KessaiInstance kessai;
    PayjpSandbox payjp;

    @BeforeAll
    void start() {
        kessai = KessaiInstance.start(TestDatabases.h2(), Map.of(
                "kessai.sandbox.payjp.rate-per-second", "1",
                "kessai.sandbox.payjp.rate-burst", "2",
                "kessai.providers.payjp.retry.max-redeliveries", "2",
                "kessai.providers.payjp.retry.initial-delay-ms", "50",
                "kessai.providers.payjp.retry.max-delay-ms", "100"));
        payjp = kessai.payjpSandbox();
    }

    @AfterAll
    void stop() {
        if (kessai != null) {
            kessai.close();
        }
    }

    @Test
    void a429StormIsRetriedBoundedWithTheSameKeyAndNeverChargesTwice() throws Exception {
        int n = 8;
        List<ObjectNode> orders = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            orders.add(Orders.payjpCard("tok_storm_" + i + "_" + System.nanoTime()));
        }
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        List<Answer> answers = new ArrayList<>();
        try {
            List<Future<Answer>> futures = new ArrayList<>();
            for (ObjectNode order : orders) {
                futures.add(pool.submit(() -> {
                    go.await();
                    return kessai.post("/payments", order.toString());
                }));
            }
            go.countDown();
            for (Future<Answer> f : futures) {
                answers.add(f.get());
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(payjp.tooManyRequestsAnswered()).isPositive();
        for (int i = 0; i < n; i++) {
            Answer a = answers.get(i);
            String token = orders.get(i).path("method").path("token").asText();
            assertThat(a.status()).as(a.body()).isIn(201, 503);
            if (a.status() == 201) {
                assertThat(a.text("status")).isEqualTo("captured");
                assertThat(payjp.chargesWith(token)).isEqualTo(1);
            } else {
                assertThat(a.text("title")).isEqualTo("provider_unavailable");
                assertThat(payjp.chargesWith(token)).isZero();
            }
            // bounded: the first send and at most max-redeliveries more, all with one key
            var attempts = kessai.store().attempts(a.text("paymentId")).stream()
                    .filter(x -> x.idempotencyKey() != null).toList();   // the charge's sends (inquiries carry no key)
            assertThat(attempts).hasSizeBetween(1, 3);
            assertThat(attempts).extracting(x -> x.idempotencyKey()).containsOnly(attempts.get(0).idempotencyKey());
        }
        assertThat(answers).anyMatch(a -> a.status() == 201);
        List<String> keysSent = payjp.requests().stream().filter(r -> r.path().equals("/v1/charges") && r.method().equals("POST"))
                .filter(r -> r.status() == 429).map(PayjpSandbox.RecordedRequest::idempotencyKey).toList();
        assertThat(keysSent).isNotEmpty().doesNotContainNull();
    }
}
