package io.kessai.faults;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.support.FaultProxy;
import io.kessai.support.Orders;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The configured connect timeout ({@code kessai.providers.<id>.connect-timeout-ms}, 1 s here) is what ends a
 * connection attempt to a provider whose port never accepts (a full accept queue: the handshake is never
 * answered). Nothing else could end it soon: the response timeout and the request deadline are a minute here and
 * HttpClient's own connect timeout is three minutes. One attempt (no redelivery here, so that nothing but the
 * connect timeout is measured): the request surely never left, so the payment fails, {@code 503
 * provider_unavailable}, retryable.
 */
class ConnectTimeoutTest extends FaultSuite {
    /**
     * One attempt of 1 s, plus a first call's warm-up on a loaded machine: far below the 30 s the test client
     * waits and the three minutes a connect would otherwise hang.
     */
    private static final Duration BOUND = Duration.ofSeconds(15);

    @Override
    Map<String, String> settings() {
        return Map.of(
                "kessai.providers.gmo-pg.connect-timeout-ms", "1000",
                "kessai.providers.gmo-pg.response-timeout-ms", "60000",
                "kessai.providers.gmo-pg.retry.deadline-ms", "60000",
                "kessai.providers.gmo-pg.retry.max-redeliveries", "0",
                "kessai.providers.japan-payment.connect-timeout-ms", "1000",
                "kessai.providers.japan-payment.response-timeout-ms", "60000",
                "kessai.providers.japan-payment.retry.deadline-ms", "60000",
                "kessai.providers.japan-payment.retry.max-redeliveries", "0");
    }

    @Override
    FaultProxy.Connections connections() {
        return FaultProxy.Connections.BLACKHOLE;
    }

    private Call payWithin(ObjectNode order) {
        try {
            return pay(order);
        } catch (NoAnswer noAnswer) {
            throw new AssertionError("no answer within the test client's 30 s: the connect timeout did not apply",
                    noAnswer);
        }
    }

    private void assertEndedByTheConnectTimeout(Call call) {
        assertThat(call.took()).as("answered after").isLessThan(BOUND);
        assertThat(call.answer().status()).as(call.answer().body()).isEqualTo(503);
        assertThat(call.answer().text("title")).isEqualTo("provider_unavailable");
        assertFailedRetryableWithoutCall(payment(call.paymentId()));
    }

    @Test
    void gmoChargeToAPortThatNeverAcceptsIsEndedByTheConfiguredConnectTimeout() {
        Call call = payWithin(Orders.gmoCard("tok_visa"));
        assertEndedByTheConnectTimeout(call);
        assertThat(rig.gmo.requests()).isEmpty();
    }

    @Test
    void japanPaymentApplyToAPortThatNeverAcceptsIsEndedByTheConfiguredConnectTimeout() {
        Call call = payWithin(Orders.japanPayment("JPY", "3000", "konbini", "LAWSON"));
        assertEndedByTheConnectTimeout(call);
        assertThat(rig.jp.requests()).isEmpty();
    }
}
