package io.kessai.kamelets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.model.ErrorCode;
import io.kessai.model.KessaiException;
import io.kessai.model.PaymentResult;
import io.kessai.runtime.Kessai;
import io.kessai.support.Orders;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kessai-events-source Kamelet and the pay action's properties in a camel-main application with Kessai installed
 * (as the README says) and the built-in GMO sandbox: a route made from the source Kamelet receives the canonical
 * events of a payment paid, captured and refunded through the action Kamelets, at least once (a failing route gets the
 * same event again), filtered by the Kamelet's types property.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EventsSourceAndPayPresetsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ROUTES = """
            - route:
                id: shop-payment-events
                from:
                  uri: kamelet:kessai-events-source
                  parameters:
                    types: "payment.authorized,payment.captured"
                  steps:
                    - process:
                        ref: shopEvents
            - route:
                id: shop-manual-checkout
                from:
                  uri: direct:shop-manual-checkout
                  steps:
                    - to:
                        uri: kamelet:kessai-pay-action
                        parameters:
                          provider: gmo-pg
                          captureMode: manual
            """;

    /** What the shop's route received: each delivery, in order; it fails the first delivery of chosen payments. */
    static final class ShopEvents implements Processor {
        record Delivery(String eventId, String type, String paymentId, JsonNode body) {
        }

        final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
        final Set<String> failFirstFor = ConcurrentHashMap.newKeySet();

        @Override
        public void process(Exchange exchange) throws Exception {
            JsonNode body = JSON.readTree(exchange.getMessage().getBody(String.class));
            String paymentId = exchange.getMessage().getHeader("KessaiPaymentId", String.class);
            deliveries.add(new Delivery(exchange.getMessage().getHeader("KessaiEventId", String.class),
                    exchange.getMessage().getHeader("KessaiEventType", String.class), paymentId, body));
            if (failFirstFor.remove(paymentId + " " + exchange.getMessage().getHeader("KessaiEventType"))) {
                throw new IllegalStateException("the shop's store is down");
            }
        }

        List<Delivery> of(String paymentId) {
            return deliveries.stream().filter(d -> paymentId.equals(d.paymentId())).toList();
        }
    }

    private final ShopEvents shopEvents = new ShopEvents();
    private final String dbUrl = "jdbc:h2:mem:events-source-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
    private Main main;
    private ProducerTemplate template;

    @BeforeAll
    void startApplication(@TempDir Path routes) throws Exception {
        Files.writeString(routes.resolve("shop.camel.yaml"), ROUTES, StandardCharsets.UTF_8);
        main = new Main();
        main.setPropertyPlaceholderLocations(Kessai.DEFAULTS);
        main.configure().setBasePackageScanEnabled(false);
        // camel-main's summary would print the sandbox's credentials
        main.configure().setAutoConfigurationLogSummary(false);
        main.configure().withRoutesIncludePattern("file:" + routes.toAbsolutePath() + "/*.camel.yaml");
        Properties overrides = new Properties();
        overrides.setProperty("kessai.db.url", dbUrl);
        overrides.setProperty("kessai.public-base-url", "http://localhost:18080");
        overrides.setProperty("kessai.providers.enabled", "gmo-pg");
        overrides.setProperty("kessai.events.uri", "direct:kessai-events");
        overrides.setProperty("kessai.events.relay-period-ms", "50");
        overrides.setProperty("kessai.events.retry.initial-delay-ms", "100");
        overrides.setProperty("kessai.events.retry.max-delay-ms", "200");
        main.setOverrideProperties(overrides);
        main.bind("shopEvents", shopEvents);
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void beforeConfigure(BaseMainSupport support) {
                try {
                    Kessai.install(support.getCamelContext());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        main.start();
        template = main.getCamelContext().createProducerTemplate();
    }

    @AfterAll
    void stopApplication() throws Exception {
        if (main != null) {
            main.stop();
        }
    }

    private static ObjectNode orderWithoutProviderOrCapture(String token) {
        ObjectNode order = Orders.gmoCard(token);
        order.remove("provider");
        order.remove("capture");
        return order;
    }

    @Test
    void aRouteFromTheEventsSourceReceivesTheEventsOfAPaymentItsTypesPropertyLetsThrough() {
        PaymentResult authorized = template.requestBody("direct:shop-manual-checkout",
                Orders.json(orderWithoutProviderOrCapture("tok_events_source")), PaymentResult.class);
        assertThat(authorized.status()).as("captureMode=manual on the Kamelet authorizes").isEqualTo("authorized");
        String paymentId = authorized.paymentId();
        template.requestBodyAndHeader("kamelet:kessai-capture-action", null, "paymentId", paymentId, PaymentResult.class);
        PaymentResult refunded = template.requestBodyAndHeader("kamelet:kessai-refund-action", null, "paymentId", paymentId,
                PaymentResult.class);
        assertThat(refunded.status()).isEqualTo("refunded");

        await().atMost(Duration.ofSeconds(20)).until(() -> shopEvents.of(paymentId).size() >= 2);
        List<ShopEvents.Delivery> received = shopEvents.of(paymentId);
        assertThat(received).extracting(ShopEvents.Delivery::type).containsExactly("payment.authorized", "payment.captured");
        ShopEvents.Delivery captured = received.get(1);
        assertThat(captured.body().path("eventId").asText()).isEqualTo(captured.eventId());
        assertThat(captured.body().path("paymentId").asText()).isEqualTo(paymentId);
        assertThat(captured.body().path("provider").asText()).isEqualTo("gmo-pg");
        assertThat(captured.body().path("status").asText()).isEqualTo("captured");
        assertThat(captured.body().path("amount").asText()).isEqualTo("1000");

        // payment.refunded is not among the Kamelet's types: the outbox counts it delivered, the route never saw it
        await().atMost(Duration.ofSeconds(20)).until(() -> delivered(paymentId, "payment.refunded"));
        assertThat(shopEvents.of(paymentId)).extracting(ShopEvents.Delivery::type).doesNotContain("payment.refunded");
    }

    @Test
    void anEventTheRouteFailedOnComesAgainWithTheSameEventId() {
        PaymentResult authorized = template.requestBody("direct:shop-manual-checkout",
                Orders.json(orderWithoutProviderOrCapture("tok_events_again")), PaymentResult.class);
        String paymentId = authorized.paymentId();
        shopEvents.failFirstFor.add(paymentId + " payment.captured");
        template.requestBodyAndHeader("kamelet:kessai-capture-action", null, "paymentId", paymentId, PaymentResult.class);

        await().atMost(Duration.ofSeconds(20)).until(() -> delivered(paymentId, "payment.captured"));
        List<ShopEvents.Delivery> captured = shopEvents.of(paymentId).stream()
                .filter(d -> d.type().equals("payment.captured")).toList();
        assertThat(captured).as("delivered, failed, delivered again").hasSize(2);
        assertThat(captured.get(1).eventId()).as("the same event").isEqualTo(captured.get(0).eventId());
    }

    @Test
    void theActionsPresetRefusesAnOrderThatNamesAnotherProviderOrCaptureMode() {
        ObjectNode order = orderWithoutProviderOrCapture("tok_events_preset");
        order.put("provider", "payjp");
        Orders.manual(order).with("capture").put("mode", "immediate");
        Throwable thrown = catchThrowable(() -> template.requestBody("direct:shop-manual-checkout", Orders.json(order),
                PaymentResult.class));
        assertThat(thrown).isInstanceOf(CamelExecutionException.class);
        KessaiException refused = (KessaiException) thrown.getCause();
        assertThat(refused.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
        assertThat(refused.errors()).extracting(e -> e.field()).containsExactly("provider", "capture.mode");
    }

    private boolean delivered(String paymentId, String type) throws Exception {
        try (Connection c = DriverManager.getConnection(dbUrl, "sa", "");
             PreparedStatement s = c.prepareStatement(
                     "SELECT COUNT(*) FROM outbox_events WHERE payment_id = ? AND type = ? AND delivered_at IS NOT NULL")) {
            s.setString(1, paymentId);
            s.setString(2, type);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getInt(1) == 1;
            }
        }
    }
}
