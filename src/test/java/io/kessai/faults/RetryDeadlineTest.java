package io.kessai.faults;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.support.FaultProxy;
import io.kessai.support.FaultProxy.Fault;
import io.kessai.support.FaultProxy.Request;
import io.kessai.support.Orders;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.kessai.support.FaultProxy.bodyContains;
import static io.kessai.support.FaultProxy.path;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code kessai.providers.<id>.retry.deadline-ms} bounds one API request whatever the retry policy would still
 * do: here 10 redeliveries with a backoff of 0.5 s up to 1.5 s (13 s and more of retrying) are cut by a deadline
 * of 3 s. GMO answers 500 to every charge (retryable, but it does not prove GMO did nothing: the outcome is
 * unknown); Japan Payment's port refuses connections (retried, and surely never sent: a retryable failure).
 */
class RetryDeadlineTest extends FaultSuite {
    private static final Duration DEADLINE = Duration.ofSeconds(3);
    private static final String GMO_500 = "{\"type\":\"about:blank\",\"title\":\"internal_server_error\",\"status\":500,"
            + "\"detail\":\"An unexpected error has occurred.\",\"instance\":\"/credit/charge\"}";

    @Override
    Map<String, String> settings() {
        return Map.of(
                "kessai.providers.gmo-pg.retry.max-redeliveries", "10",
                "kessai.providers.gmo-pg.retry.initial-delay-ms", "500",
                "kessai.providers.gmo-pg.retry.max-delay-ms", "1500",
                "kessai.providers.gmo-pg.retry.deadline-ms", String.valueOf(DEADLINE.toMillis()),
                "kessai.providers.japan-payment.retry.max-redeliveries", "10",
                "kessai.providers.japan-payment.retry.initial-delay-ms", "500",
                "kessai.providers.japan-payment.retry.max-delay-ms", "1500",
                "kessai.providers.japan-payment.retry.deadline-ms", String.valueOf(DEADLINE.toMillis()));
    }

    @Override
    FaultProxy.Connections japanPaymentConnections() {
        return FaultProxy.Connections.REFUSE;
    }

    private Call payWithin(ObjectNode order, FaultProxy proxy, String sendPath) {
        try {
            return pay(order);
        } catch (NoAnswer noAnswer) {
            throw new AssertionError("no answer within the test client's 30 s (deadline " + DEADLINE.toMillis()
                    + " ms); sends so far: " + proxy.requests(path(sendPath).and(bodyContains(order.get("orderId").asText()))).size(),
                    noAnswer);
        }
    }

    @Test
    void gmoAnswering500ToEveryRetryIsAnsweredBeforeTheDeadlineAsUnknownUnderOneKey() {
        ObjectNode order = Orders.gmoCard("tok_visa");
        String orderId = order.get("orderId").asText();
        rig.gmoProxy.always(path("/credit/charge").and(bodyContains(orderId)),
                Fault.answerWithoutForwarding(500, "application/problem+json", GMO_500));
        Call call = payWithin(order, rig.gmoProxy, "/credit/charge");
        assertThat(call.took()).as("answered after").isLessThan(DEADLINE.plus(MARGIN));
        List<Request> sends = rig.gmoProxy.requests(path("/credit/charge").and(bodyContains(orderId)));
        assertThat(sends).as("sends").hasSizeBetween(1, 11);
        assertOneKey(sends);
        assertUnknown(call.answer());
        assertThat(rig.gmo.authorizations(orderId)).isZero();
    }

    @Test
    void japanPaymentWhosePortRefusesEveryRetryFailsRetryableBeforeTheDeadline() {
        Call call = payWithin(Orders.japanPayment("JPY", "3000", "konbini", "LAWSON"), rig.jpProxy, "/jpy/collect/apply");
        assertThat(call.took()).as("answered after").isLessThan(DEADLINE.plus(MARGIN));
        assertThat(call.answer().status()).as(call.answer().body()).isEqualTo(503);
        assertThat(call.answer().text("title")).isEqualTo("provider_unavailable");
        assertFailedRetryableWithoutCall(payment(call.paymentId()));
        assertThat(rig.jp.requests()).isEmpty();
    }
}
