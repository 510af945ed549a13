package io.kessai.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.model.ErrorCode;
import io.kessai.model.FieldError;
import io.kessai.model.KessaiException;
import io.kessai.model.PaymentOrder;
import io.kessai.model.PaymentResult;
import io.kessai.model.PaymentStatus;
import io.kessai.payment.Flow;
import io.kessai.sandbox.gmo.GmoSandbox;
import io.kessai.store.PaymentStore;
import io.kessai.support.Orders;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.ServiceStatus;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Contract section 8: Kessai inside an application's own plain CamelContext (no camel-main, no HTTP server) serves
 * direct:kessai-pay, -capture, -cancel and -refund, PaymentOrder in and PaymentResult out.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EmbeddedCamelContextTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private CamelContext context;
    private ProducerTemplate template;
    private GmoSandbox sandbox;
    private PaymentStore store;

    @BeforeAll
    void startEmbedded() throws Exception {
        context = bareContext();
        Kessai.install(context);
        context.start();
        template = context.createProducerTemplate();
        sandbox = context.getRegistry().lookupByNameAndType("gmoSandbox", GmoSandbox.class);
        store = context.getRegistry().lookupByNameAndType("kessaiStore", PaymentStore.class);
        assertThat(sandbox).as("the built-in GMO sandbox").isNotNull();
    }

    @AfterAll
    void stopEmbedded() {
        if (context != null && !context.isStopped()) {
            context.stop();
        }
    }

    /** A plain DefaultCamelContext configured the way an embedding application would: override properties. */
    private static CamelContext bareContext() {
        DefaultCamelContext ctx = new DefaultCamelContext();
        var pc = ctx.getPropertiesComponent();
        pc.addOverrideProperty("kessai.db.url", "jdbc:h2:mem:embedded-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        pc.addOverrideProperty("kessai.db.user", "sa");
        pc.addOverrideProperty("kessai.db.password", "");
        pc.addOverrideProperty("kessai.public-base-url", "http://localhost:18080");
        pc.addOverrideProperty("kessai.sandbox.enabled", "true");
        pc.addOverrideProperty("kessai.providers.gmo-pg.response-timeout-ms", "5000");
        pc.addOverrideProperty("kessai.providers.gmo-pg.retry.initial-delay-ms", "20");
        pc.addOverrideProperty("kessai.providers.gmo-pg.retry.max-delay-ms", "200");
        return ctx;
    }


    private PaymentResult pay(Object body) {
        return template.requestBody("direct:kessai-pay", body, PaymentResult.class);
    }

    private PaymentResult operation(String name, String paymentId) {
        return template.requestBodyAndHeader("direct:kessai-" + name, null, Flow.PAYMENT_ID_HEADER, paymentId,
                PaymentResult.class);
    }

    private static KessaiException kessaiFailure(Throwable thrown) {
        assertThat(thrown).isInstanceOf(CamelExecutionException.class);
        assertThat(thrown.getCause()).isInstanceOf(KessaiException.class);
        return (KessaiException) thrown.getCause();
    }

    // ------------------------------------------------------------------ pay

    @Test
    @Order(1)
    void jsonStringOrderWithManualCaptureComesBackAuthorized() {
        ObjectNode order = Orders.manual(Orders.gmoCard("tok_embedded_json"));
        PaymentResult result = pay(order.toString());

        assertThat(result.status()).isEqualTo("authorized");
        assertThat(result.orderId()).isEqualTo(order.get("orderId").asText());
        assertThat(result.provider()).isEqualTo("gmo-pg");
        assertThat(result.amount()).isEqualTo("1000");
        assertThat(result.capturedAmount()).isEqualTo("0");
        assertThat(result.paymentId()).startsWith("pay_");
        assertThat(sandbox.authorizations(result.orderId())).isEqualTo(1);
    }

    @Test
    @Order(2)
    @SuppressWarnings("unchecked")
    void mapOrderWithImmediateCaptureComesBackCaptured() {
        Map<String, Object> order = JSON.convertValue(Orders.gmoCard("tok_embedded_map"), Map.class);
        PaymentResult result = pay(order);

        assertThat(result.status()).isEqualTo("captured");
        assertThat(result.capturedAmount()).isEqualTo("1000");
        assertThat(result.orderId()).isEqualTo(order.get("orderId"));
    }

    @Test
    @Order(2)
    void paymentOrderObjectComesBackCaptured() throws Exception {
        PaymentOrder order = JSON.treeToValue(Orders.gmoCard("tok_embedded_record"), PaymentOrder.class);
        PaymentResult result = pay(order);

        assertThat(result.status()).isEqualTo("captured");
        assertThat(result.orderId()).isEqualTo(order.orderId());
    }

    @Test
    @Order(3)
    void captureByPaymentIdHeaderCapturesTheAuthorization() {
        PaymentResult authorized = pay(Orders.manual(Orders.gmoCard("tok_embedded_capture")).toString());
        assertThat(authorized.status()).isEqualTo("authorized");

        PaymentResult captured = operation("capture", authorized.paymentId());

        assertThat(captured.paymentId()).isEqualTo(authorized.paymentId());
        assertThat(captured.status()).isEqualTo("captured");
        assertThat(captured.capturedAmount()).isEqualTo("1000");
        assertThat(sandbox.requests()).anyMatch(r -> r.path().equals("/order/capture") && r.status() / 100 == 2);
    }

    @Test
    @Order(4)
    void cancelVoidsTheAuthorization() {
        PaymentResult authorized = pay(Orders.manual(Orders.gmoCard("tok_embedded_cancel")).toString());

        PaymentResult canceled = operation("cancel", authorized.paymentId());

        assertThat(canceled.status()).isEqualTo("canceled");
        assertThat(store.find(authorized.paymentId()).orElseThrow().status()).isEqualTo(PaymentStatus.CANCELED);
    }

    @Test
    @Order(5)
    void refundReturnsTheCapturedMoney() {
        PaymentResult captured = pay(Orders.gmoCard("tok_embedded_refund").toString());
        assertThat(captured.status()).isEqualTo("captured");

        PaymentResult refunded = operation("refund", captured.paymentId());

        assertThat(refunded.status()).isEqualTo("refunded");
        assertThat(refunded.refundedAmount()).isEqualTo("1000");
    }

    // ------------------------------------------------------------------ failures

    @Test
    @Order(6)
    void invalidOrderThrowsKessaiExceptionWithEveryFieldError() {
        sandbox.reset();
        ObjectNode order = Orders.gmoCard("tok_embedded_invalid").put("amount", "ten").put("currency", "yen");
        ((ObjectNode) order.get("customer")).put("email", "taro@");

        KessaiException failure = kessaiFailure(catchThrowable(() -> pay(order.toString())));

        assertThat(failure.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(failure.errors()).extracting(FieldError::field)
                .contains("amount", "currency", "customer.email");
        assertThat(failure.paymentId()).isNull();
        assertThat(sandbox.requests()).isEmpty();
    }

    @Test
    @Order(7)
    void declinedCardThrowsCardDeclinedNamingTheFailedPayment() {
        ObjectNode order = Orders.gmoCard("tok_decline_embedded");

        KessaiException failure = kessaiFailure(catchThrowable(() -> pay(order.toString())));

        assertThat(failure.code()).isEqualTo(ErrorCode.CARD_DECLINED);
        assertThat(failure.paymentId()).startsWith("pay_");
        assertThat(store.find(failure.paymentId()).orElseThrow().status()).isEqualTo(PaymentStatus.FAILED);
    }

    @Test
    @Order(8)
    void sameOrderTwiceAnswersTheSamePaymentAsAReplay() {
        String order = Orders.manual(Orders.gmoCard("tok_embedded_replay")).toString();

        Exchange first = template.request("direct:kessai-pay", e -> e.getMessage().setBody(order));
        Exchange second = template.request("direct:kessai-pay", e -> e.getMessage().setBody(order));

        assertThat(first.getException()).isNull();
        assertThat(second.getException()).isNull();
        PaymentResult a = first.getMessage().getBody(PaymentResult.class);
        PaymentResult b = second.getMessage().getBody(PaymentResult.class);
        assertThat(b.paymentId()).isEqualTo(a.paymentId());
        assertThat(first.getMessage().getHeader(Flow.REPLAY_HEADER, Boolean.class)).isFalse();
        assertThat(second.getMessage().getHeader(Flow.REPLAY_HEADER, Boolean.class)).isTrue();
        assertThat(sandbox.authorizations(a.orderId())).isEqualTo(1);
    }

    /**
     * What comes back to an embedding application carries no credential of the provider call: not GMO's Basic or
     * Bearer authorization, not any other header the attempt sent upstream (an application may log or forward them).
     */
    @Test
    @Order(9)
    void theAnswerToAnEmbeddingApplicationCarriesNoCredentialOfTheProviderCall() {
        for (String operation : List.of("pay", "capture")) {
            Exchange answer = operation.equals("pay")
                    ? template.request("direct:kessai-pay", e -> e.getMessage().setBody(
                            Orders.manual(Orders.gmoCard("tok_embedded_headers")).toString()))
                    : template.request("direct:kessai-capture", e -> e.getMessage().setHeader(Flow.PAYMENT_ID_HEADER,
                            store.findByOrderId(lastOrderId).orElseThrow().paymentId()));
            assertThat(answer.getException()).as(operation).isNull();
            if (operation.equals("pay")) {
                lastOrderId = answer.getMessage().getBody(PaymentResult.class).orderId();
            }
            assertThat(answer.getMessage().getHeaders().keySet()).as(operation + " headers")
                    .noneMatch(h -> h.equalsIgnoreCase("Authorization") || h.equalsIgnoreCase("x-api-key")
                            || h.equalsIgnoreCase("X-Signature") || h.equalsIgnoreCase("Proxy-Authorization"));
            assertThat(answer.getMessage().getHeaders().values()).as(operation + " header values")
                    .noneMatch(v -> String.valueOf(v).startsWith("Basic ") || String.valueOf(v).startsWith("Bearer "));
        }
    }

    private String lastOrderId;

    // ------------------------------------------------------------------ lifecycle

    @Test
    @Order(100)
    void stoppingTheContextClosesTheSandboxPort() {
        URI sandboxUrl = URI.create(sandbox.baseUrl());
        assertThat(canConnect(sandboxUrl)).as("sandbox reachable while running").isTrue();

        context.stop();

        assertThat(context.getStatus()).isEqualTo(ServiceStatus.Stopped);
        await().atMost(Duration.ofSeconds(5)).until(() -> !canConnect(sandboxUrl));
        assertThatThrownBy(() -> template.requestBody("direct:kessai-pay", "{}"))
                .isInstanceOf(RuntimeException.class);
    }

    private static boolean canConnect(URI url) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(url.getHost(), url.getPort()), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Contract section 8: {@link Kessai#install(CamelContext)} works in an existing application's context without
     * an HTTP server (the HTTP API is opt-in with {@code install(ctx, true)}).
     */
    @Test
    @Order(200)
    void installIntoABareContextServesDirectEndpointsWithoutAnHttpServer() throws Exception {
        CamelContext bare = bareContext();
        try {
            Kessai.install(bare);
            bare.start();
            PaymentResult result = bare.createProducerTemplate()
                    .requestBody("direct:kessai-pay", Orders.gmoCard("tok_install").toString(), PaymentResult.class);
            assertThat(result.status()).isEqualTo("captured");
        } finally {
            bare.stop();
        }
    }
}
