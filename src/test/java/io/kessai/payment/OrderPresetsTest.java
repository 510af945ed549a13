package io.kessai.payment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kessai.model.FieldError;
import io.kessai.model.KessaiException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the pay action Kamelet's provider and captureMode properties do to the order in the body, whatever its form. */
class OrderPresetsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final CamelContext context = new DefaultCamelContext();
    private final OrderPresets presets = new OrderPresets(JSON);

    @AfterEach
    void close() throws Exception {
        context.close();
    }

    private Exchange exchange(Object body, String provider, String captureMode) {
        Exchange exchange = new DefaultExchange(context);
        exchange.getMessage().setBody(body);
        exchange.getMessage().setHeader(OrderPresets.PROVIDER_HEADER, provider);
        exchange.getMessage().setHeader(OrderPresets.CAPTURE_MODE_HEADER, captureMode);
        return exchange;
    }

    private static JsonNode body(Exchange exchange) throws Exception {
        return JSON.readTree(exchange.getMessage().getBody(String.class));
    }

    @Test
    void aMapOrderWithoutTheFieldsGetsTheKameletsProviderAndCaptureMode() throws Exception {
        Exchange exchange = exchange(Map.of("orderId", "ORD-1", "amount", "1000"), "payjp", "manual");
        presets.apply(exchange);
        JsonNode order = body(exchange);
        assertThat(order.path("provider").asText()).isEqualTo("payjp");
        assertThat(order.path("capture").path("mode").asText()).isEqualTo("manual");
        assertThat(order.path("amount").asText()).as("the rest untouched").isEqualTo("1000");
        assertThat(exchange.getMessage().getHeaders()).as("the preset headers do not travel on")
                .doesNotContainKeys(OrderPresets.PROVIDER_HEADER, OrderPresets.CAPTURE_MODE_HEADER);
    }

    @Test
    void aCaptureWithoutModeGetsTheModeAndKeepsItsDate() throws Exception {
        String order = "{\"orderId\":\"ORD-2\",\"provider\":\"gmo-pg\",\"capture\":{\"at\":\"2026-12-24T10:00:00+09:00\"}}";
        Exchange exchange = exchange(order.getBytes(StandardCharsets.UTF_8), "gmo-pg", "scheduled");
        presets.apply(exchange);
        JsonNode capture = body(exchange).path("capture");
        assertThat(capture.path("mode").asText()).isEqualTo("scheduled");
        assertThat(capture.path("at").asText()).isEqualTo("2026-12-24T10:00:00+09:00");
    }

    @Test
    void anOrderNamingAnotherProviderOrModeIsRefusedFieldByField() {
        String order = "{\"orderId\":\"ORD-3\",\"provider\":\"gmo-pg\",\"capture\":{\"mode\":\"immediate\"}}";
        assertThatThrownBy(() -> presets.apply(exchange(order, "payjp", "manual")))
                .isInstanceOfSatisfying(KessaiException.class, e -> assertThat(e.errors())
                        .extracting(FieldError::field).containsExactly("provider", "capture.mode"));
    }

    @Test
    void withoutPropertiesTheBodyIsLeftAsItCame() {
        Object body = "{\"orderId\":\"ORD-4\"}";
        Exchange exchange = exchange(body, "", null);
        presets.apply(exchange);
        assertThat(exchange.getMessage().getBody()).isSameAs(body);
    }

    @Test
    void aCaptureModePropertyOutsideTheContractIsRefusedNamingTheProperty() {
        assertThatThrownBy(() -> presets.apply(exchange("{}", null, "later")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("captureMode");
    }
}
