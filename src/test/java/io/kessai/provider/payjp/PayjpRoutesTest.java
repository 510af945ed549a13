package io.kessai.provider.payjp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.model.ErrorCode;
import io.kessai.model.KessaiException;
import io.kessai.model.PaymentResult;
import io.kessai.provider.ProviderExchange;
import io.kessai.runtime.Kessai;
import io.kessai.support.Orders;
import org.apache.camel.BeanInject;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.EndpointInject;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.AdviceWithRouteBuilder;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.main.MainConfigurationProperties;
import org.apache.camel.test.main.junit5.AdviceRouteMapping;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.camel.test.main.junit5.Configure;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The PAY.JP module's routes the way Camel users test routes: camel-main loads Kessai's core routes and
 * {@code routes/providers/payjp.camel.yaml} with the module's beans, {@link AdviceWithRouteBuilder} stands a
 * {@link MockEndpoint} in for PAY.JP's API (answering PAY.JP's charge object and error object, or faults), and a
 * {@link NotifyBuilder} waits for the asynchronous notice route.
 */
@CamelMainTest(
        propertyPlaceholderLocations = "classpath:kessai.properties",
        properties = {
                "kessai.sandbox.enabled=false",
                "kessai.providers.enabled=payjp",
                "kessai.providers.payjp.base-url=http://payjp.test/v1",
                "kessai.providers.payjp.secret-key=sk_test_x",
                "kessai.providers.payjp.webhook-token=whook_x",
                "kessai.providers.payjp.retry.initial-delay-ms=10",
                "kessai.providers.payjp.retry.max-delay-ms=50",
                "kessai.webhooks.process-period-ms=50",
                "kessai.webhooks.retry.initial-delay-ms=50"},
        configurationClasses = PayjpRoutesTest.Wiring.class,
        advices = @AdviceRouteMapping(route = "payjp-attempt", advice = PayjpRoutesTest.StandInForPayjp.class))
class PayjpRoutesTest {
    /** A charge as PAY.JP's v1 reference shows it (captured, with a platform fee). */
    static final String CHARGE = "{\"amount\":1000,\"amount_refunded\":0,\"captured\":true,\"captured_at\":1433127983,"
            + "\"card\":{\"brand\":\"Visa\",\"last4\":\"4242\",\"object\":\"card\",\"id\":\"car_d0e44730f83b0a19ba6caee04160\"},"
            + "\"created\":1433127983,\"currency\":\"jpy\",\"customer\":null,\"description\":null,\"expired_at\":null,"
            + "\"failure_code\":null,\"failure_message\":null,\"id\":\"ch_fa990a4c10672a93053a774730b0a\",\"livemode\":false,"
            + "\"metadata\":null,\"object\":\"charge\",\"paid\":true,\"platform_fee\":100,\"refund_reason\":null,"
            + "\"refunded\":false,\"subscription\":null}";

    @BeanInject
    CamelContext context;

    @EndpointInject("mock:payjp")
    MockEndpoint payjp;

    /** Kessai's beans with this module only, on a fresh in-memory store. */
    public static class Wiring implements CamelConfiguration {
        @Override
        public void configure(CamelContext context) {
            String run = UUID.randomUUID().toString();
            context.getPropertiesComponent().addOverrideProperty("kessai.db.url", "jdbc:h2:mem:payjp-routes-" + run);
            context.getPropertiesComponent().addOverrideProperty("kessai.scheduler.name", "kessai-payjp-routes-" + run);
            Kessai.bind(context, List.of(new PayjpModule()));
        }
    }

    /** Requests meant for PAY.JP go to the mock; nothing leaves the machine. */
    public static class StandInForPayjp extends AdviceWithRouteBuilder {
        @Override
        public void configure() {
            interceptSendToEndpoint("http://payjp.test*").skipSendToOriginalEndpoint().to("mock:payjp");
        }
    }

    @Configure
    public void routes(MainConfigurationProperties configuration) {
        List<String> routes = new ArrayList<>(Kessai.ROUTES);
        routes.add(new PayjpModule().routes());
        configuration.withRoutesIncludePattern(String.join(",", routes.stream().map(r -> "classpath:" + r).toList()));
    }

    @Test
    void chargeIsFormEncodedWithBasicAuthAndPayjpsChargeObjectCaptures() throws Exception {
        payjp.whenAnyExchangeReceived(e -> answer(e, 200, CHARGE));
        payjp.expectedMessageCount(1);

        PaymentResult result = pay(Orders.payjpCard("tok_abc"));

        payjp.assertIsSatisfied();
        assertThat(result.status()).isEqualTo("captured");
        assertThat(result.capturedAmount()).isEqualTo("1000");
        assertThat(result.providerRef()).containsEntry("id", "ch_fa990a4c10672a93053a774730b0a");
        Exchange sent = payjp.getReceivedExchanges().get(0);
        assertThat(sent.getProperty(Exchange.INTERCEPTED_ENDPOINT, String.class))
                .startsWith("http://payjp.test").contains("httpMethod=POST");
        assertThat(sent.getMessage().getHeader(Exchange.HTTP_PATH, String.class)).isEqualTo("/v1/charges");
        assertThat(sent.getMessage().getHeader("Authorization", String.class)).isEqualTo("Basic "
                + Base64.getEncoder().encodeToString("sk_test_x:".getBytes(StandardCharsets.UTF_8)));
        assertThat(sent.getMessage().getHeader(Exchange.CONTENT_TYPE, String.class)).isEqualTo("application/x-www-form-urlencoded");
        assertThat(sent.getMessage().getHeader("Idempotency-Key", String.class)).isNotBlank();
        assertThat(sent.getProperty(ProviderExchange.UPSTREAM_BODY, String.class))
                .startsWith("amount=1000&currency=jpy&card=tok_abc&capture=true&description=Digital+Product&platform_fee=100"
                        + "&metadata%5Bkessai_payment_id%5D=" + result.paymentId())
                .contains("&metadata%5BcartId%5D=c-77");
    }

