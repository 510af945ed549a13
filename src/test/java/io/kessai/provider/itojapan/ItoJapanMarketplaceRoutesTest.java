package io.kessai.provider.itojapan;

import io.kessai.model.ErrorCode;
import io.kessai.model.FieldError;
import io.kessai.model.KessaiException;
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

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The ITO-Japan marketplace routes with a {@link MockEndpoint} standing in for ITO-Japan's API: what each send
 * carries, and the answers the sandbox does not give (a field refusal of ITO-Japan's own, server errors). One
 * Camel context for the class; the stand-in is reset before each test.
 */
@CamelMainTest(
        propertyPlaceholderLocations = "classpath:kessai.properties",
        properties = {
                "kessai.sandbox.enabled=false",
                "kessai.providers.enabled=ito-japan",
                "kessai.providers.ito-japan.base-url=http://ito.test",
                "kessai.providers.ito-japan.access-key=51a4bd18-5bc1-4eaa-97b0-c09323398883",
                "kessai.providers.ito-japan.secret-key=ito-market-routes-secret",
                "kessai.providers.ito-japan.transfers.enabled=false",
                "kessai.providers.ito-japan.retry.initial-delay-ms=10",
                "kessai.providers.ito-japan.retry.max-delay-ms=50"},
        configurationClasses = ItoJapanMarketplaceRoutesTest.Wiring.class,
        advices = @AdviceRouteMapping(route = "ito-japan-marketplace-attempt",
                advice = ItoJapanMarketplaceRoutesTest.StandInForItoJapan.class))
@org.junit.jupiter.api.TestInstance(org.junit.jupiter.api.TestInstance.Lifecycle.PER_CLASS)
class ItoJapanMarketplaceRoutesTest {
    private static final String SHIPPED = "{\"code\":200,\"status\":\"success\",\"message\":\"Shipment registered.\","
            + "\"data\":{\"number\":\"ORD-7K2M9Q4P\",\"status\":\"paid\",\"escrow_status\":\"shipped\"}}";

    @BeanInject
    CamelContext context;

    @EndpointInject("mock:ito")
    MockEndpoint ito;

    public static class Wiring implements CamelConfiguration {
        @Override
        public void configure(CamelContext context) {
            String run = UUID.randomUUID().toString();
            context.getPropertiesComponent().addOverrideProperty("kessai.db.url", "jdbc:h2:mem:ito-market-routes-" + run);
            context.getPropertiesComponent().addOverrideProperty("kessai.scheduler.name", "kessai-ito-market-routes-" + run);
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

    @org.junit.jupiter.api.BeforeEach
    void standInAnswersAnew() {
        ito.reset();
    }

    private static void answer(Exchange exchange, int status, String body) {
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        exchange.getMessage().setBody(body);
    }

    private String call(String operation, Object args) {
        return context.createProducerTemplate().requestBody("direct:kessai-ito-japan-marketplace-" + operation, args, String.class);
    }

    @Test
    void shipCarriesTheBearerKeyAndASignatureOverTheExactBodyAndAListItsQueryAndASignatureOverNothing() throws Exception {
        AtomicInteger sends = new AtomicInteger();
        ito.whenAnyExchangeReceived(e -> answer(e, 200, sends.incrementAndGet() == 1 ? SHIPPED
                : "{\"code\":200,\"status\":\"success\",\"data\":[],"
                + "\"meta\":{\"current_page\":1,\"last_page\":1,\"per_page\":5,\"total\":0}}"));
        ito.expectedMessageCount(2);

        assertThat(call("ship", Map.of("number", "ORD-7K2M9Q4P", "tracking_number", "1234567890", "carrier", "DHL")))
                .isEqualTo(SHIPPED);
        assertThat(call("orders", Map.of("status", "paid", "per_page", 5))).contains("\"total\":0");

        ito.assertIsSatisfied();
        Exchange ship = ito.getReceivedExchanges().get(0);
        assertThat(ship.getMessage().getHeader(Exchange.HTTP_PATH, String.class)).isEqualTo("/api/merchant/orders/ORD-7K2M9Q4P/ship");
        assertThat(ship.getMessage().getHeader("Authorization", String.class))
                .isEqualTo("Bearer 51a4bd18-5bc1-4eaa-97b0-c09323398883");
        byte[] body = ship.getMessage().getBody(byte[].class);
        assertThat(new String(body, java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("{\"tracking_number\":\"1234567890\",\"carrier\":\"DHL\"}");
        String ts = ship.getMessage().getHeader("X-Timestamp", String.class);
        assertThat(ship.getMessage().getHeader("X-Signature", String.class))
                .isEqualTo(ItoJapanSandbox.hmacHex("ito-market-routes-secret", ts, body));
        assertThat(ship.getMessage().getHeader("Idempotency-Key")).isNull();

        Exchange list = ito.getReceivedExchanges().get(1);
        assertThat(list.getMessage().getHeader(Exchange.HTTP_PATH, String.class)).isEqualTo("/api/merchant/orders");
        assertThat(list.getMessage().getHeader(Exchange.HTTP_QUERY, String.class)).isEqualTo("status=paid&per_page=5");
        String listTs = list.getMessage().getHeader("X-Timestamp", String.class);
        assertThat(list.getMessage().getHeader("X-Signature", String.class))
                .isEqualTo(ItoJapanSandbox.hmacHex("ito-market-routes-secret", listTs, new byte[0]));
    }

    @Test
    void itoJapansOwnFieldRefusalIsInvalidRequestNamingTheField() {
        ito.whenAnyExchangeReceived(e -> answer(e, 422, "{\"code\":422,\"status\":\"error\",\"message\":\"The given data was invalid.\","
                + "\"errors\":{\"carrier\":[\"The selected carrier is not supported.\"]}}"));

        assertThatThrownBy(() -> call("ship", Map.of("number", "ORD-7K2M9Q4P", "tracking_number", "1", "carrier", "Pigeon")))
                .cause().isInstanceOfSatisfying(KessaiException.class, k -> {
                    assertThat(k.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
                    assertThat(k.providerCode()).isEqualTo("422");
                    assertThat(k.errors()).extracting(FieldError::field).containsExactly("carrier");
                    assertThat(k.getMessage()).contains("carrier: The selected carrier is not supported.");
                });
    }

    @Test
    void aServerErrorToShipIsProviderTimeoutAndIsNeverSentAgain() throws Exception {
        ito.whenAnyExchangeReceived(e -> answer(e, 500, "{\"code\":500,\"status\":\"error\",\"message\":\"Server Error\"}"));
        ito.expectedMessageCount(1);

        assertThatThrownBy(() -> call("ship", Map.of("number", "ORD-7K2M9Q4P", "tracking_number", "1", "carrier", "DHL")))
                .cause().isInstanceOfSatisfying(KessaiException.class, k -> {
                    assertThat(k.code()).isEqualTo(ErrorCode.PROVIDER_TIMEOUT);
                    assertThat(k.providerCode()).isEqualTo("500");
                });
        ito.assertIsSatisfied();
    }

    @Test
    void aServerErrorToAListIsSentAgainAndItsSecondAnswerIsTheResult() throws Exception {
        AtomicInteger sends = new AtomicInteger();
        ito.whenAnyExchangeReceived(e -> {
            if (sends.incrementAndGet() == 1) {
                answer(e, 503, "{\"code\":503,\"status\":\"error\",\"message\":\"Service Unavailable\"}");
            } else {
                answer(e, 200, "{\"code\":200,\"status\":\"success\",\"data\":[{\"id\":1,\"status\":\"paid\"}],"
                        + "\"meta\":{\"current_page\":1,\"last_page\":1,\"per_page\":20,\"total\":1}}");
            }
        });

        assertThat(call("settlements", Map.of())).contains("\"status\":\"paid\"");
        assertThat(sends.get()).isEqualTo(2);
    }
}
