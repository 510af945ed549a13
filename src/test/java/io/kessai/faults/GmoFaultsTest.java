package io.kessai.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.support.FaultProxy;
import io.kessai.support.FaultProxy.Fault;
import io.kessai.support.FaultProxy.Request;
import io.kessai.support.Orders;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

import static io.kessai.support.FaultProxy.bodyContains;
import static io.kessai.support.FaultProxy.path;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * GMO PG behind the fault proxy: one test per fault on the way of a charge, and the lost answers of capture,
 * cancel and refund. Whatever the fault, no money is charged twice, every send of an operation carries the
 * same Idempotency-Key, an outcome that may have happened is answered {@code 504 provider_timeout} (never
 * "failed") and settled by the janitor to what GMO says, and each status is published once.
 */
class GmoFaultsTest extends FaultSuite {
    private static final String CHARGE = "/credit/charge";
    private static final Set<String> CAPTURED_EVENTS = Set.of("payment.pending", "payment.captured");
    private static final Set<String> FAILED_EVENTS = Set.of("payment.pending", "payment.failed");
    private static final String GMO_500 = "{\"type\":\"about:blank\",\"title\":\"internal_server_error\",\"status\":500,"
            + "\"detail\":\"An unexpected error has occurred.\",\"instance\":\"/credit/charge\"}";

    private static Predicate<Request> chargeOf(String orderId) {
        return path(CHARGE).and(bodyContains(orderId));
    }

    private Call chargeMeeting(Fault fault) {
        return chargeMeeting(Orders.gmoCard("tok_visa"), fault);
    }

    private Call chargeMeeting(ObjectNode order, Fault fault) {
        rig.gmoProxy.plan(chargeOf(order.get("orderId").asText()), 1, fault);
        return pay(order);
    }

    private List<Request> chargeSends(String orderId) {
        return rig.gmoProxy.requests(chargeOf(orderId));
    }

    /** The charge reached GMO once, under one key, and every send GMO saw with that key was this charge. */
    private void assertChargedOnceUnderOneKey(String orderId) {
        assertThat(rig.gmo.authorizations(orderId)).as("authorizations of " + orderId).isEqualTo(1);
        List<Request> sends = chargeSends(orderId);
        assertOneKey(sends);
        String key = sends.get(0).header("Idempotency-Key");
        assertThat(rig.gmo.requests()).filteredOn(r -> key.equals(r.idempotencyKey()))
                .isNotEmpty().allMatch(r -> r.path().equals(CHARGE));
    }

    /** The provider processed the charge but Kessai lost its answer: 504, then the janitor finds it captured. */
    private void assertLostChargeAnswerSettlesCaptured(Call call) {
        assertChargeUnknown(call, "captured");
        awaitSettled(call.paymentId(), "captured");
        assertChargedOnceUnderOneKey(call.orderId());
        assertEventsOncePerStatus(call.paymentId(), "payment.captured", CAPTURED_EVENTS);
    }

    /** GMO never saw the charge: once the grace has passed the janitor fails it, retryable, with a reason. */
    private void assertUnseenChargeSettlesFailedRetryable(Call call) {
        assertThat(rig.gmo.authorizations(call.orderId())).isZero();
        JsonNode settled = awaitSettled(call.paymentId(), "failed");
        assertFailedRetryable(settled);
        assertEventsOncePerStatus(call.paymentId(), "payment.failed", FAILED_EVENTS);
        assertThat(rig.gmo.authorizations(call.orderId())).isZero();
    }

    // ---- latency ------------------------------------------------------------------------------------

    @Test
    void latencyWellBelowTheResponseTimeoutIsAnOrdinaryCharge() {
        Call call = chargeMeeting(Fault.latency(Duration.ofMillis(300)));
        assertThat(call.answer().status()).as(call.answer().body()).isEqualTo(201);
        assertThat(call.answer().text("status")).isEqualTo("captured");
        assertThat(chargeSends(call.orderId())).hasSize(1);
        assertChargedOnceUnderOneKey(call.orderId());
        assertEventsOncePerStatus(call.paymentId(), "payment.captured", CAPTURED_EVENTS);
    }

