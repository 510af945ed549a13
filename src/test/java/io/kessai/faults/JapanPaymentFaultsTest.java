package io.kessai.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
 * Japan Payment behind the fault proxy: one test per fault on the way of a collection order ({@code apply}).
 * The API has no idempotency key, so an apply whose outcome is unknown must never be sent again: it is
 * answered {@code 504 provider_timeout}, and the janitor's signed query settles it to what the provider holds
 * (the order exists: {@code requires_action}; it does not: {@code failed}, retryable). The provider never holds
 * two orders for one orderId, and each status is published once.
 */
class JapanPaymentFaultsTest extends FaultSuite {
    private static final String APPLY = "/jpy/collect/apply";
    private static final Set<String> OPEN_EVENTS = Set.of("payment.pending", "payment.requires_action");
    private static final Set<String> FAILED_EVENTS = Set.of("payment.pending", "payment.failed");

    private static ObjectNode konbini() {
        return Orders.japanPayment("JPY", "3000", "konbini", "LAWSON");
    }

    private static Predicate<Request> applyOf(String orderId) {
        return path(APPLY).and(bodyContains(orderId));
    }

    private Call applyMeeting(Fault fault) {
        ObjectNode order = konbini();
        rig.jpProxy.plan(applyOf(order.get("orderId").asText()), 1, fault);
        return pay(order);
    }

    private List<Request> applySends(String orderId) {
        return rig.jpProxy.requests(applyOf(orderId));
    }

    /** The apply reached the provider once and was never sent again (no key: a resend could be a second order). */
    private void assertAppliedOnceNeverResent(String orderId) {
        assertThat(rig.jp.applications(orderId)).as("orders of " + orderId).isEqualTo(1);
        assertThat(applySends(orderId)).as("apply sends of " + orderId).hasSize(1);
    }

    /** The provider made the order but Kessai lost its answer: 504, then the query finds it awaiting payment. */
    private void assertLostApplyAnswerSettlesRequiresAction(Call call) {
        assertChargeUnknown(call, "requires_action");
        JsonNode settled = awaitSettled(call.paymentId(), "requires_action");
        assertThat(settled.path("providerRef").path("id").asText()).as("the provider's orderNo").matches("[0-9]{16}");
        assertAppliedOnceNeverResent(call.orderId());
        assertEventsOncePerStatus(call.paymentId(), "payment.requires_action", OPEN_EVENTS);
    }

    /** The provider never saw the apply: after the grace the query's "not found" fails it, retryable. */
    private void assertUnseenApplySettlesFailedRetryable(Call call) {
        assertThat(rig.jp.applications(call.orderId())).isZero();
        assertThat(applySends(call.orderId())).as("apply sends").hasSize(1);
        assertFailedRetryable(awaitSettled(call.paymentId(), "failed"));
        assertEventsOncePerStatus(call.paymentId(), "payment.failed", FAILED_EVENTS);
        assertThat(rig.jp.applications(call.orderId())).isZero();
    }

    @Test
    void latencyWellBelowTheResponseTimeoutIsAnOrdinaryCollection() {
        Call call = applyMeeting(Fault.latency(Duration.ofMillis(300)));
        assertThat(call.answer().status()).as(call.answer().body()).isEqualTo(201);
        assertThat(call.answer().text("status")).isEqualTo("requires_action");
        assertAppliedOnceNeverResent(call.orderId());
    }

    @Test
    void latencyPastTheResponseTimeoutAnswers504AndTheOrderTheProviderMadeLateIsSettled() {
        Call call = applyMeeting(Fault.latency(FaultRig.RESPONSE_TIMEOUT.plusSeconds(1)));
        assertThat(call.took()).isLessThan(FaultRig.DEADLINE.plus(MARGIN));
        assertLostApplyAnswerSettlesRequiresAction(call);
    }

    @Test
    void resetBeforeForwardingIsNeverResentAndSettlesFailedRetryable() {
        Call call = applyMeeting(Fault.resetBeforeForwarding());
        assertThat(call.answer().status()).as(call.answer().body()).isIn(502, 503, 504);
        assertThat(call.answer().text("title")).isIn("provider_error", "provider_unavailable", "provider_timeout");
        assertUnseenApplySettlesFailedRetryable(call);
        assertReplayAnswersTheStoredFailure(call, rig.jpProxy, applyOf(call.orderId()));
    }

