package io.kessai.provider.itojapan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kessai.model.ErrorCode;
import io.kessai.model.KessaiException;
import io.kessai.model.PaymentResult;
import io.kessai.runtime.Kessai;
import io.kessai.sandbox.itojapan.ItoJapanSandbox;
import org.apache.camel.BeanInject;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.EndpointInject;
import org.apache.camel.Exchange;
import org.apache.camel.builder.AdviceWithRouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.main.MainConfigurationProperties;
import org.apache.camel.test.main.junit5.AdviceRouteMapping;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.camel.test.main.junit5.Configure;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The ITO-Japan module's routes with a {@link MockEndpoint} standing in for ITO-Japan's API: the document's answers
 * and its errors, and faults the sandbox does not make (422 from the provider, 5xx).
 */
@CamelMainTest(
        propertyPlaceholderLocations = "classpath:kessai.properties",
        properties = {
                "kessai.sandbox.enabled=false",
                "kessai.providers.enabled=ito-japan",
                "kessai.providers.ito-japan.base-url=http://ito.test",
                "kessai.providers.ito-japan.access-key=51a4bd18-5bc1-4eaa-97b0-c09323398883",
                "kessai.providers.ito-japan.secret-key=ito-routes-secret",
                "kessai.providers.ito-japan.transfers.enabled=false",
                "kessai.providers.ito-japan.retry.initial-delay-ms=10",
                "kessai.providers.ito-japan.retry.max-delay-ms=50"},
        configurationClasses = ItoJapanRoutesTest.Wiring.class,
        advices = @AdviceRouteMapping(route = "ito-japan-attempt", advice = ItoJapanRoutesTest.StandInForItoJapan.class))
class ItoJapanRoutesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The document's success answer. */
    static final String PROCESSED = "{\"code\":200,\"status\":\"ok\",\"payment_id\":\"AIYmQIOAz0GlmsjfhgiOeu304\","
            + "\"message\":\"Your payment has been processed. Please follow the URL to complete the payment.\","
            + "\"url\":\"https://payment.ito-japan.jp/process-checkout?payment_id=AIYmQIOAz0GlmsjfhgiOeu304\"}";

    @BeanInject
    CamelContext context;

    @EndpointInject("mock:ito")
    MockEndpoint ito;

    public static class Wiring implements CamelConfiguration {
        @Override
        public void configure(CamelContext context) {
            String run = UUID.randomUUID().toString();
            context.getPropertiesComponent().addOverrideProperty("kessai.db.url", "jdbc:h2:mem:ito-routes-" + run);
            context.getPropertiesComponent().addOverrideProperty("kessai.scheduler.name", "kessai-ito-routes-" + run);
            Kessai.bind(context, List.of(new ItoJapanModule()));
        }
    }

    public static class StandInForItoJapan extends AdviceWithRouteBuilder {
        @Override
        public void configure() {
            interceptSendToEndpoint("http://ito.test*").skipSendToOriginalEndpoint().to("mock:ito");
        }
    }

    @Configure
    public void routes(MainConfigurationProperties configuration) {
        List<String> routes = new ArrayList<>(Kessai.ROUTES);
        routes.add(new ItoJapanModule().routes());
        configuration.withRoutesIncludePattern(String.join(",", routes.stream().map(r -> "classpath:" + r).toList()));
    }

    private PaymentResult pay(String currency, String amount) {
        return context.createProducerTemplate().requestBody("direct:kessai-pay",
                ItoJapanPaymentsTest.order(currency, amount).toString(), PaymentResult.class);
    }

    private static void answer(Exchange exchange, int status, String body) {
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        exchange.getMessage().setBody(body);
    }

    @Test
    void processIsSignedOverTheExactBytesSentAndTheDocumentedAnswerRequiresActionWithItsUrl() throws Exception {
        ito.whenAnyExchangeReceived(e -> answer(e, 200, PROCESSED));
        ito.expectedMessageCount(1);

        PaymentResult result = pay("USD", "280.00");

        ito.assertIsSatisfied();
        assertThat(result.status()).isEqualTo("requires_action");
        assertThat(result.providerRef()).containsEntry("id", "AIYmQIOAz0GlmsjfhgiOeu304");
        assertThat(result.nextAction().url())
                .isEqualTo("https://payment.ito-japan.jp/process-checkout?payment_id=AIYmQIOAz0GlmsjfhgiOeu304");
        Exchange sent = ito.getReceivedExchanges().get(0);
        assertThat(sent.getMessage().getHeader(Exchange.HTTP_PATH, String.class)).isEqualTo("/payment/process");
        assertThat(sent.getMessage().getHeader("Authorization", String.class))
                .isEqualTo("Bearer 51a4bd18-5bc1-4eaa-97b0-c09323398883");
        assertThat(sent.getMessage().getHeader("Idempotency-Key")).isNull();
        byte[] body = sent.getMessage().getBody(byte[].class);
        String timestamp = sent.getMessage().getHeader("X-Timestamp", String.class);
        assertThat(sent.getMessage().getHeader("X-Signature", String.class))
                .isEqualTo(ItoJapanSandbox.hmacHex("ito-routes-secret", timestamp, body))
                .matches("[0-9a-f]{64}");
        String text = new String(body, StandardCharsets.UTF_8);
        assertThat(text).contains("\"amount\":280.00").doesNotContain("E+");
        JsonNode json = JSON.readTree(text);
        assertThat(json.get("custom").asText()).isEqualTo(result.orderId());
        assertThat(json.get("currency_code").asText()).isEqualTo("USD");
        assertThat(json.get("details").asText()).isEqualTo("Digital Product");
        assertThat(json.get("customer_email").asText()).isEqualTo("taro@example.jp");
        assertThat(json.get("web_hook").asText()).endsWith("/webhooks/ito-japan");
        assertThat(json.get("success_url").asText()).contains("/callbacks/ito-japan?payment=" + result.paymentId() + "&result=success");
    }

    @Test
    void invalidCredentialsAreProviderAuthFailedWithTheProvidersCode() {
        ito.whenAnyExchangeReceived(e -> answer(e, 401, "{\"code\":401,\"status\":\"error\",\"message\":\"Invalid API credentials.\"}"));

        assertThatThrownBy(() -> pay("JPY", "1000"))
                .cause().isInstanceOfSatisfying(KessaiException.class, k -> {
                    assertThat(k.code()).isEqualTo(ErrorCode.PROVIDER_AUTH_FAILED);
                    assertThat(k.providerCode()).isEqualTo("401");
                    assertThat(k.getMessage()).doesNotContain("51a4bd18", "ito-routes-secret");
                });
    }

    @Test
    void merchantUserEndpointsWithoutAnOAuthClientNameTheMissingKeysAndSendNothing() {
        ito.expectedMessageCount(0);

        assertThatThrownBy(() -> context.createProducerTemplate().requestBody(
                "direct:kessai-ito-japan-merchant-user-balance", "{\"user\":123}", String.class))
                .cause().isInstanceOfSatisfying(KessaiException.class, k -> {
                    assertThat(k.code()).isEqualTo(ErrorCode.INTERNAL_ERROR);
                    assertThat(k.getMessage()).contains("kessai.providers.ito-japan.client-id")
                            .contains("client-secret").contains("nothing was sent");
                });
        assertThat(ito.getReceivedCounter()).isZero();
    }

    @Test
    void theProvidersValidationErrorsAreMappedToTheOrdersFieldsAndThePaymentFails() {
        ito.whenAnyExchangeReceived(e -> answer(e, 422, "{\"code\":422,\"status\":\"error\",\"message\":\"The given data was invalid.\","
                + "\"errors\":{\"amount\":[\"The amount is too small.\"],\"customer_email\":[\"The customer email is invalid.\"]}}"));

        assertThatThrownBy(() -> pay("JPY", "1"))
                .cause().isInstanceOfSatisfying(KessaiException.class, k -> {
                    assertThat(k.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
                    assertThat(k.providerCode()).isEqualTo("422");
                    assertThat(k.getMessage()).contains("amount: The amount is too small.",
                            "customer.email: The customer email is invalid.");
                });
    }

    @Test
    void aServerErrorAfterSendingIsProviderTimeoutAndIsNeverSentAgain() throws Exception {
        ito.whenAnyExchangeReceived(e -> answer(e, 500, "{\"code\":500,\"status\":\"error\",\"message\":\"Server Error\"}"));
        ito.expectedMessageCount(1);

        assertThatThrownBy(() -> pay("JPY", "1000"))
                .cause().isInstanceOfSatisfying(KessaiException.class, k -> {
                    assertThat(k.code()).isEqualTo(ErrorCode.PROVIDER_TIMEOUT);
                    assertThat(k.providerCode()).isEqualTo("500");
                });
        ito.assertIsSatisfied();
    }
}
