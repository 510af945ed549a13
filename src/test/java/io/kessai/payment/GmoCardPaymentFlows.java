package io.kessai.payment;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.sandbox.gmo.GmoSandbox;
import io.kessai.support.KessaiInstance;
import io.kessai.support.KessaiInstance.Answer;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import static io.kessai.support.Orders.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * GMO card payments through the HTTP API against the GMO sandbox, on one store. The subclasses run the
 * same behaviour on H2 and on PostgreSQL.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class GmoCardPaymentFlows {
    KessaiInstance kessai;
    GmoSandbox gmo;

    abstract TestDatabases.Db database();

    @BeforeAll
    void start() {
        kessai = KessaiInstance.start(database(), Map.of());
        gmo = kessai.gmoSandbox();
    }

    @AfterAll
    void stop() {
        if (kessai != null) {
            kessai.close();
        }
    }

    @BeforeEach
    void resetSandbox() {
        gmo.reset();
    }

    private Answer pay(ObjectNode order) {
        return kessai.post("/payments", json(order));
    }

    @Test
    void manualCaptureAuthorizesThenCapturesThenCancelRefundsTheSale() {
        ObjectNode order = Orders.manual(Orders.gmoCard("tok_visa"));
        Answer created = pay(order);
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.text("status")).isEqualTo("authorized");
        assertThat(created.text("capturedAmount")).isEqualTo("0");
        assertThat(created.json().path("capture").path("expiresAt").asText()).endsWith("T23:59:59+09:00");
        assertThat(created.json().path("providerRef").path("id").asText()).matches("[0-9a-f]{32}");
        String id = created.text("paymentId");

        Answer captured = kessai.post("/payments/" + id + "/capture", null);
        assertThat(captured.status()).isEqualTo(200);
        assertThat(captured.text("status")).isEqualTo("captured");
        assertThat(captured.text("capturedAmount")).isEqualTo("1000");

        Answer canceled = kessai.post("/payments/" + id + "/cancel", null);
        assertThat(canceled.status()).isEqualTo(200);
        assertThat(canceled.text("status")).isEqualTo("refunded");
        assertThat(canceled.text("refundedAmount")).isEqualTo("1000");
        assertThat(kessai.store().transitions(id)).extracting(t -> t.to())
                .containsExactly("pending", "authorized", "captured", "refunded");
    }

    @Test
    void cancelOfAnAuthorizationVoidsIt() {
        Answer created = pay(Orders.manual(Orders.gmoCard("tok_visa")));
        Answer canceled = kessai.post("/payments/" + created.text("paymentId") + "/cancel", null);
        assertThat(canceled.text("status")).isEqualTo("canceled");
        assertThat(canceled.text("capturedAmount")).isEqualTo("0");
        Answer again = kessai.post("/payments/" + created.text("paymentId") + "/capture", null);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.text("title")).isEqualTo("invalid_state");
    }

    @Test
    void immediateCaptureIsCapturedAtOnce() {
        Answer created = pay(Orders.gmoCard("tok_visa"));
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.text("status")).isEqualTo("captured");
        assertThat(created.text("capturedAmount")).isEqualTo("1000");
        assertThat(gmo.authorizations(created.text("orderId"))).isEqualTo(1);
    }

    @Test
    void declinedCardFailsThePaymentWithCardDeclined() {
        ObjectNode order = Orders.gmoCard("tok_decline");
        Answer declined = pay(order);
        assertThat(declined.status()).isEqualTo(402);
        assertThat(declined.contentType()).startsWith("application/problem+json");
        assertThat(declined.text("title")).isEqualTo("card_declined");
        assertThat(declined.text("providerCode")).isEqualTo("card_declined");
        String id = declined.text("paymentId");
        Answer stored = kessai.get("/payments/" + id);
        assertThat(stored.text("status")).isEqualTo("failed");
        assertThat(stored.json().path("error").path("code").asText()).isEqualTo("card_declined");
        assertThat(stored.json().path("error").path("retryable").asBoolean()).isFalse();
        Answer replay = pay(order);
        assertThat(replay.status()).isEqualTo(402);
        assertThat(replay.text("paymentId")).isEqualTo(id);
    }

    @Test
    void insufficientBalanceBecomesInsufficientFunds() {
        Answer declined = pay(Orders.gmoCard("tok_insufficient"));
        assertThat(declined.status()).isEqualTo(402);
        assertThat(declined.text("title")).isEqualTo("insufficient_funds");
        assertThat(declined.text("providerCode")).isEqualTo("insufficient_balance");
    }

    @Test
    void threeDSecureCompletedFinalizesAndRedirectsToSuccess() {
        ObjectNode order = Orders.manual(Orders.gmoCard("tok_tds"));
        Answer created = pay(order);
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.text("status")).isEqualTo("requires_action");
        String redirect = created.json().path("nextAction").path("url").asText();
        assertThat(created.json().path("nextAction").path("type").asText()).isEqualTo("redirect");

        Answer acs = kessai.get(redirect + "?result=success");
        assertThat(acs.status()).isEqualTo(302);
        assertThat(acs.location()).startsWith(kessai.baseUrl() + "/callbacks/gmo-pg?p=");

        Answer callback = kessai.get(acs.location());
        assertThat(callback.status()).isEqualTo(302);
        assertThat(callback.location()).startsWith("https://shop.example/ok?paymentId=" + created.text("paymentId"))
                .endsWith("&status=authorized");
        Answer stored = kessai.get("/payments/" + created.text("paymentId"));
        assertThat(stored.text("status")).isEqualTo("authorized");
        assertThat(stored.json().path("nextAction").isNull()).isTrue();
        assertThat(gmo.authorizations(order.get("orderId").asText())).isEqualTo(1);

        // The browser comes back twice (reload): nothing is finalized again.
        assertThat(kessai.get(acs.location()).location()).endsWith("&status=authorized");
        assertThat(gmo.requests()).filteredOn(r -> r.path().equals("/tds2/finalizeCharge")).hasSize(1);
    }

    @Test
    void threeDSecureFailedRedirectsToFailureAndFailsThePayment() {
        Answer created = pay(Orders.gmoCard("tok_tds"));
        Answer acs = kessai.get(created.json().path("nextAction").path("url").asText() + "?result=failure");
        Answer callback = kessai.get(acs.location());
        assertThat(callback.status()).isEqualTo(302);
        assertThat(callback.location()).startsWith("https://shop.example/ng?").endsWith("&status=failed");
        Answer stored = kessai.get("/payments/" + created.text("paymentId"));
        assertThat(stored.text("status")).isEqualTo("failed");
        assertThat(stored.json().path("error").path("code").asText()).isEqualTo("payment_failed");
    }

    @Test
    void threeDSecureAbandonedLeavesThePaymentRequiringAction() {
        Answer created = pay(Orders.gmoCard("tok_tds"));
        Answer stored = kessai.get("/payments/" + created.text("paymentId"));
        assertThat(stored.text("status")).isEqualTo("requires_action");
        assertThat(stored.json().path("nextAction").path("url").asText()).isEqualTo(created.json().path("nextAction").path("url").asText());
        assertThat(gmo.authorizations(created.text("orderId"))).isZero();
        assertThat(gmo.requests()).noneMatch(r -> r.path().equals("/tds2/finalizeCharge"));
    }

    @Test
    void callbackWithAForgedCsrfTokenChangesNothing() {
        Answer created = pay(Orders.gmoCard("tok_tds"));
        String accessId = created.json().path("providerRef").path("id").asText();
        String forged = java.util.Base64.getUrlEncoder().encodeToString(("{\"accessId\":\"" + accessId
                + "\",\"event\":\"TDS_FINISHED\",\"csrfToken\":\"forged-token\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Answer callback = kessai.get("/callbacks/gmo-pg?p=" + forged);
        assertThat(callback.status()).isEqualTo(400);
        assertThat(callback.json().path("errors").get(0).path("field").asText()).isEqualTo("p.csrfToken");
        assertThat(kessai.get("/payments/" + created.text("paymentId")).text("status")).isEqualTo("requires_action");
        assertThat(gmo.requests()).noneMatch(r -> r.path().equals("/tds2/finalizeCharge"));
    }

    @Test
    void onFileCardIsChargedWithMemberAndCardId() {
        ObjectNode order = Orders.manual(Orders.gmoCard("unused"));
        ((ObjectNode) order.get("method")).remove("token");
        ((ObjectNode) order.get("method")).put("memberId", "member-001").put("cardId", "1");
        Answer created = pay(order);
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.text("status")).isEqualTo("authorized");
        assertThat(gmo.requests()).anyMatch(r -> r.path().equals("/credit/on-file/charge") && r.status() == 201);
    }

    @Test
    void sameRequestAgainReplaysTheStoredResultWithoutASecondCharge() {
        ObjectNode order = Orders.manual(Orders.gmoCard("tok_visa"));
        Answer first = kessai.post("/payments", json(order), "key-" + order.get("orderId").asText());
        Answer second = kessai.post("/payments", json(order), "key-" + order.get("orderId").asText());
        assertThat(first.status()).isEqualTo(201);
        assertThat(second.status()).isEqualTo(200);
        assertThat(second.text("paymentId")).isEqualTo(first.text("paymentId"));
        assertThat(second.text("status")).isEqualTo("authorized");
        // Without a key the orderId is the key: the same order again is the same payment.
        assertThat(pay(order).text("paymentId")).isEqualTo(first.text("paymentId"));
        assertThat(gmo.authorizations(order.get("orderId").asText())).isEqualTo(1);
        assertThat(gmo.requests()).filteredOn(r -> r.path().equals("/credit/charge")).hasSize(1);
    }

    @Test
    void sameKeyWithAnotherBodyIsAnIdempotencyConflict() {
        ObjectNode order = Orders.gmoCard("tok_visa");
        String key = "conflict-" + order.get("orderId").asText();
        assertThat(kessai.post("/payments", json(order), key).status()).isEqualTo(201);
        order.put("amount", "2000");
        Answer conflict = kessai.post("/payments", json(order), key);
        assertThat(conflict.status()).isEqualTo(409);
        assertThat(conflict.text("title")).isEqualTo("idempotency_conflict");
        Answer sameOrderOtherAmount = pay(order);
        assertThat(sameOrderOtherAmount.status()).isEqualTo(409);
        assertThat(gmo.authorizations(order.get("orderId").asText())).isEqualTo(1);
    }

    @Test
    void twoIdenticalRequestsAtOnceMakeOneUpstreamCharge() throws Exception {
        ObjectNode order = Orders.gmoCard("tok_visa");
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Answer>> answers = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                answers.add(pool.submit(() -> {
                    go.await();
                    return kessai.post("/payments", json(order), "twin-" + order.get("orderId").asText());
                }));
            }
            go.countDown();
            Answer a = answers.get(0).get();
            Answer b = answers.get(1).get();
            assertThat(Set.of(a.status(), b.status())).containsExactlyInAnyOrder(201, 200);
            assertThat(a.text("paymentId")).isEqualTo(b.text("paymentId"));
            assertThat(gmo.authorizations(order.get("orderId").asText())).isEqualTo(1);
            assertThat(gmo.requests()).filteredOn(r -> r.path().equals("/credit/charge")).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void timeoutLeavesThePaymentPendingAndALaterRetryNeverChargesTwice() {
        ObjectNode order = Orders.gmoCard("tok_slow");
        String orderId = order.get("orderId").asText();
        Answer timedOut = pay(order);
        assertThat(timedOut.status()).as(timedOut.body()).isEqualTo(504);
        assertThat(timedOut.text("title")).isEqualTo("provider_timeout");
        assertThat(timedOut.json().path("retryable").asBoolean()).isTrue();
        String id = timedOut.text("paymentId");
        assertThat(kessai.get("/payments/" + id).text("status")).isEqualTo("pending");

        // The provider finishes the charge after Kessai stopped waiting.
        await().atMost(Duration.ofSeconds(10)).until(() -> gmo.authorizations(orderId) == 1);

        // Whether the client's retry or the janitor's inquiry learns it first, it is the same one charge.
        Answer retried = pay(order);
        assertThat(retried.status()).isEqualTo(200);
        assertThat(retried.text("paymentId")).isEqualTo(id);
        assertThat(retried.text("status")).isEqualTo("captured");
        assertThat(gmo.authorizations(orderId)).isEqualTo(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> gmo.requests().stream()
                .anyMatch(r -> r.path().equals("/credit/charge") && r.status() == 201));
        List<String> keys = gmo.requests().stream().filter(r -> r.path().equals("/credit/charge"))
                .map(GmoSandbox.RecordedRequest::idempotencyKey).distinct().collect(Collectors.toList());
        assertThat(keys).hasSize(1);
        assertThat(kessai.store().attempts(id)).extracting(a -> a.outcome()).contains("no_answer", "answered");
    }

    @Test
    void badGatewayIsRetriedWithTheSameIdempotencyKey() {
        ObjectNode order = Orders.gmoCard("tok_flaky");
        Answer created = pay(order);
        assertThat(created.status()).isEqualTo(201);
        assertThat(created.text("status")).isEqualTo("captured");
        var charges = gmo.requests().stream().filter(r -> r.path().equals("/credit/charge")).toList();
        assertThat(charges).extracting(GmoSandbox.RecordedRequest::status).containsExactly(502, 201);
        assertThat(charges.get(0).idempotencyKey()).isNotBlank().isEqualTo(charges.get(1).idempotencyKey());
        assertThat(kessai.store().attempts(created.text("paymentId")))
                .extracting(a -> a.httpStatus()).containsExactly(502, 201);
    }

    @Test
    void burstOfFiftyPaymentsStaysWithinTheConcurrencyLimitAndSeesNo429() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(50);
        CountDownLatch go = new CountDownLatch(1);
        try {
            List<Future<Answer>> answers = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                ObjectNode order = Orders.gmoCard("tok_visa");
                answers.add(pool.submit(() -> {
                    go.await();
                    return pay(order);
                }));
            }
            go.countDown();
            for (Future<Answer> f : answers) {
                assertThat(f.get().status()).isEqualTo(201);
            }
            assertThat(gmo.tooManyRequestsAnswered()).isZero();
            assertThat(gmo.maxInFlight("/credit/charge")).isBetween(1, 5);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void partialCaptureAndPartialRefundAreUnsupportedByGmo() {
        Answer created = pay(Orders.manual(Orders.gmoCard("tok_visa")));
        String id = created.text("paymentId");
        Answer partial = kessai.post("/payments/" + id + "/capture", "{\"amount\":\"400\"}");
        assertThat(partial.status()).isEqualTo(422);
        assertThat(partial.text("title")).isEqualTo("unsupported");
        assertThat(kessai.post("/payments/" + id + "/capture", "{\"amount\":\"1000\"}").text("status")).isEqualTo("captured");
        Answer partialRefund = kessai.post("/payments/" + id + "/refund", "{\"amount\":\"1\"}");
        assertThat(partialRefund.status()).isEqualTo(422);
        Answer refund = kessai.post("/payments/" + id + "/refund", null);
        assertThat(refund.text("status")).isEqualTo("refunded");
        assertThat(gmo.requests()).filteredOn(r -> r.path().equals("/order/capture") || r.path().equals("/order/cancel"))
                .extracting(GmoSandbox.RecordedRequest::path).containsExactly("/order/capture", "/order/cancel");
    }

    @Test
    void paymentIsFoundByIdAndByOrderId() {
        ObjectNode order = Orders.gmoCard("tok_visa");
        Answer created = pay(order);
        assertThat(kessai.get("/payments/" + created.text("paymentId")).text("orderId")).isEqualTo(order.get("orderId").asText());
        assertThat(kessai.get("/payments?orderId=" + order.get("orderId").asText()).text("paymentId"))
                .isEqualTo(created.text("paymentId"));
        Answer missing = kessai.get("/payments/pay_doesnotexist");
        assertThat(missing.status()).isEqualTo(404);
        assertThat(missing.text("title")).isEqualTo("not_found");
    }

    @Test
    void cardTokenIsNotKeptOnceTheProviderHasAnswered() {
        Answer created = pay(Orders.gmoCard("tok_visa_to_forget"));
        var stored = kessai.store().find(created.text("paymentId")).orElseThrow();
        assertThat(stored.orderJson()).doesNotContain("tok_visa_to_forget");
    }
}
