package io.kessai.payment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.sandbox.gmo.GmoSandbox;
import io.kessai.support.KessaiInstance;
import io.kessai.support.KessaiInstance.Answer;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * GMO's document allows a retry with the same key only after 409, 429, 500 and 502. Every other error answer in the
 * card flows (charge, on-file charge, 3-D Secure finalize, capture, cancel, refund) is sent exactly once: a change
 * that retries a GMO 400 (or 402, 403, 404, 422, ...) fails here. Kessai runs in token mode, where a 401 is answered
 * once by a renewed token and then no more: exactly two sends and one renewal.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GmoNonRetryableAnswersTest {
    private KessaiInstance kessai;
    private GmoSandbox gmo;

    @BeforeAll
    void start() {
        kessai = KessaiInstance.start(TestDatabases.h2(), Map.of(
                "kessai.providers.gmo-pg.auth-mode", "token",
                // a real response timeout: a slow answer on a loaded machine must not be mistaken for a lost one
                "kessai.providers.gmo-pg.response-timeout-ms", "20000",
                // 3-D Secure payments left open by a test are not polled while the next one counts requests
                "kessai.janitor.schedule", "1h"));
        gmo = kessai.gmoSandbox();
    }

    @AfterAll
    void stop() {
        if (kessai != null) {
            kessai.close();
        }
    }

    @BeforeEach
    void forgetTraffic() {
        gmo.reset();
    }

    /** GMO error answers that say the request was refused, not that it may succeed later. */
    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of(400, "invalid_request"),
                Arguments.of(400, "invalid_parameter"),
                Arguments.of(400, "invalid_status"),
                Arguments.of(401, "unauthorized_request"),
                Arguments.of(402, "card_declined"),
                Arguments.of(403, "forbidden"),
                Arguments.of(404, "resource_not_found"),
                Arguments.of(422, "unprocessable_entity"));
    }

    enum Operation {
        CHARGE("/credit/charge"), ON_FILE_CHARGE("/credit/on-file/charge"), FINALIZE("/tds2/finalizeCharge"),
        CAPTURE("/order/capture"), CANCEL("/order/cancel"), REFUND("/order/cancel");

        final String path;

        Operation(String path) {
            this.path = path;
        }
    }

    static Stream<Arguments> everyOperationAgainstEveryRefusal() {
        List<Arguments> all = new ArrayList<>();
        for (Operation op : Operation.values()) {
            refusals().forEach(r -> all.add(Arguments.of(op, r.get()[0], r.get()[1])));
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} answered {1} {2}")
    @MethodSource("everyOperationAgainstEveryRefusal")
    void refusedOperationIsSentExactlyOnce(Operation op, int status, String title) {
        // 401: the first answer makes Kessai renew its token and send once more; the second is final
        int answers = status == 401 ? 2 : 1;
        String paymentId = prepare(op);
        int tokensBefore = sends("/token");
        int before = sends(op.path);
        gmo.failNext(op.path, status, title, answers);

        Answer answer = perform(op, paymentId);

        if (op == Operation.FINALIZE) {
            // the browser's return: sent on to the order's failure page
            assertThat(answer.status()).as("Kessai's answer %s", answer.body()).isEqualTo(302);
            assertThat(answer.location()).startsWith("https://shop.example/ng?").endsWith("&status=failed");
        } else {
            assertThat(answer.status()).as("Kessai's answer %s", answer.body()).isGreaterThanOrEqualTo(400);
            assertThat(answer.contentType()).startsWith("application/problem+json");
        }
        assertThat(sends(op.path) - before).as("sends to %s for one %s refused with %d %s", op.path, op, status, title)
                .isEqualTo(answers);
        assertThat(sends("/token") - tokensBefore).as("token renewals").isEqualTo(status == 401 ? 1 : 0);
        assertOperationKeysUsedOnce(paymentId == null ? lastPaymentId : paymentId, status == 401 ? 2 : 1);
        assertStatusAfterRefusal(op, paymentId == null ? lastPaymentId : paymentId);
    }

    // ------------------------------------------------------------------ refusals the test cards produce

    @Test
    void declinedCardIsChargedOnce() {
        assertChargedOnce(Orders.gmoCard("tok_decline"), 402, "card_declined");
    }

    @Test
    void insufficientBalanceIsChargedOnce() {
        assertChargedOnce(Orders.gmoCard("tok_insufficient"), 402, "insufficient_funds");
    }

    @Test
    void amountLimitExceededIsChargedOnce() {
        assertChargedOnce(Orders.gmoCard("tok_limit"), 402, "amount_limit_exceeded");
    }

    @Test
    void unknownOnFileMemberIsChargedOnce() {
        ObjectNode order = Orders.gmoCard("unused");
        ((ObjectNode) order.get("method")).remove("token");
        ((ObjectNode) order.get("method")).put("memberId", "member-nobody").put("cardId", "0");
        Answer answer = kessai.post("/payments", order.toString());
        assertThat(answer.status()).as(answer.body()).isEqualTo(502);
        assertThat(answer.text("providerCode")).isEqualTo("invalid_request");
        assertThat(sends("/credit/on-file/charge")).isEqualTo(1);
    }

    @Test
    void unknownOnFileCardIsChargedOnce() {
        ObjectNode order = Orders.gmoCard("unused");
        ((ObjectNode) order.get("method")).remove("token");
        ((ObjectNode) order.get("method")).put("memberId", "member-001").put("cardId", "7");
        Answer answer = kessai.post("/payments", order.toString());
        assertThat(answer.status()).as(answer.body()).isEqualTo(502);
        assertThat(answer.text("providerCode")).isEqualTo("invalid_parameter");
        assertThat(sends("/credit/on-file/charge")).isEqualTo(1);
    }

    @Test
    void failedThreeDSecureIsFinalizedOnce() {
        Answer created = kessai.post("/payments", Orders.gmoCard("tok_tds").toString());
        assertThat(created.text("status")).as(created.body()).isEqualTo("requires_action");
        Answer acs = kessai.get(created.json().path("nextAction").path("url").asText() + "?result=failure");
        Answer callback = kessai.get(acs.location());
        assertThat(callback.status()).isEqualTo(302);
        assertThat(callback.location()).endsWith("&status=failed");
        assertThat(sends("/tds2/finalizeCharge")).isEqualTo(1);
    }

    @Test
    void declineAtThreeDSecureFinalizeIsFinalizedOnce() {
        Answer created = kessai.post("/payments", Orders.gmoCard("tok_tds-decline").toString());
        assertThat(created.text("status")).as(created.body()).isEqualTo("requires_action");
        Answer acs = kessai.get(created.json().path("nextAction").path("url").asText() + "?result=success");
        Answer callback = kessai.get(acs.location());
        assertThat(callback.status()).isEqualTo(302);
        assertThat(callback.location()).endsWith("&status=failed");
        assertThat(gmo.requests()).filteredOn(r -> r.path().equals("/tds2/finalizeCharge"))
                .singleElement().satisfies(r -> assertThat(r.status()).isEqualTo(402));
    }

    @Test
    void captureOfAnAuthorizationGmoNoLongerHoldsIsSentOnce() {
        // GMO answers 400 invalid_status when the transaction was captured elsewhere (its management screen)
        String paymentId = prepare(Operation.CAPTURE);
        gmo.failNext("/order/capture", 400, "invalid_status", 1);
        Answer answer = perform(Operation.CAPTURE, paymentId);
        assertThat(answer.status()).as(answer.body()).isEqualTo(409);
        assertThat(answer.text("title")).isEqualTo("invalid_state");
        assertThat(sends("/order/capture")).isEqualTo(1);
    }

    // ------------------------------------------------------------------ helpers

    private String lastPaymentId;

    private void assertChargedOnce(ObjectNode order, int status, String title) {
        Answer answer = kessai.post("/payments", order.toString());
        assertThat(answer.status()).as(answer.body()).isEqualTo(status);
        assertThat(answer.text("title")).isEqualTo(title);
        assertThat(sends("/credit/charge")).isEqualTo(1);
        String paymentId = answer.text("paymentId");
        assertThat(paymentId).isNotNull();
        assertOperationKeysUsedOnce(paymentId, 1);
    }

    /** A payment in the state the operation starts from (null for a charge: the charge itself creates it). */
    private String prepare(Operation op) {
        return switch (op) {
            case CHARGE, ON_FILE_CHARGE -> null;
            case FINALIZE -> {
                Answer created = kessai.post("/payments", Orders.manual(Orders.gmoCard("tok_tds")).toString());
                assertThat(created.text("status")).as(created.body()).isEqualTo("requires_action");
                lastAcsReturn = kessai.get(created.json().path("nextAction").path("url").asText() + "?result=success")
                        .location();
                assertThat(lastAcsReturn).contains("/callbacks/gmo-pg?p=");
                yield created.text("paymentId");
            }
            case CAPTURE, CANCEL -> {
                Answer created = kessai.post("/payments", Orders.manual(Orders.gmoCard("tok_visa")).toString());
                assertThat(created.text("status")).as(created.body()).isEqualTo("authorized");
                yield created.text("paymentId");
            }
            case REFUND -> {
                Answer created = kessai.post("/payments", Orders.gmoCard("tok_visa").toString());
                assertThat(created.text("status")).as(created.body()).isEqualTo("captured");
                yield created.text("paymentId");
            }
        };
    }

    private String lastAcsReturn;

    private Answer perform(Operation op, String paymentId) {
        return switch (op) {
            case CHARGE -> charge(Orders.gmoCard("tok_visa"));
            case ON_FILE_CHARGE -> {
                ObjectNode order = Orders.gmoCard("unused");
                ((ObjectNode) order.get("method")).remove("token");
                ((ObjectNode) order.get("method")).put("memberId", "member-001").put("cardId", "0");
                yield charge(order);
            }
            case FINALIZE -> kessai.get(lastAcsReturn);
            case CAPTURE -> kessai.post("/payments/" + paymentId + "/capture", null);
            case CANCEL -> kessai.post("/payments/" + paymentId + "/cancel", null);
            case REFUND -> kessai.post("/payments/" + paymentId + "/refund", null);
        };
    }

    private Answer charge(ObjectNode order) {
        Answer answer = kessai.post("/payments", order.toString());
        lastPaymentId = answer.json().path("paymentId").asText(null);
        assertThat(lastPaymentId).as("the problem names the failed payment: %s", answer.body()).isNotNull();
        return answer;
    }

    private void assertStatusAfterRefusal(Operation op, String paymentId) {
        String status = kessai.get("/payments/" + paymentId).text("status");
        switch (op) {
            case CHARGE, ON_FILE_CHARGE, FINALIZE -> assertThat(status).as("a refused charge fails the payment")
                    .isEqualTo("failed");
            case CAPTURE, CANCEL -> assertThat(status).as("a refused %s leaves the authorization", op)
                    .isEqualTo("authorized");
            case REFUND -> assertThat(status).as("a refused refund leaves the payment captured").isEqualTo("captured");
        }
    }

    /** Every upstream key of the payment's operations reached GMO at most {@code times} times. */
    private void assertOperationKeysUsedOnce(String paymentId, int times) {
        List<String> keys = kessai.store().operationKeys(paymentId).stream().map(k -> k.split(":")[1]).toList();
        assertThat(keys).isNotEmpty();
        for (String key : keys) {
            assertThat(gmo.requests()).filteredOn(r -> key.equals(r.idempotencyKey()))
                    .as("requests with upstream key %s", key).hasSizeLessThanOrEqualTo(times);
        }
    }

    private int sends(String path) {
        return (int) gmo.requests().stream().filter(r -> r.path().equals(path)).count();
    }
}
