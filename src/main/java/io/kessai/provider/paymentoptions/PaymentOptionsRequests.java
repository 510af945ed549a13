package io.kessai.provider.paymentoptions;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.model.PaymentOrder;
import io.kessai.provider.ProviderExchange;
import org.apache.camel.Exchange;

import java.io.IOException;

/**
 * Builds the one paymentoptions request: {@code POST /server-to-server-interface/payment} with a stored card
 * token, and the two headers that carry the API key.
 */
public final class PaymentOptionsRequests {
    static final String PAYMENT_PATH = "/server-to-server-interface/payment";

    private final PaymentOptionsSettings settings;
    private final ObjectMapper json;

    public PaymentOptionsRequests(PaymentOptionsSettings settings, ObjectMapper json) {
        this.settings = settings;
        this.json = json;
    }

    public void charge(Exchange exchange) {
        PaymentOrder order = exchange.getProperty(ProviderExchange.ORDER, PaymentOrder.class);
        try {
            String text = json.writeValueAsString(paymentBody(order));
            exchange.setProperty(ProviderExchange.UPSTREAM_PATH, PAYMENT_PATH);
            exchange.setProperty(ProviderExchange.UPSTREAM_GROUP, PaymentOptionsProvider.ID + PAYMENT_PATH);
            exchange.setProperty(ProviderExchange.UPSTREAM_BODY, text);
            exchange.getMessage().setBody(text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sets both headers of the API key on one attempt (never logged, never recorded). */
    public void authorize(Exchange exchange) {
        exchange.getMessage().setHeader("Authorization", settings.authorization());
        exchange.getMessage().setHeader("x-api-key", settings.apiKey());
    }

    ObjectNode paymentBody(PaymentOrder order) {
        PaymentOrder.Customer c = order.customer();
        PaymentOrder.ReturnUrls urls = order.returnUrls();
        ObjectNode body = json.createObjectNode()
                .put("amount", order.amountValue().stripTrailingZeros().toPlainString())
                .put("currency", order.currency());
        body.putObject("payment_method")
                .put("type", "scheme")
                .put("store_payment_method", true)
                .put("stored_payment_method_id", order.method().token());
        body.put("merchant_txn_ref", order.orderId())
                .put("customer_ip", c.ip())
                .put("merchant_id", settings.merchantId());
        body.putObject("return_url")
                .put("webhook_url", settings.webhookUrl())
                .put("success_url", urls.success())
                .put("decline_url", urls.failure() != null ? urls.failure() : urls.cancel());
        body.set("billing_address", address(order.billingAddress(), c));
        if (order.shippingAddress() != null) {
            body.set("shipping_address", address(order.shippingAddress(), c));
        }
        body.put("time_zone", settings.timeZone());
        return body;
    }

    private ObjectNode address(PaymentOrder.Address a, PaymentOrder.Customer c) {
        return json.createObjectNode()
                .put("country", a.country())
                .put("email", c.email())
                .put("phone_number", phoneNumber(c.phone()))
                .put("address1", a.line2() == null || a.line2().isBlank() ? a.line1() : a.line1() + " " + a.line2())
                .put("city", a.city())
                .put("state", a.state())
                .put("postal_code", a.postalCode());
    }

    /**
     * The provider's phone_number ({@code 8112345678} in the sample): digits only, the country code first. A
     * Japanese number written nationally ({@code 090-1234-5678}) takes 81 for its leading 0.
     */
    static String phoneNumber(String phone) {
        String digits = phone.replaceAll("[\\s()\\-]", "");
        if (digits.startsWith("+")) {
            return digits.substring(1);
        }
        if (digits.startsWith("0") && !digits.startsWith("00")) {
            return "81" + digits.substring(1);
        }
        return digits;
    }
}
