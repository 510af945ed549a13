package io.kessai.faults;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.support.FaultProxy;
import io.kessai.support.Orders;
import org.junit.jupiter.api.Test;

import static io.kessai.support.FaultProxy.bodyContains;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A provider whose port refuses connections (nothing listens; Kessai never had a connection to it): the request
 * surely never left, so the payment fails at once, {@code 503 provider_unavailable}, retryable; the same request
 * again with the same key answers the same failure and sends nothing, even once the provider is reachable.
 */
class RefusedConnectionsTest extends FaultSuite {
    @Override
    FaultProxy.Connections connections() {
        return FaultProxy.Connections.REFUSE;
    }

    private void assertRefusedThenReplayedWithoutASend(Call call, FaultProxy proxy, String path) {
        assertThat(call.answer().status()).as(call.answer().body()).isEqualTo(503);
        assertThat(call.answer().text("title")).isEqualTo("provider_unavailable");
        assertThat(call.answer().text("paymentId")).startsWith("pay_");
        assertFailedRetryableWithoutCall(payment(call.paymentId()));
        assertThat(payment(call.paymentId()).path("error").path("code").asText()).isEqualTo("provider_unavailable");
        // the provider is back: a send of the replay would reach it and be seen here
        proxy.connections(FaultProxy.Connections.ACCEPT);
        assertReplayAnswersTheStoredFailure(call, proxy, FaultProxy.path(path).and(bodyContains(call.orderId())));
    }

    @Test
    void gmoChargeWhoseConnectionIsRefusedFails503RetryableAndItsReplayAnswersTheSameWithoutASend() {
        Call call = pay(Orders.gmoCard("tok_visa"));
        assertRefusedThenReplayedWithoutASend(call, rig.gmoProxy, "/credit/charge");
        assertThat(rig.gmo.authorizations(call.orderId())).isZero();
        assertThat(rig.gmo.requests()).isEmpty();
    }

    @Test
    void japanPaymentApplyWhoseConnectionIsRefusedFails503RetryableAndItsReplayAnswersTheSameWithoutASend() {
        ObjectNode order = Orders.japanPayment("JPY", "3000", "konbini", "LAWSON");
        Call call = pay(order);
        assertRefusedThenReplayedWithoutASend(call, rig.jpProxy, "/jpy/collect/apply");
        assertThat(rig.jp.applications(call.orderId())).isZero();
        assertThat(rig.jp.requests()).isEmpty();
    }
}