    @Test
    void latencyPastTheResponseTimeoutAnswers504AndTheChargeGmoMadeLateIsSettledCaptured() {
        // the proxy forwards after Kessai gave up: GMO charges while Kessai already answered
        Call call = chargeMeeting(Fault.latency(FaultRig.RESPONSE_TIMEOUT.plusSeconds(1)));
        assertThat(call.took()).isLessThan(FaultRig.DEADLINE.plus(MARGIN));
        assertLostChargeAnswerSettlesCaptured(call);
    }

    // ---- resets -------------------------------------------------------------------------------------

    @Test
    void resetBeforeForwardingNeverFailsAsDeclinedAndEndsFailedRetryableOrChargedOnceUnderOneKey() {
        Call call = chargeMeeting(Fault.resetBeforeForwarding());
        List<Request> sends = chargeSends(call.orderId());
        assertOneKey(sends);
        if (sends.size() > 1) {
            // Kessai sent the charge again under the same key (GMO deduplicates by key): it reached GMO once.
            assertThat(call.answer().status()).as(call.answer().body()).isEqualTo(201);
            assertChargedOnceUnderOneKey(call.orderId());
            assertEventsOncePerStatus(call.paymentId(), "payment.captured", CAPTURED_EVENTS);
            return;
        }
        // Kessai cannot tell a reset before the provider from one after it: unknown (504) or, if it can prove
        // nothing was sent, a retryable failure; never a decline, never a success.
        assertThat(call.answer().status()).as(call.answer().body()).isIn(502, 503, 504);
        assertThat(call.answer().text("title")).isIn("provider_error", "provider_unavailable", "provider_timeout");
        assertThat(call.answer().text("paymentId")).startsWith("pay_");
        assertUnseenChargeSettlesFailedRetryable(call);
        assertReplayAnswersTheStoredFailure(call, rig.gmoProxy, chargeOf(call.orderId()));
    }

    @Test
    void resetAfterGmoProcessedTheChargeAnswers504AndIsSettledCaptured() {
        assertLostChargeAnswerSettlesCaptured(chargeMeeting(Fault.resetAfterForwarding()));
    }

    // ---- no answer ----------------------------------------------------------------------------------

    @Test
    void blackholedChargeAnswers504WhenTheResponseTimeoutEndsAndGmoNeverHavingSeenItSettlesFailedRetryable() {
        Call call = chargeMeeting(Fault.blackhole());
        assertChargeUnknown(call, "pending");
        // the configured response timeout (1.5 s) ended the wait
        assertThat(call.took()).isLessThan(FaultRig.RESPONSE_TIMEOUT.plus(MARGIN));
        assertUnseenChargeSettlesFailedRetryable(call);
        assertReplayAnswersTheStoredFailure(call, rig.gmoProxy, chargeOf(call.orderId()));
    }

    @Test
    void answerDroppedAfterGmoProcessedTheChargeAnswers504AndIsSettledCaptured() {
        assertLostChargeAnswerSettlesCaptured(chargeMeeting(Fault.dropAnswer()));
    }

    // ---- broken answers -----------------------------------------------------------------------------

    @Test
    void truncatedAnswerAnswers504AndIsSettledCaptured() {
        assertLostChargeAnswerSettlesCaptured(chargeMeeting(Fault.truncatedAnswer()));
    }

    @Test
    void answerThatIsNotHttpAnswers504AndIsSettledCaptured() {
        assertLostChargeAnswerSettlesCaptured(chargeMeeting(Fault.notHttp()));
    }

    @Test
    void http200WithABodyThatIsNotJsonIsUnknownNotFailedAndIsSettledCaptured() {
        assertLostChargeAnswerSettlesCaptured(chargeMeeting(
                Fault.replaceAnswer(200, "application/json", "<html><body>Service temporarily busy</body></html>")));
    }

    @Test
    void http201WithAnEmptyJsonObjectIsUnknownNotFailedAndIsSettledCaptured() {
        assertLostChargeAnswerSettlesCaptured(chargeMeeting(Fault.replaceAnswer(201, "application/json", "{}")));
    }

    // ---- slow drip ----------------------------------------------------------------------------------

