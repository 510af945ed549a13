package io.kessai.api;

import io.kessai.sandbox.gmo.GmoSandbox;
import io.kessai.support.KessaiInstance;
import io.kessai.support.KessaiInstance.Answer;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Capture, cancel and refund follow the status table of contract section 4: an operation that does not fit
 * the payment's status is {@code 409 invalid_state} and calls nothing, except a repeat of the same request
 * with the same Idempotency-Key, which answers the payment as it is (and also calls nothing).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OperationStatusRulesTest {
    private KessaiInstance kessai;
    private GmoSandbox gmo;

    @BeforeAll
    void start() {
        kessai = KessaiInstance.start(TestDatabases.h2(), Map.of());
        gmo = kessai.gmoSandbox();
    }

    @AfterAll
    void stop() {
        kessai.close();
    }

    private String authorized() {
        Answer created = kessai.post("/payments", Orders.json(Orders.manual(Orders.gmoCard("tok_visa"))));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.text("status")).isEqualTo("authorized");
        return created.text("paymentId");
    }

    private long sent(String path) {
        return gmo.requests().stream().filter(r -> r.path().equals(path)).count();
    }

    @Test
    void captureOfACapturedPaymentIsInvalidStateAndCallsNothing() {
        String id = authorized();
        assertThat(kessai.post("/payments/" + id + "/capture", null).status()).isEqualTo(200);
        long captures = sent("/order/capture");

        Answer again = kessai.post("/payments/" + id + "/capture", null);
        assertThat(again.status()).as(again.body()).isEqualTo(409);
        assertThat(again.text("title")).isEqualTo("invalid_state");
        assertThat(again.text("paymentId")).isEqualTo(id);
        assertThat(again.text("detail")).contains("captured");
        assertThat(sent("/order/capture")).isEqualTo(captures);
    }

    @Test
    void sameCaptureWithTheSameKeyAnswersThePaymentAndCapturesOnce() {
        String id = authorized();
        long before = sent("/order/capture");
        Answer first = kessai.post("/payments/" + id + "/capture", null, "cap-" + id);
        Answer repeat = kessai.post("/payments/" + id + "/capture", null, "cap-" + id);
        assertThat(first.status()).as(first.body()).isEqualTo(200);
        assertThat(repeat.status()).as(repeat.body()).isEqualTo(200);
        assertThat(repeat.text("status")).isEqualTo("captured");
        assertThat(repeat.text("capturedAmount")).isEqualTo(first.text("capturedAmount"));
        assertThat(sent("/order/capture")).isEqualTo(before + 1);
    }

    @Test
    void aKeyUsedForACaptureCannotRefund() {
        String id = authorized();
        assertThat(kessai.post("/payments/" + id + "/capture", null, "op-" + id).status()).isEqualTo(200);
        long cancels = sent("/order/cancel");
        Answer refund = kessai.post("/payments/" + id + "/refund", null, "op-" + id);
        assertThat(refund.status()).as(refund.body()).isEqualTo(409);
        assertThat(refund.text("title")).isEqualTo("idempotency_conflict");
        assertThat(sent("/order/cancel")).isEqualTo(cancels);
        assertThat(kessai.get("/payments/" + id).text("status")).isEqualTo("captured");
    }

    @Test
    void cancelOfACanceledAndRefundOfARefundedPaymentAreInvalidState() {
        String voided = authorized();
        assertThat(kessai.post("/payments/" + voided + "/cancel", null).status()).isEqualTo(200);
        Answer cancelAgain = kessai.post("/payments/" + voided + "/cancel", null);
        assertThat(cancelAgain.status()).as(cancelAgain.body()).isEqualTo(409);
        assertThat(cancelAgain.text("title")).isEqualTo("invalid_state");

        String refunded = authorized();
        assertThat(kessai.post("/payments/" + refunded + "/capture", null).status()).isEqualTo(200);
        Answer refund = kessai.post("/payments/" + refunded + "/refund", null, "refund-" + refunded);
        assertThat(refund.status()).as(refund.body()).isEqualTo(200);
        assertThat(refund.text("status")).isEqualTo("refunded");
        long cancels = sent("/order/cancel");
        Answer refundAgain = kessai.post("/payments/" + refunded + "/refund", null);
        assertThat(refundAgain.status()).as(refundAgain.body()).isEqualTo(409);
        assertThat(refundAgain.text("title")).isEqualTo("invalid_state");
        Answer cancelRefunded = kessai.post("/payments/" + refunded + "/cancel", null);
        assertThat(cancelRefunded.status()).isEqualTo(409);
        Answer replay = kessai.post("/payments/" + refunded + "/refund", null, "refund-" + refunded);
        assertThat(replay.status()).as(replay.body()).isEqualTo(200);
        assertThat(replay.text("refundedAmount")).isEqualTo("1000");
        assertThat(sent("/order/cancel")).isEqualTo(cancels);
    }

    @Test
    void aMalformedOperationKeyIsAFieldError() {
        String id = authorized();
        Answer bad = kessai.post("/payments/" + id + "/capture", null, "not a key!");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().path("errors").get(0).path("field").asText()).isEqualTo("Idempotency-Key");
        assertThat(kessai.get("/payments/" + id).text("status")).isEqualTo("authorized");
    }
}
