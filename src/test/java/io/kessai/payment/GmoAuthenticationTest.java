package io.kessai.payment;

import io.kessai.sandbox.gmo.GmoSandbox;
import io.kessai.support.KessaiInstance;
import io.kessai.support.KessaiInstance.Answer;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** GMO password and token authentication against the sandbox, which checks both. */
class GmoAuthenticationTest {

    @Test
    void wrongShopPasswordFailsWithProviderAuthFailed() {
        try (KessaiInstance kessai = KessaiInstance.start(TestDatabases.h2(),
                Map.of("kessai.providers.gmo-pg.shop-pass", "not-the-password"))) {
            Answer answer = kessai.post("/payments", Orders.json(Orders.gmoCard("tok_visa")));
            assertThat(answer.status()).isEqualTo(502);
            assertThat(answer.text("title")).isEqualTo("provider_auth_failed");
            assertThat(answer.text("providerCode")).isEqualTo("unauthorized_request");
            assertThat(answer.text("detail")).doesNotContain("not-the-password");
            assertThat(kessai.gmoSandbox().requests()).extracting(GmoSandbox.RecordedRequest::status).containsOnly(401);
            Answer stored = kessai.get("/payments/" + answer.text("paymentId"));
            assertThat(stored.text("status")).isEqualTo("failed");
        }
    }

    @Test
    void wrongShopPasswordInTokenModeFailsAtTheTokenEndpoint() {
        try (KessaiInstance kessai = KessaiInstance.start(TestDatabases.h2(), Map.of(
                "kessai.providers.gmo-pg.auth-mode", "token",
                "kessai.providers.gmo-pg.shop-pass", "not-the-password"))) {
            Answer answer = kessai.post("/payments", Orders.json(Orders.gmoCard("tok_visa")));
            assertThat(answer.status()).isEqualTo(502);
            assertThat(answer.text("title")).isEqualTo("provider_auth_failed");
            assertThat(kessai.gmoSandbox().requests()).extracting(GmoSandbox.RecordedRequest::path).containsExactly("/token");
        }
    }

    @Test
    void tokenModeCachesTheTokenAndRenewsItOnceWhenItExpires() {
        try (KessaiInstance kessai = KessaiInstance.start(TestDatabases.h2(),
                Map.of("kessai.providers.gmo-pg.auth-mode", "token"))) {
            GmoSandbox gmo = kessai.gmoSandbox();
            assertThat(kessai.post("/payments", Orders.json(Orders.gmoCard("tok_visa"))).status()).isEqualTo(201);
            assertThat(kessai.post("/payments", Orders.json(Orders.gmoCard("tok_visa"))).status()).isEqualTo(201);
            List<GmoSandbox.RecordedRequest> first = gmo.requests();
            assertThat(first).extracting(GmoSandbox.RecordedRequest::path)
                    .containsExactly("/token", "/credit/charge", "/credit/charge");
            assertThat(first.subList(1, 3)).extracting(GmoSandbox.RecordedRequest::authScheme).containsOnly("Bearer");

            gmo.expireAllTokens();
            gmo.reset();
            Answer afterExpiry = kessai.post("/payments", Orders.json(Orders.gmoCard("tok_visa")));
            assertThat(afterExpiry.status()).as(afterExpiry.body() + gmo.requests()).isEqualTo(201);
            assertThat(gmo.requests()).extracting(r -> r.path() + " " + r.status())
                    .containsExactly("/credit/charge 401", "/token 201", "/credit/charge 201");
            // The renewed call kept the operation's Idempotency-Key.
            assertThat(gmo.requests().get(0).idempotencyKey()).isEqualTo(gmo.requests().get(2).idempotencyKey());
        }
    }
}