    @Test
    void resetAfterTheProviderMadeTheOrderAnswers504AndIsSettledRequiresAction() {
        assertLostApplyAnswerSettlesRequiresAction(applyMeeting(Fault.resetAfterForwarding()));
    }

    @Test
    void blackholedApplyAnswers504WhenTheResponseTimeoutEndsAndSettlesFailedRetryable() {
        Call call = applyMeeting(Fault.blackhole());
        assertChargeUnknown(call, "pending");
        assertThat(call.took()).isLessThan(FaultRig.RESPONSE_TIMEOUT.plus(MARGIN));
        assertUnseenApplySettlesFailedRetryable(call);
        assertReplayAnswersTheStoredFailure(call, rig.jpProxy, applyOf(call.orderId()));
    }

    @Test
    void answerDroppedAfterTheProviderMadeTheOrderAnswers504AndIsSettledRequiresAction() {
        assertLostApplyAnswerSettlesRequiresAction(applyMeeting(Fault.dropAnswer()));
    }

    @Test
    void truncatedAnswerAnswers504AndIsSettledRequiresAction() {
        assertLostApplyAnswerSettlesRequiresAction(applyMeeting(Fault.truncatedAnswer()));
    }

    @Test
    void answerThatIsNotHttpAnswers504AndIsSettledRequiresAction() {
        assertLostApplyAnswerSettlesRequiresAction(applyMeeting(Fault.notHttp()));
    }

    @Test
    void http200WithABodyThatIsNotJsonIsUnknownNotFailedAndIsSettledRequiresAction() {
        assertLostApplyAnswerSettlesRequiresAction(applyMeeting(
                Fault.replaceAnswer(200, "application/json", "<html><body>busy</body></html>")));
    }

    @Test
    void http200WithAnEmptyJsonObjectIsUnknownNotFailedAndIsSettledRequiresAction() {
        assertLostApplyAnswerSettlesRequiresAction(applyMeeting(Fault.replaceAnswer(200, "application/json", "{}")));
    }

    @Test
    void slowDripThatEndsWellWithinTheTimeoutsIsAnOrdinaryCollection() {
        Call call = applyMeeting(Fault.slowDrip(Duration.ofMillis(1)));
        assertThat(call.answer().status()).as(call.answer().body()).isEqualTo(201);
        assertThat(call.answer().text("status")).isEqualTo("requires_action");
        assertAppliedOnceNeverResent(call.orderId());
    }

    @Test
    void slowDripPastTheDeadlineAnswers504BeforeTheDeadlineAndIsSettledRequiresAction() {
        Call call = applyMeeting(Fault.slowDrip(Duration.ofMillis(25)));
        assertThat(call.took()).as("answered after").isLessThan(FaultRig.DEADLINE.plus(MARGIN));
        assertLostApplyAnswerSettlesRequiresAction(call);
    }

    @Test
    void providerAnswering500IsNotResentAndTheJanitorSettlesWhatTheProviderHolds() {
        ObjectNode order = konbini();
        String orderId = order.get("orderId").asText();
        rig.jpProxy.always(applyOf(orderId), Fault.answerWithoutForwarding(500, "text/plain", "Internal Server Error"));
        Call call = pay(order);
        assertThat(call.took()).isLessThan(FaultRig.DEADLINE.plus(MARGIN));
        assertThat(applySends(orderId)).as("a 500 may hide a made order: never re-applied").hasSize(1);
        assertChargeUnknown(call, "pending");
        assertUnseenApplySettlesFailedRetryable(call);
    }

    @Test
    void applyRepeatedWithTheSameKeyAfterALostAnswerAnswersTheTruthWithoutASecondApply() {
        Call first = applyMeeting(Fault.resetAfterForwarding());
        assertChargeUnknown(first, "requires_action");
        Call again = pay(first.order(), first.key());
        assertThat(again.answer().status()).as(again.answer().body()).isEqualTo(200);
        assertThat(again.answer().text("paymentId")).isEqualTo(first.paymentId());
        assertThat(again.answer().text("status")).isEqualTo("requires_action");
        assertAppliedOnceNeverResent(first.orderId());
        assertEventsOncePerStatus(first.paymentId(), "payment.requires_action", OPEN_EVENTS);
    }
}
