package io.kessai.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.support.FaultProxy;
import io.kessai.support.KessaiInstance.Answer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What every fault test asserts through the public doors: the API's answer to the faulty call, the payment
 * the janitor settles to the provider's truth ({@code GET /payments/{id}}), and the events Kessai published.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class FaultSuite {
    /** Time for the janitor to settle a payment: the in-flight grace, then a few passes, on a loaded machine. */
    static final Duration SETTLE = FaultRig.IN_FLIGHT_GRACE.plusSeconds(10);
    /** What a test allows over a configured bound before it calls the bound broken. */
    static final Duration MARGIN = Duration.ofSeconds(2);

    FaultRig rig;

    Map<String, String> settings() {
        return Map.of();
    }

    /** How the proxies meet Kessai's connections when the rig starts. */
    FaultProxy.Connections connections() {
        return FaultProxy.Connections.ACCEPT;
    }

    FaultProxy.Connections gmoConnections() {
        return connections();
    }

    FaultProxy.Connections japanPaymentConnections() {
        return connections();
    }

    @BeforeAll
    void startRig() {
        rig = FaultRig.start(settings(), gmoConnections(), japanPaymentConnections());
    }

    @AfterAll
    void stopRig() {
        if (rig != null) {
            rig.close();
        }
    }

    @AfterEach
    void clearPlans() {
        rig.gmoProxy.clearPlan();
        rig.jpProxy.clearPlan();
    }

    /** One POST /payments and how long it took. */
    record Call(String orderId, String key, ObjectNode order, Answer answer, Duration took) {
        String paymentId() {
            return answer.text("paymentId");
        }
    }

    Call pay(ObjectNode order) {
        String key = "k-" + UUID.randomUUID();
        return pay(order, key);
    }

    Call pay(ObjectNode order, String key) {
        long started = System.nanoTime();
        Answer answer;
        try {
            answer = rig.kessai.post("/payments", order.toString(), key);
        } catch (IllegalStateException e) {
            throw new NoAnswer(e);
        }
        return new Call(order.get("orderId").asText(), key, order, answer, Duration.ofNanos(System.nanoTime() - started));
    }

    /** Kessai did not answer an API request within the test client's 30 s. */
    static final class NoAnswer extends AssertionError {
        NoAnswer(Throwable cause) {
            super("Kessai did not answer within the test client's 30 s", cause);
        }
    }

    /** POST /payments/{id}/{operation} and how long it took. */
    Call operate(String paymentId, String operation) {
        long started = System.nanoTime();
        Answer answer = rig.kessai.post("/payments/" + paymentId + "/" + operation, null);
        return new Call(null, null, null, answer, Duration.ofNanos(System.nanoTime() - started));
    }

    JsonNode payment(String paymentId) {
        return rig.payment(paymentId);
    }

    String status(String paymentId) {
        return payment(paymentId).path("status").asText();
    }

    /** The outcome is not known: 504 provider_timeout naming the payment, never a "failed" 402/502. */
    static void assertUnknown(Answer answer) {
        assertThat(answer.status()).as(answer.body()).isEqualTo(504);
        assertThat(answer.text("title")).as(answer.body()).isEqualTo("provider_timeout");
        assertThat(answer.text("paymentId")).as(answer.body()).startsWith("pay_");
    }

    /**
     * A charge whose outcome is unknown: 504, and the payment is pending until the janitor settles it (which it
     * may already have done, to {@code settled}, by the time the test looks). Never failed on the way.
     */
    void assertChargeUnknown(Call call, String settled) {
        assertUnknown(call.answer());
        assertThat(status(call.paymentId())).as("status right after a 504").isIn("pending", settled);
    }

    /** The janitor moved the payment to this status (the provider's truth). */
    JsonNode awaitSettled(String paymentId, String expected) {
        await().atMost(SETTLE).pollInterval(Duration.ofMillis(100)).until(() -> expected.equals(status(paymentId)));
        return payment(paymentId);
    }

    /**
     * A charge the provider never received, settled by the janitor: failed, provider_error, retryable, and a
     * providerCode naming the reason.
     */
    void assertFailedRetryable(JsonNode payment) {
        assertFailedRetryableWithoutCall(payment);
        JsonNode error = payment.path("error");
        assertThat(error.path("providerCode").asText()).as("providerCode names the reason: " + error).isNotBlank();
    }

    /** A charge that surely never left Kessai: failed, retryable, provider_error or provider_unavailable. */
    void assertFailedRetryableWithoutCall(JsonNode payment) {
        assertThat(payment.path("status").asText()).as(payment.toString()).isEqualTo("failed");
        JsonNode error = payment.path("error");
        assertThat(error.path("code").asText()).as(error.toString()).isIn("provider_error", "provider_unavailable");
        assertThat(error.path("retryable").asBoolean()).as(error.toString()).isTrue();
    }

    /**
     * The same request again with the same key answers what is stored, consistently: the same payment, the
     * same failure, and nothing new is sent upstream for that order.
     */
    void assertReplayAnswersTheStoredFailure(Call first, FaultProxy proxy, Predicate<FaultProxy.Request> sendsOfTheOrder) {
        JsonNode stored = payment(first.paymentId());
        int sendsBefore = proxy.requests(sendsOfTheOrder).size();
        Call again = pay(first.order(), first.key());
        assertThat(again.answer().text("paymentId")).as(again.answer().body()).isEqualTo(first.paymentId());
        assertThat(again.answer().text("title")).as(again.answer().body())
                .isEqualTo(stored.path("error").path("code").asText());
        assertThat(again.answer().status()).isIn(502, 503);
        assertThat(status(first.paymentId())).isEqualTo("failed");
        assertThat(proxy.requests(sendsOfTheOrder)).as("sends after the replay").hasSize(sendsBefore);
    }

    /**
     * Kessai published the settled payment's events exactly once per status: the final one is there once, no
     * type and no eventId repeats, and no status the payment never had shows up.
     */
    void assertEventsOncePerStatus(String paymentId, String finalType, Set<String> allowed) {
        await().atMost(Duration.ofSeconds(10)).until(() -> rig.eventTypes(paymentId).contains(finalType));
        // the relay runs every 50 ms: a duplicate would show up within a few passes
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                .until(() -> rig.eventTypes(paymentId).stream().filter(finalType::equals).count() == 1);
        List<String> types = rig.eventTypes(paymentId);
        assertThat(types).as("events of " + paymentId).doesNotHaveDuplicates().containsOnlyOnce(finalType);
        assertThat(types).as("events of " + paymentId).allMatch(allowed::contains);
        assertThat(rig.eventIds(paymentId)).doesNotHaveDuplicates();
    }

    /** Every send of one operation carried one and the same Idempotency-Key. */
    static void assertOneKey(List<FaultProxy.Request> sends) {
        assertThat(sends).as("sends of the operation").isNotEmpty();
        List<String> keys = sends.stream().map(r -> r.header("Idempotency-Key")).distinct().toList();
        assertThat(keys).as("Idempotency-Keys of every send").hasSize(1);
        assertThat(keys.get(0)).as("Idempotency-Key").isNotBlank();
    }
}