    @Test
    void slowDripThatEndsWellWithinTheTimeoutsIsAnOrdinaryCharge() {
        Call call = chargeMeeting(Fault.slowDrip(Duration.ofMillis(1)));
        assertThat(call.answer().status()).as(call.answer().body()).isEqualTo(201);
        assertThat(call.answer().text("status")).isEqualTo("captured");
        assertChargedOnceUnderOneKey(call.orderId());
    }

    @Test
    void slowDripPastTheDeadlineAnswers504BeforeTheDeadlineAndIsSettledCaptured() {
        // about 25 ms a byte: the whole answer would take 20 s or more, every single read well within the timeout
        Call call = chargeMeeting(Fault.slowDrip(Duration.ofMillis(25)));
        assertThat(call.took()).as("answered after").isLessThan(FaultRig.DEADLINE.plus(MARGIN));
        assertLostChargeAnswerSettlesCaptured(call);
    }

    // ---- retries ------------------------------------------------------------------------------------

    @Test
    void gmoThatAlwaysAnswers500IsCalledAtMostFourTimesUnderOneKeyAndTheOutcomeIsUnknownNotFailed() {
        ObjectNode order = Orders.gmoCard("tok_visa");
        String orderId = order.get("orderId").asText();
        rig.gmoProxy.always(chargeOf(orderId), Fault.answerWithoutForwarding(500, "application/problem+json", GMO_500));
        Call call;
        try {
            call = pay(order);
        } catch (NoAnswer noAnswer) {
            throw new AssertionError("no answer within the test client's 30 s; GMO was called "
                    + chargeSends(orderId).size() + " times so far", noAnswer);
        }
        List<Request> sends = chargeSends(orderId);
        assertThat(sends).as("sends with retry.max-redeliveries=3").hasSizeBetween(1, 4);
        assertOneKey(sends);
        assertThat(call.took()).isLessThan(FaultRig.DEADLINE.plus(MARGIN));
        // A 500 does not prove GMO did nothing: unknown, reconciled by inquiry (here: GMO never saw it).
        assertChargeUnknown(call, "pending");
        assertUnseenChargeSettlesFailedRetryable(call);
        assertThat(chargeSends(orderId)).as("no send after the request was answered").hasSize(sends.size());
    }

    @Test
    void chargeRepeatedWithTheSameKeyAfterALostAnswerAnswersTheTruthWithoutASecondCharge() {
        Call first = chargeMeeting(Fault.resetAfterForwarding());
        assertChargeUnknown(first, "captured");
        Call again = pay(first.order(), first.key());
        assertThat(again.answer().status()).as(again.answer().body()).isEqualTo(200);
        assertThat(again.answer().text("paymentId")).isEqualTo(first.paymentId());
        assertThat(again.answer().text("status")).isEqualTo("captured");
        assertChargedOnceUnderOneKey(first.orderId());
        assertEventsOncePerStatus(first.paymentId(), "payment.captured", CAPTURED_EVENTS);
    }

    // ---- capture, cancel, refund --------------------------------------------------------------------

    private Call authorized() {
        Call call = pay(Orders.manual(Orders.gmoCard("tok_visa")));
        assertThat(call.answer().status()).as(call.answer().body()).isEqualTo(201);
        assertThat(call.answer().text("status")).isEqualTo("authorized");
        return call;
    }

    private Call captured() {
        Call call = pay(Orders.gmoCard("tok_visa"));
        assertThat(call.answer().status()).as(call.answer().body()).isEqualTo(201);
        assertThat(call.answer().text("status")).isEqualTo("captured");
        return call;
    }

    private static String accessId(Call call) {
        return call.answer().json().path("providerRef").path("id").asText();
    }

    private Call operationMeeting(Call payment, String operation, String gmoPath, Fault fault) {
        rig.gmoProxy.plan(path(gmoPath).and(bodyContains(accessId(payment))), 1, fault);
        return operate(payment.paymentId(), operation);
    }

    private List<Request> sends(Call payment, String gmoPath) {
        return rig.gmoProxy.requests(path(gmoPath).and(bodyContains(accessId(payment))));
    }

