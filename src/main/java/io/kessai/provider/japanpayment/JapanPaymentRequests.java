package io.kessai.provider.japanpayment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.model.PaymentOrder;
import io.kessai.model.PaymentView;
import io.kessai.provider.ProviderExchange;
import org.apache.camel.Exchange;

import java.io.IOException;

/** Builds and signs every Japan Payment request: {@code /{jpy|usd}/collect/apply} and {@code /query}. */
public final class JapanPaymentRequests {
    private final JapanPaymentSettings settings;
    private final ObjectMapper json;

    public JapanPaymentRequests(JapanPaymentSettings settings, ObjectMapper json) {
        this.settings = settings;
        this.json = json;
    }

    public void apply(Exchange exchange) {
        PaymentOrder order = exchange.getProperty(ProviderExchange.ORDER, PaymentOrder.class);
        set(exchange, "/" + order.currency().toLowerCase(java.util.Locale.ROOT) + "/collect/apply", applyBody(order));
    }

    ObjectNode applyBody(PaymentOrder order) {
        JapanPaymentMethods.Method method = JapanPaymentMethods.of(order);
        PaymentOrder.Customer c = order.customer();
        PaymentOrder.ReturnUrls urls = order.returnUrls();
        ObjectNode body = json.createObjectNode()
                .put("appId", settings.appId(order.currency()))
                .put("orderId", order.orderId())
                .put("name", c.name())
                .put("phone", c.phone())
                .put("email", c.email())
                .put("amount", JapanPaymentMethods.amount(order.amountValue(), order.currency()))
                .put("payType", method.payType())
                .put("inBankCode", method.inBankCode())
                .put("callBackUrl", urls.success())
                .put("callBackFailUrl", urls.failure() != null ? urls.failure() : urls.cancel())
                .put("notifyUrl", settings.notifyUrl())
                .put("partnerUserId", c.id());
        if (order.description() != null) {
            body.put("subject", order.description());
        }
        return signed(body);
    }

    /** A query names the order by our orderId and, once known, the platform's orderNo (faster). */
    public void query(Exchange exchange) {
        PaymentView payment = exchange.getProperty(ProviderExchange.PAYMENT, PaymentView.class);
        ObjectNode body = json.createObjectNode()
                .put("appId", settings.appId(payment.currency()))
                .put("orderId", payment.orderId());
        if (payment.ref("id") != null) {
            body.put("orderNo", payment.ref("id"));
        }
        set(exchange, "/" + payment.currency().toLowerCase(java.util.Locale.ROOT) + "/collect/query", signed(body));
    }

    ObjectNode signed(ObjectNode body) {
        body.put("sign", settings.signature().sign(body, settings.privateKey()));
        return body;
    }

    private void set(Exchange exchange, String path, ObjectNode body) {
        try {
            String text = json.writeValueAsString(body);
            exchange.setProperty(ProviderExchange.UPSTREAM_PATH, path);
            exchange.setProperty(ProviderExchange.UPSTREAM_GROUP, "japan-payment" + path);
            exchange.setProperty(ProviderExchange.UPSTREAM_BODY, text);
            exchange.getMessage().setBody(text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
