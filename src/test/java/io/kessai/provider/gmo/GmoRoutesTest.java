package io.kessai.provider.gmo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.model.ErrorCode;
import io.kessai.model.KessaiException;
import io.kessai.model.PaymentResult;
import io.kessai.provider.ProviderExchange;
import io.kessai.runtime.Kessai;
import io.kessai.sandbox.gmo.GmoSchemas;
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

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The GMO module's routes the way Camel users test routes: camel-main loads Kessai's core routes and
 * {@code routes/providers/gmo-pg.camel.yaml} with the module's beans ({@link Wiring}), {@link AdviceWithRouteBuilder}
 * stands a {@link MockEndpoint} in for GMO's HTTP API (it answers the samples of GMO's OpenAPI document, or faults),
 * and a {@link NotifyBuilder} waits for the asynchronous notice route. Each test: map, sign, send, read.
 */
@CamelMainTest(
        propertyPlaceholderLocations = "classpath:kessai.properties",
        properties = {
                "kessai.sandbox.enabled=false",
                "kessai.providers.gmo-pg.base-url=http://gmo.test",
                "kessai.providers.gmo-pg.retry.initial-delay-ms=10",
                "kessai.providers.gmo-pg.retry.max-delay-ms=50",
                "kessai.webhooks.process-period-ms=50",
                "kessai.webhooks.retry.initial-delay-ms=50"},
        configurationClasses = GmoRoutesTest.Wiring.class,
        advices = @AdviceRouteMapping(route = "gmo-pg-charge", advice = GmoRoutesTest.StandInForGmo.class))
class GmoRoutesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNode OAS = openApi();

    @BeanInject
    CamelContext context;

    @EndpointInject("mock:gmo-pg")
    MockEndpoint gmo;

    /** Binds Kessai's beans with the GMO module, the way the runtime does, on a fresh in-memory store. */
    public static class Wiring implements CamelConfiguration {
        @Override
        public void configure(CamelContext context) {
            String run = UUID.randomUUID().toString();
            context.getPropertiesComponent().addOverrideProperty("kessai.db.url", "jdbc:h2:mem:gmo-routes-" + run);
            context.getPropertiesComponent().addOverrideProperty("kessai.scheduler.name", "kessai-gmo-routes-" + run);
            Kessai.bind(context, List.of(new GmoModule()));
        }
    }

    /** Every request meant for GMO's API goes to mock:gmo-pg instead (the send is skipped). */
    public static class StandInForGmo extends AdviceWithRouteBuilder {
        @Override
        public void configure() {
            interceptSendToEndpoint("http://gmo.test*").skipSendToOriginalEndpoint().to("mock:gmo-pg");
        }
    }

    /** Kessai's core routes and the module's routes file. */
    @Configure
    public void routes(MainConfigurationProperties configuration) {
        List<String> routes = new ArrayList<>(Kessai.ROUTES);
        routes.add(new GmoModule().routes());
        configuration.withRoutesIncludePattern(String.join(",", routes.stream().map(r -> "classpath:" + r).toList()));
    }

    // ---- the tests --------------------------------------------------------------------------------------------

    @Test
    void cardChargeIsMappedToCreditChargeWithBasicAuthAndItsDocumentedAnswerAuthorizes() throws Exception {
        answerWith(Map.of("/credit/charge", "creditChargeResponseExample1"));
        gmo.expectedMessageCount(1);

        PaymentResult result = pay(Orders.manual(Orders.gmoCard("tok_abc")));

        gmo.assertIsSatisfied();
        assertThat(result.status()).isEqualTo("authorized");
        assertThat(result.providerRef()).containsEntry("id", "acdc7d53f7a78f488d8d0997eff99c6f");
        Exchange sent = gmo.getReceivedExchanges().get(0);
        assertThat(sent.getProperty(Exchange.INTERCEPTED_ENDPOINT, String.class)).startsWith("http://gmo.test");
        assertThat(sent.getMessage().getHeader(Exchange.HTTP_PATH, String.class)).isEqualTo("/credit/charge");
        assertThat(sent.getMessage().getHeader("Authorization", String.class)).isEqualTo("Basic "
                + Base64.getEncoder().encodeToString("tshop00000001:sandbox-pass".getBytes(StandardCharsets.UTF_8)));
        assertThat(sent.getMessage().getHeader("X-MP-Version", String.class)).isEqualTo("2026-11");
        assertThat(sent.getMessage().getHeader("Idempotency-Key", String.class)).isNotBlank();
        JsonNode body = JSON.readTree(sent.getProperty(ProviderExchange.UPSTREAM_BODY, String.class));
        assertThat(GmoSchemas.violations("CreditChargeRequest", body)).isEmpty();
        assertThat(body.at("/creditInformation/creditChargeOptions/authorizationMode").asText()).isEqualTo("AUTH");
        assertThat(body.at("/merchant/callbackUrl").asText()).isEqualTo("http://localhost:8080/callbacks/gmo-pg");
    }

    @Test
    void captureSendsTheAccessIdToOrderCaptureAndTheDocumentedAnswerCaptures() throws Exception {
        answerWith(Map.of("/credit/charge", "creditChargeResponseExample1", "/order/capture", "orderCaptureCreditResponseExample1"));
        PaymentResult authorized = pay(Orders.manual(Orders.gmoCard("tok_abc")));

        PaymentResult captured = template().requestBodyAndHeader("direct:kessai-capture", null, "paymentId",
                authorized.paymentId(), PaymentResult.class);

        assertThat(captured.status()).isEqualTo("captured");
        assertThat(captured.capturedAmount()).isEqualTo("1000");
        Exchange capture = gmo.getReceivedExchanges().get(1);
        assertThat(capture.getProperty(Exchange.INTERCEPTED_ENDPOINT, String.class)).startsWith("http://gmo.test");
        assertThat(capture.getMessage().getHeader(Exchange.HTTP_PATH, String.class)).isEqualTo("/order/capture");
        JsonNode body = JSON.readTree(capture.getProperty(ProviderExchange.UPSTREAM_BODY, String.class));
        assertThat(GmoSchemas.violations("OrderCaptureRequest", body)).isEmpty();
        assertThat(body.path("accessId").asText()).isEqualTo("acdc7d53f7a78f488d8d0997eff99c6f");
    }

    @Test
    void retryableAnswerIsSentAgainWithTheSameIdempotencyKey() throws Exception {
        answerWith(Map.of("/credit/charge", "creditChargeResponseExample2"));
        gmo.whenExchangeReceived(1, exchange -> answer(exchange, 502,
                "{\"type\":\"about:blank\",\"title\":\"bad_gateway\",\"status\":502,\"detail\":\"try again\"}"));
        gmo.expectedMessageCount(2);

        PaymentResult result = pay(Orders.gmoCard("tok_abc"));

        gmo.assertIsSatisfied();
        assertThat(result.status()).isEqualTo("captured");
        List<String> keys = gmo.getReceivedExchanges().stream()
                .map(e -> e.getMessage().getHeader("Idempotency-Key", String.class)).toList();
        assertThat(keys).hasSize(2).doesNotContainNull();
        assertThat(keys.get(1)).as("the retry carries the first send's key").isEqualTo(keys.get(0));
    }

    @Test
    void declineAnswersTheCanonicalCodeWithGmosTitle() {
        gmo.whenAnyExchangeReceived(exchange -> answer(exchange, 402,
                "{\"type\":\"about:blank\",\"title\":\"card_declined\",\"status\":402,\"detail\":\"the card was declined\"}"));

        assertThatThrownBy(() -> pay(Orders.gmoCard("tok_abc")))
                .isInstanceOf(CamelExecutionException.class)
                .cause().isInstanceOfSatisfying(KessaiException.class, k -> {
                    assertThat(k.code()).isEqualTo(ErrorCode.CARD_DECLINED);
                    assertThat(k.providerCode()).isEqualTo("card_declined");
                    assertThat(k.paymentId()).isNotNull();
                });
    }

    @Test
    void cashPaidNoticeIsConfirmedByInquiryBeforeThePaymentIsCaptured() throws Exception {
        answerWith(Map.of("/cash/charge", "cashChargeResponseExample1", "/order/inquiry", "orderInquiryCashResponseExample1"));
        ObjectNode konbini = Orders.gmoCard("unused").put("provider", "gmo-pg");
        konbini.putObject("method").put("type", "konbini").put("brand", "LAWSON");
        PaymentResult waiting = pay(konbini);
        assertThat(waiting.status()).isEqualTo("requires_action");
        assertThat(waiting.nextAction().type()).isEqualTo("pay_offline");
        String csrfToken = JSON.readTree(gmo.getReceivedExchanges().get(0).getProperty(ProviderExchange.UPSTREAM_BODY, String.class))
                .at("/merchant/csrfToken").asText();

        NotifyBuilder confirmed = new NotifyBuilder(context).wereSentTo("direct:kessai-gmo-pg-notice").whenDone(1).create();
        Exchange received = template().send("bean:kessaiWebhooks?method=receive", exchange -> {
            exchange.getMessage().setHeader("provider", "gmo-pg");
            exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
            exchange.getMessage().setBody(("{\"accessId\":\"acdc7d53f7a78f488d8d0997eff99c6f\",\"event\":\"CASH_PAID\",\"csrfToken\":\""
                    + csrfToken + "\"}").getBytes(StandardCharsets.UTF_8));
        });
        assertThat(received.getException()).isNull();
        assertThat(received.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class)).isEqualTo(200);

        assertThat(confirmed.matches(60, TimeUnit.SECONDS)).as("the inbox confirmed the notice through the provider's notice route").isTrue();
        Exchange inquiry = gmo.getReceivedExchanges().get(1);
        assertThat(inquiry.getProperty(Exchange.INTERCEPTED_ENDPOINT, String.class)).startsWith("http://gmo.test");
        assertThat(inquiry.getMessage().getHeader(Exchange.HTTP_PATH, String.class)).isEqualTo("/order/inquiry");
        PaymentResult paid = template().requestBodyAndHeader("direct:kessai-get", null, "paymentId", waiting.paymentId(),
                PaymentResult.class);
        assertThat(paid.status()).isEqualTo("captured");
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    private ProducerTemplate template() {
        return context.createProducerTemplate();
    }

    private PaymentResult pay(ObjectNode order) {
        return template().requestBody("direct:kessai-pay", order.toString(), PaymentResult.class);
    }

    /** The mock answers each GMO path with the named example of GMO's OpenAPI document, 200. */
    private void answerWith(Map<String, String> examples) {
        gmo.whenAnyExchangeReceived(exchange -> {
            String path = exchange.getProperty(ProviderExchange.UPSTREAM_PATH, String.class);
            String example = examples.get(path);
            if (example == null) {
                answer(exchange, 404, "{\"type\":\"about:blank\",\"title\":\"resource_not_found\",\"status\":404}");
            } else {
                answer(exchange, 200, OAS.at("/components/examples/" + example + "/value").toString());
            }
        });
    }

    private static void answer(Exchange exchange, int status, String body) {
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        exchange.getMessage().setBody(body);
    }

    private static JsonNode openApi() {
        try (InputStream in = GmoRoutesTest.class.getResourceAsStream("/sandbox/gmo-pg/openapi-1.3.1.json")) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