    @Test
    void rateLimitedChargeIsSentAgainWithTheSameIdempotencyKey() throws Exception {
        payjp.whenAnyExchangeReceived(e -> answer(e, 200, CHARGE));
        payjp.whenExchangeReceived(1, e -> answer(e, 429, error("client_error", "over_capacity", 429)));
        payjp.expectedMessageCount(2);

        PaymentResult result = pay(Orders.payjpCard("tok_abc"));

        payjp.assertIsSatisfied();
        assertThat(result.status()).isEqualTo("captured");
        List<String> keys = payjp.getReceivedExchanges().stream()
                .map(e -> e.getMessage().getHeader("Idempotency-Key", String.class)).toList();
        assertThat(keys).hasSize(2).doesNotContainNull();
        assertThat(keys.get(1)).isEqualTo(keys.get(0));
    }

    @Test
    void cardErrorAnswersTheCanonicalCodeWithPayjpsCode() {
        payjp.whenAnyExchangeReceived(e -> answer(e, 402, error("card_error", "invalid_cvc", 402)));

        assertThatThrownBy(() -> pay(Orders.payjpCard("tok_abc")))
                .isInstanceOf(CamelExecutionException.class)
                .cause().isInstanceOfSatisfying(KessaiException.class, k -> {
                    assertThat(k.code()).isEqualTo(ErrorCode.CARD_DECLINED);
                    assertThat(k.providerCode()).isEqualTo("invalid_cvc");
                    assertThat(k.getMessage()).doesNotContain("tok_abc");
                });
    }

    @Test
    void unauthorizedIsProviderAuthFailedByItsStatus() {
        payjp.whenAnyExchangeReceived(e -> answer(e, 401, error("auth_error", "invalid_api_key", 401)));

        assertThatThrownBy(() -> pay(Orders.payjpCard("tok_abc")))
                .cause().isInstanceOfSatisfying(KessaiException.class, k -> {
                    assertThat(k.code()).isEqualTo(ErrorCode.PROVIDER_AUTH_FAILED);
                    assertThat(k.providerCode()).isEqualTo("invalid_api_key");
                    assertThat(k.getMessage()).doesNotContain("sk_test_x");
                });
    }

    @Test
    void chargeEventIsConfirmedByFetchingTheCharge() throws Exception {
        String authorized = CHARGE.replace("\"captured\":true", "\"captured\":false")
                .replace("\"expired_at\":null", "\"expired_at\":4102444799");
        payjp.whenAnyExchangeReceived(e -> answer(e, 200,
                e.getProperty(Exchange.INTERCEPTED_ENDPOINT, String.class).contains("httpMethod=GET") ? CHARGE : authorized));
        PaymentResult waiting = pay(Orders.manual(Orders.payjpCard("tok_abc")));
        assertThat(waiting.status()).isEqualTo("authorized");

        NotifyBuilder confirmed = new NotifyBuilder(context).wereSentTo("direct:kessai-payjp-notice").whenDone(1).create();
        Exchange received = template().send("bean:kessaiWebhooks?method=receive", exchange -> {
            exchange.getMessage().setHeader("provider", "payjp");
            exchange.getMessage().setHeader("X-Payjp-Webhook-Token", "whook_x");
            exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
            exchange.getMessage().setBody(("{\"id\":\"evnt_1\",\"object\":\"event\",\"type\":\"charge.captured\",\"data\":"
                    + authorized + "}").getBytes(StandardCharsets.UTF_8));
        });
        assertThat(received.getException()).isNull();
        assertThat(received.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class)).isEqualTo(200);

        assertThat(confirmed.matches(60, TimeUnit.SECONDS)).isTrue();
        Exchange fetch = payjp.getReceivedExchanges().get(1);
        assertThat(fetch.getProperty(Exchange.INTERCEPTED_ENDPOINT, String.class))
                .startsWith("http://payjp.test").contains("httpMethod=GET");
        assertThat(fetch.getMessage().getHeader(Exchange.HTTP_PATH, String.class))
                .isEqualTo("/v1/charges/ch_fa990a4c10672a93053a774730b0a");
        assertThat(fetch.getMessage().getHeader("Idempotency-Key")).isNull();
        PaymentResult captured = template().requestBodyAndHeader("direct:kessai-get", null, "paymentId", waiting.paymentId(),
                PaymentResult.class);
        assertThat(captured.status()).isEqualTo("captured");
    }

    private ProducerTemplate template() {
        return context.createProducerTemplate();
    }

    private PaymentResult pay(ObjectNode order) {
        return template().requestBody("direct:kessai-pay", order.toString(), PaymentResult.class);
    }

    private static String error(String type, String code, int status) {
        return "{\"error\":{\"code\":\"" + code + "\",\"message\":\"m\",\"param\":null,\"status\":" + status
                + ",\"type\":\"" + type + "\"}}";
    }

    private static void answer(Exchange exchange, int status, String body) {
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        exchange.getMessage().setBody(body);
    }
}
