package io.kessai.provider.itojapan;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.model.PaymentOrder;
import io.kessai.model.PaymentView;
import io.kessai.provider.NotAtProvider;
import io.kessai.provider.ProviderExchange;
import org.apache.camel.Exchange;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;

/**
 * Builds and signs every ITO-Japan request: {@code POST /payment/process} (the charge) and
 * {@code POST /payment/check-validity} (the inquiry). Each send is signed in the attempt ({@link #sign}): a fresh
 * {@code X-Timestamp} and the {@code X-Signature} over exactly the bytes sent.
 */
public final class ItoJapanRequests {
    static final String PROCESS = "/payment/process";
    static final String CHECK_VALIDITY = "/payment/check-validity";
    /** Where the payment's {@code payment_id} is kept. */
    static final String NO_PAYMENT_ID = "no_payment_id";

    private final ItoJapanSettings settings;
    private final ObjectMapper json;
    private final Clock clock;

    public ItoJapanRequests(ItoJapanSettings settings, ObjectMapper json, Clock clock) {
        this.settings = settings;
        this.json = json;
        this.clock = clock;
    }

    public void charge(Exchange exchange) {
        PaymentOrder order = exchange.getProperty(ProviderExchange.ORDER, PaymentOrder.class);
        PaymentView payment = exchange.getProperty(ProviderExchange.PAYMENT, PaymentView.class);
        set(exchange, PROCESS, processBody(order, payment));
    }

    ObjectNode processBody(PaymentOrder order, PaymentView payment) {
        BigDecimal amount = order.amountValue().setScale(ItoJapanProvider.decimals(order.currency()));
        ObjectNode body = json.createObjectNode()
                .put("custom", order.orderId())
                .put("currency_code", order.currency());
        body.set("amount", DecimalNode.valueOf(amount));   // as is: 280.00, never 2.8E+2

        if (order.description() != null) {
            body.put("details", order.description());
        }
        body.put("web_hook", settings.webhookUrl())
                .put("cancel_url", returnUrl(payment, "cancel"))
                .put("success_url", returnUrl(payment, "success"))
                .put("customer_email", order.customer().email());
        return body;
    }

    /** Kessai's own browser return, naming the payment and carrying its random token. */
    String returnUrl(PaymentView payment, String result) {
        String url = settings.callbackUrl() + "?payment=" + URLEncoder.encode(payment.paymentId(), StandardCharsets.UTF_8)
                + "&result=" + result;
        return payment.csrfToken() == null ? url
                : url + "&token=" + URLEncoder.encode(payment.csrfToken(), StandardCharsets.UTF_8);
    }

    /**
     * check-validity names the payment by the {@code payment_id} of the process answer. Without one the process
     * answer never arrived, so the customer never got the checkout URL and cannot have paid: not at the provider.
     */
    public void checkValidity(Exchange exchange) {
        PaymentView payment = exchange.getProperty(ProviderExchange.PAYMENT, PaymentView.class);
        String paymentId = payment.ref("id");
        if (paymentId == null) {
            throw new NotAtProvider(ItoJapanProvider.ID, NO_PAYMENT_ID);
        }
        set(exchange, CHECK_VALIDITY, json.createObjectNode().put("payment_id", paymentId));
    }

    /** One send: the Bearer key, a fresh timestamp and the HMAC over exactly the bytes of this body. */
    public void sign(Exchange exchange) {
        String body = exchange.getProperty(ProviderExchange.UPSTREAM_BODY, String.class);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        String timestamp = String.valueOf(clock.instant().getEpochSecond());
        var message = exchange.getMessage();
        message.setHeader("Authorization", "Bearer " + settings.accessKey());
        message.setHeader("Accept", "application/json");
        message.setHeader("X-Timestamp", timestamp);
        message.setHeader("X-Signature", ItoJapanSignature.hex(settings.secretKey(), timestamp, bytes));
        message.setBody(bytes);
    }

    private void set(Exchange exchange, String path, ObjectNode body) {
        try {
            String text = json.writeValueAsString(body);
            exchange.setProperty(ProviderExchange.UPSTREAM_PATH, path);
            exchange.setProperty(ProviderExchange.UPSTREAM_GROUP, ItoJapanProvider.ID + path);
            exchange.setProperty(ProviderExchange.UPSTREAM_BODY, text);
            exchange.getMessage().setBody(text);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
