package io.kessai.sandbox.payjp;

import static io.kessai.sandbox.payjp.PayjpHttp.form;
import static org.assertj.core.api.Assertions.assertThat;

import io.kessai.sandbox.payjp.PayjpHttp.Answer;
import io.kessai.sandbox.payjp.PayjpState.Filter;
import io.kessai.sandbox.payjp.PayjpState.Kind;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The PAY.JP sandbox keeps everything in its PayjpState: a sandbox started again on it carries on. */
class PayjpStateTest {

    static final String SK = "sk_test_state0000000000000000";
    static final String PF = "sk_live_pf_state";

    @Test
    void aSandboxStartedAgainOnTheSameStateKnowsItsChargesKeysMerchantsAndTransfers() throws Exception {
        PayjpState state = new InMemoryPayjpState();
        PayjpSandbox.Settings settings = PayjpSandbox.Settings.defaults(SK, PF).withRateLimit(10_000, 10_000)
                .withProcessingTime(Duration.ZERO);
        String body = form("card", "tok_state0000000000000000", "amount", "1000", "currency", "jpy");
        Answer first;
        String merchantKey;
        String pf;
        try (PayjpSandbox one = new PayjpSandbox(settings, state).start()) {
            first = PayjpHttp.post(one.apiBase() + "/charges", SK, body, "key-1");
            assertThat(first.status()).isEqualTo(200);
            merchantKey = PayjpHttp.post(one.apiBase() + "/platform/merchants", PF, form("display_name", "kept"))
                    .json().get("keys").get("test_secret_key").asText();
            pf = one.createTransfer(Instant.now(), 2);
        }
        String id = first.json().get("id").asText();
        assertThat(state.find(Kind.CHARGE, id)).isPresent();
        assertThat(state.count(Kind.ACCOUNT, Filter.ALL)).isEqualTo(2);
        try (PayjpSandbox two = new PayjpSandbox(settings, state).start()) {
            assertThat(PayjpHttp.get(two.apiBase() + "/charges/" + id, SK).json()).isEqualTo(first.json());
            Answer replay = PayjpHttp.post(two.apiBase() + "/charges", SK, body, "key-1");
            assertThat(replay.raw()).isEqualTo(first.raw());
            assertThat(two.chargesWith("tok_state0000000000000000")).isEqualTo(1);
            assertThat(PayjpHttp.post(two.apiBase() + "/charges", merchantKey,
                    form("card", "tok_state1111111111111111", "amount", "1000", "currency", "jpy")).status())
                    .isEqualTo(200);
            assertThat(PayjpHttp.get(two.apiBase() + "/platform/transfers/" + pf + "/transfers", PF).json()
                    .get("data")).hasSize(2);
            assertThat(state.count(Kind.ACCOUNT, Filter.ALL)).isEqualTo(2);
            two.reset();
            assertThat(state.count(Kind.CHARGE, Filter.ALL)).isZero();
            assertThat(state.count(Kind.ACCOUNT, Filter.ALL)).isEqualTo(1);
        }
    }
}
