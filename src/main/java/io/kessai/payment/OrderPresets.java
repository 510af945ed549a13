package io.kessai.payment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.model.FieldError;
import io.kessai.model.KessaiException;
import io.kessai.model.PaymentOrder;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

/**
 * What a pay action Kamelet's properties say about the orders sent through it ({@code provider}, {@code captureMode}):
 * an order that leaves the field out gets the Kamelet's value; an order that names another value is refused
 * ({@code 400 invalid_request} naming the field), so one Kamelet never carries an order somewhere it was not
 * configured for. The headers are removed before the order goes on; the rest of the order is untouched and is
 * validated by {@code direct:kessai-pay} as any other.
 */
public final class OrderPresets {
    /** The Kamelet's {@code provider} property (blank: none). */
    public static final String PROVIDER_HEADER = "KessaiPresetProvider";
    /** The Kamelet's {@code captureMode} property (blank: none). */
    public static final String CAPTURE_MODE_HEADER = "KessaiPresetCaptureMode";
    private static final Set<String> CAPTURE_MODES = Set.copyOf(PaymentOrderReader.CAPTURE_MODES);

    private final ObjectMapper json;

    public OrderPresets(ObjectMapper json) {
        this.json = json;
    }

    public void apply(Exchange exchange) {
        Message message = exchange.getMessage();
        String provider = blankToNull(message.getHeader(PROVIDER_HEADER, String.class));
        String captureMode = blankToNull(message.getHeader(CAPTURE_MODE_HEADER, String.class));
        message.removeHeader(PROVIDER_HEADER);
        message.removeHeader(CAPTURE_MODE_HEADER);
        if (captureMode != null && !CAPTURE_MODES.contains(captureMode)) {
            // the Kamelet's own configuration, not the order: the message names the property
            throw new IllegalArgumentException("Kamelet property captureMode must be one of " + PaymentOrderReader.CAPTURE_MODES
                    + ", not " + captureMode);
        }
        if (provider == null && captureMode == null) {
            return;
        }
        if (message.getBody() instanceof InputStream in) {
            try {
                message.setBody(in.readAllBytes()); // read once, kept for direct:kessai-pay
            } catch (IOException e) {
                throw KessaiException.invalid("", "unreadable", "the request body could not be read");
            }
        }
        JsonNode node = read(message.getBody());
        if (!(node instanceof ObjectNode order)) {
            return; // not an order object: direct:kessai-pay reports it
        }
        List<FieldError> errors = new ArrayList<>();
        if (provider != null) {
            JsonNode named = order.get("provider");
            if (named == null || named.isNull()) {
                order.put("provider", provider);
            } else if (!named.isTextual() || !named.asText().equals(provider)) {
                errors.add(new FieldError("provider", "preset",
                        "this Kamelet sends orders to provider " + provider + "; the order names another"));
            }
        }
        if (captureMode != null) {
            JsonNode capture = order.get("capture");
            if (capture == null || capture.isNull()) {
                order.putObject("capture").put("mode", captureMode);
            } else if (capture instanceof ObjectNode c) {
                JsonNode mode = c.get("mode");
                if (mode == null || mode.isNull()) {
                    c.put("mode", captureMode);
                } else if (!mode.isTextual() || !mode.asText().equals(captureMode)) {
                    errors.add(new FieldError("capture.mode", "preset",
                            "this Kamelet takes orders with capture mode " + captureMode + "; the order names another"));
                }
            }
        }
        if (!errors.isEmpty()) {
            throw KessaiException.invalid(errors);
        }
        try {
            message.setBody(json.writeValueAsString(order));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The order as a JSON tree, or null when the body is not JSON (direct:kessai-pay then says why). */
    private JsonNode read(Object body) {
        try {
            if (body == null) {
                return null;
            }
            if (body instanceof byte[] bytes) {
                return json.readTree(bytes);
            }
            if (body instanceof String s) {
                return json.readTree(s.getBytes(StandardCharsets.UTF_8));
            }
            if (body instanceof PaymentOrder || body instanceof Map) {
                return json.valueToTree(body);
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }
}
