package io.kessai.provider.japanpayment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Japan Payment module's routes the way Camel users test routes: camel-main loads Kessai's core routes and
 * {@code routes/providers/japan-payment.camel.yaml} with the module's beans ({@link Wiring}), a {@link MockEndpoint}
 * stands in for the provider (advised in with {@link AdviceWithRouteBuilder}) and answers the document's samples
 * signed with a provider key made for the test, and a {@link NotifyBuilder} waits for the notice route.
 */
@CamelMainTest(
        propertyPlaceholderLocations = "classpath:kessai.properties",
        properties = {
                "kessai.sandbox.enabled=false",
                "kessai.providers.japan-payment.base-url=http://japan-payment.test",
                "kessai.providers.japan-payment.retry.initial-delay-ms=10",
                "kessai.providers.japan-payment.retry.max-delay-ms=50",
                "kessai.webhooks.process-period-ms=50",
                "kessai.webhooks.retry.initial-delay-ms=50"},
        configurationClasses = JapanPaymentRoutesTest.Wiring.class,
        advices = @AdviceRouteMapping(route = "japan-payment-charge", advice = JapanPaymentRoutesTest.StandInForTheProvider.class))
class JapanPaymentRoutesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JapanPaymentSignature SIGNATURE = new JapanPaymentSignature("SHA256withRSA");
    /** Kessai's key pair (the provider verifies requests with its public half) and the provider's. */
    private static final KeyPair MERCHANT = keys();
    private static final KeyPair PROVIDER = keys();
    /** The document's apply answer (an e-wallet: payUrl). */
    private static final String APPLY_SAMPLE = """
            {"status":"1","error":"00000000","msg":"","data":{"orderId":"M233323000059","orderNo":"6023071013539074",
             "payUrl":"https://a.api-uat.php.com/1L9zQS2","bankCode":"GCASH_STATIC_VA","bankNo":"PC0007I10000035",
             "qrCode":"000201010212","sign":"x"}}""";
    /** The document's query answer, paid (status 2). */
    private static final String PAID_QUERY_SAMPLE = """
            {"status":"1","error":"00000000","msg":"","data":{"orderId":"M22222000028","orderNo":"6023071013539074",
             "amount":"1000.00","actualAmount":"1000.00","fee":"25.00","status":2,"payTime":"2026-11-23 10:00:00","sign":"x"}}""";

    @BeanInject
    CamelContext context;

    @EndpointInject("mock:japan-payment")
    MockEndpoint provider;

    /** Binds Kessai's beans with the Japan Payment module and the test's keys, on a fresh in-memory store. */
    public static class Wiring implements CamelConfiguration {
        @Override
        public void configure(CamelContext context) {
            String run = UUID.randomUUID().toString();
            var properties = context.getPropertiesComponent();
            properties.addOverrideProperty("kessai.db.url", "jdbc:h2:mem:japan-payment-routes-" + run);
            properties.addOverrideProperty("kessai.scheduler.name", "kessai-japan-payment-routes-" + run);
            properties.addOverrideProperty("kessai.providers.japan-payment.private-key",
                    JapanPaymentSignature.pem("PRIVATE KEY", MERCHANT.getPrivate().getEncoded()));
            properties.addOverrideProperty("kessai.providers.japan-payment.provider-public-key",
                    JapanPaymentSignature.pem("PUBLIC KEY", PROVIDER.getPublic().getEncoded()));
            Kessai.bind(context, List.of(new JapanPaymentModule()));
        }
    }

    /** Every request meant for the provider goes to mock:japan-payment instead (the send is skipped). */
    public static class StandInForTheProvider extends AdviceWithRouteBuilder {
        @Override
        public void configure() {
            interceptSendToEndpoint("http://japan-payment.test*").skipSendToOriginalEndpoint().to("mock:japan-payment");
        }
    }

    /** Kessai's core routes and the module's routes file. */
    @Configure
    public void routes(MainConfigurationProperties configuration) {
        List<String> routes = new ArrayList<>(Kessai.ROUTES);
        routes.add(new JapanPaymentModule().routes());
        configuration.withRoutesIncludePattern(String.join(",", routes.stream().map(r -> "classpath:" + r).toList()));
    }

    // ---- the tests --------------------------------------------------------------------------------------------

    @Test
    void applyIsSignedWithKessaisKeyAndTheSignedAnswerSendsTheCustomerToPay() throws Exception {
        provider.whenAnyExchangeReceived(exchange -> answer(exchange, signedByProvider(APPLY_SAMPLE)));
        provider.expectedMessageCount(1);

        PaymentResult result = pay(Orders.japanPayment("JPY", "1000", "ewallet", "AU_PAY"));

        provider.assertIsSatisfied();
        assertThat(result.status()).isEqualTo("requires_action");
        assertThat(result.nextAction().url()).isEqualTo("https://a.api-uat.php.com/1L9zQS2");
        assertThat(result.providerRef()).containsEntry("id", "6023071013539074");
        Exchange sent = provider.getReceivedExchanges().get(0);
        assertThat(sent.getMessage().getHeader(Exchange.HTTP_PATH, String.class)).isEqualTo("/jpy/collect/apply");
        assertThat(sent.getMessage().getHeader("Idempotency-Key")).as("the API has no idempotency key").isNull();
        JsonNode body = JSON.readTree(sent.getProperty(ProviderExchange.UPSTREAM_BODY, String.class));
        assertThat(SIGNATURE.verify(body, MERCHANT.getPublic())).as("signed with Kessai's private key").isTrue();
        assertThat(body.path("appId").asLong()).isEqualTo(1054);
        assertThat(body.path("payType").asText()).isEqualTo("EWALLET");
        assertThat(body.path("inBankCode").asText()).isEqualTo("AU_PAY");
        assertThat(body.path("notifyUrl").asText()).isEqualTo("http://localhost:8080/webhooks/japan-payment");
    }

    @Test
    void answerWhoseSignatureDoesNotVerifyChangesNothing() throws Exception {
        provider.whenAnyExchangeReceived(exchange -> {
            ObjectNode answer = signedByProvider(APPLY_SAMPLE);
            ((ObjectNode) answer.get("data")).put("payUrl", "https://attacker.example/pay");
            answer(exchange, answer);
        });
        ObjectNode order = Orders.japanPayment("JPY", "1000", "ewallet", "AU_PAY");

        assertThatThrownBy(() -> pay(order)).isInstanceOf(CamelExecutionException.class);

        PaymentResult stored = template().requestBodyAndHeader("direct:kessai-find", null, "orderId",
                order.get("orderId").asText(), PaymentResult.class);
        assertThat(stored.status()).as("nothing unsigned is believed: the payment waits for a verified query").isEqualTo("pending");
        assertThat(stored.nextAction()).isNull();
    }

    @Test
    void connectionRefusedBeforeSendingIsRetriedAndTheApplyIsMadeOnce() throws Exception {
        provider.whenExchangeReceived(1, exchange -> {
            throw new ConnectException("Connection refused");
        });
        provider.whenExchangeReceived(2, exchange -> answer(exchange, signedByProvider(APPLY_SAMPLE)));
        provider.expectedMessageCount(2);

        PaymentResult result = pay(Orders.japanPayment("JPY", "1000", "ewallet", "MERPAY"));

        provider.assertIsSatisfied();
        assertThat(result.status()).isEqualTo("requires_action");
    }

    @Test
    void paidNoticeIsConfirmedByQueryBeforeThePaymentIsCaptured() throws Exception {
        provider.whenAnyExchangeReceived(exchange -> {
            String path = exchange.getProperty(ProviderExchange.UPSTREAM_PATH, String.class);
            answer(exchange, signedByProvider(path.endsWith("/query") ? PAID_QUERY_SAMPLE : APPLY_SAMPLE));
        });
        ObjectNode order = Orders.japanPayment("JPY", "1000", "konbini", "LAWSON");
        PaymentResult waiting = pay(order);
        assertThat(waiting.status()).isEqualTo("requires_action");

        NotifyBuilder confirmed = new NotifyBuilder(context).wereSentTo("direct:kessai-japan-payment-notice").whenDone(1).create();
        ObjectNode notice = JSON.createObjectNode().put("orderId", order.get("orderId").asText())
                .put("orderNo", "6023071013539074").put("amount", "1000.00").put("status", 2);
        notice.put("sign", SIGNATURE.sign(notice, PROVIDER.getPrivate()));
        Exchange received = template().send("bean:kessaiWebhooks?method=receive", exchange -> {
            exchange.getMessage().setHeader("provider", "japan-payment");
            exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
            exchange.getMessage().setBody(notice.toString().getBytes(StandardCharsets.UTF_8));
        });
        assertThat(received.getException()).isNull();
        assertThat(received.getMessage().getBody(String.class)).isEqualTo("success");

        assertThat(confirmed.matches(60, TimeUnit.SECONDS)).as("the inbox confirmed the notice through the provider's notice route").isTrue();
        Exchange query = provider.getReceivedExchanges().get(1);
        assertThat(query.getMessage().getHeader(Exchange.HTTP_PATH, String.class)).isEqualTo("/jpy/collect/query");
        PaymentResult paid = template().requestBodyAndHeader("direct:kessai-get", null, "paymentId", waiting.paymentId(),
                PaymentResult.class);
        assertThat(paid.status()).isEqualTo("captured");
        assertThat(paid.providerRef()).containsEntry("fee", "25.00").containsEntry("actualAmount", "1000.00");
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    private ProducerTemplate template() {
        return context.createProducerTemplate();
    }

    private PaymentResult pay(ObjectNode order) {
        return template().requestBody("direct:kessai-pay", order.toString(), PaymentResult.class);
    }

    /** The document's sample with its data signed by the provider key of the test. */
    private static ObjectNode signedByProvider(String sample) {
        try {
            ObjectNode answer = (ObjectNode) JSON.readTree(sample);
            ObjectNode data = (ObjectNode) answer.get("data");
            data.remove("sign");
            data.put("sign", SIGNATURE.sign(data, PROVIDER.getPrivate()));
            return answer;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void answer(Exchange exchange, ObjectNode body) {
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        exchange.getMessage().setBody(body.toString());
    }

    private static KeyPair keys() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