    @Test
    void lostCaptureAnswerAnswers504AndTheJanitorSettlesTheCaptureGmoMade() {
        Call payment = authorized();
        Call capture = operationMeeting(payment, "capture", "/order/capture", Fault.resetAfterForwarding());
        assertUnknown(capture.answer());
        assertThat(status(payment.paymentId())).as("not failed, not guessed").isEqualTo("authorized");
        JsonNode settled = awaitSettled(payment.paymentId(), "captured");
        assertThat(settled.path("capturedAmount").asText()).isEqualTo("1000");
        assertOneKey(sends(payment, "/order/capture"));
        assertEventsOncePerStatus(payment.paymentId(), "payment.captured",
                Set.of("payment.pending", "payment.authorized", "payment.captured"));
    }

    @Test
    void captureRepeatedAfterALostAnswerAnswersCapturedWithoutASecondCaptureKey() {
        Call payment = authorized();
        Call lost = operationMeeting(payment, "capture", "/order/capture", Fault.dropAnswer());
        assertUnknown(lost.answer());
        Call again = operate(payment.paymentId(), "capture");
        assertThat(again.answer().status()).as(again.answer().body()).isEqualTo(200);
        assertThat(again.answer().text("status")).isEqualTo("captured");
        assertOneKey(sends(payment, "/order/capture"));
        assertEventsOncePerStatus(payment.paymentId(), "payment.captured",
                Set.of("payment.pending", "payment.authorized", "payment.captured"));
    }

    @Test
    void lostCancelAnswerAnswers504AndTheJanitorSettlesTheVoidGmoMade() {
        Call payment = authorized();
        Call cancel = operationMeeting(payment, "cancel", "/order/cancel", Fault.dropAnswer());
        assertUnknown(cancel.answer());
        assertThat(status(payment.paymentId())).isEqualTo("authorized");
        awaitSettled(payment.paymentId(), "canceled");
        assertOneKey(sends(payment, "/order/cancel"));
        assertEventsOncePerStatus(payment.paymentId(), "payment.canceled",
                Set.of("payment.pending", "payment.authorized", "payment.canceled"));
    }

    @Test
    void lostRefundAnswerAnswers504AndTheJanitorSettlesTheRefundGmoMade() {
        Call payment = captured();
        Call refund = operationMeeting(payment, "refund", "/order/cancel", Fault.truncatedAnswer());
        assertUnknown(refund.answer());
        assertThat(status(payment.paymentId())).isEqualTo("captured");
        JsonNode settled = awaitSettled(payment.paymentId(), "refunded");
        assertThat(settled.path("refundedAmount").asText()).isEqualTo("1000");
        assertOneKey(sends(payment, "/order/cancel"));
        assertEventsOncePerStatus(payment.paymentId(), "payment.refunded",
                Set.of("payment.pending", "payment.captured", "payment.refunded"));
    }

    @Test
    void captureWhoseRequestNeverReachedGmoStaysAuthorizedAndCapturesOnTheNextRequest() {
        Call payment = authorized();
        Call lost = operationMeeting(payment, "capture", "/order/capture", Fault.blackhole());
        assertUnknown(lost.answer());
        assertThat(status(payment.paymentId())).isEqualTo("authorized");
        Call again = operate(payment.paymentId(), "capture");
        assertThat(again.answer().status()).as(again.answer().body()).isEqualTo(200);
        assertThat(again.answer().text("status")).isEqualTo("captured");
        assertThat(payment(payment.paymentId()).path("capturedAmount").asText()).isEqualTo("1000");
        // GMO captured once: every capture it accepted carried one key (a replay of that key is no new capture)
        List<String> acceptedKeys = rig.gmoProxy.seen().stream()
                .filter(s -> s.upstreamStatus() / 100 == 2)
                .map(FaultProxy.Seen::request)
                .filter(path("/order/capture").and(bodyContains(accessId(payment))))
                .map(r -> r.header("Idempotency-Key")).distinct().toList();
        assertThat(acceptedKeys).hasSize(1);
        assertEventsOncePerStatus(payment.paymentId(), "payment.captured",
                Set.of("payment.pending", "payment.authorized", "payment.captured"));
    }
}
