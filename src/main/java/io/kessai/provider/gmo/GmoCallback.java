package io.kessai.provider.gmo;

import io.kessai.provider.ProviderJson;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kessai.model.ErrorCode;
import io.kessai.model.KessaiException;
import io.kessai.model.PaymentOrder;
import io.kessai.model.PaymentStatus;
import io.kessai.payment.Flow;
import io.kessai.store.PaymentRecord;
import io.kessai.store.PaymentStore;
import org.apache.camel.Exchange;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * The browser's return from GMO 3-D Secure: {@code GET /callbacks/gmo-pg?p=<base64url JSON>} with
 * {@code accessId}, {@code event} and the {@code csrfToken} Kessai sent with the charge.
 */
public final class GmoCallback {
    static final String EVENT = "kessaiGmoEvent";

    private final PaymentStore store;
    private final ObjectMapper json;

    public GmoCallback(PaymentStore store, ObjectMapper json) {
        this.store = store;
        this.json = json;
    }

    /** Decodes {@code p}, finds the payment, checks its csrfToken, and decides whether to finalize. */
    public void accept(Exchange exchange) {
        String p = exchange.getMessage().getHeader("p", String.class);
        if (p == null || p.isBlank()) {
            throw KessaiException.invalid("p", "required", "is required: GMO sends the callback parameters in p");
        }
        JsonNode params;
        try {
            params = json.readTree(Base64.getUrlDecoder().decode(p.trim().replace('+', '-').replace('/', '_')));
        } catch (IllegalArgumentException | IOException e) {
            throw KessaiException.invalid("p", "format", "must be base64url-encoded JSON");
        }
        String accessId = ProviderJson.text(params, "accessId");
        String event = ProviderJson.text(params, "event");
        String csrf = ProviderJson.text(params, "csrfToken");
        if (accessId == null || event == null) {
            throw KessaiException.invalid("p", "required", "must carry accessId and event");
        }
        PaymentRecord payment = store.findByProviderRef("gmo-pg", accessId).orElseThrow(() ->
                new KessaiException(ErrorCode.NOT_FOUND, "no gmo-pg payment has this accessId"));
        if (csrf == null || payment.csrfToken() == null || !MessageDigest.isEqual(
                csrf.getBytes(StandardCharsets.UTF_8), payment.csrfToken().getBytes(StandardCharsets.UTF_8))) {
            throw KessaiException.invalid("p.csrfToken", "mismatch", "does not match the token Kessai sent with this payment");
        }
        exchange.setProperty(Flow.PAYMENT, payment);
        exchange.setProperty(Flow.PROVIDER, "gmo-pg");
        exchange.setProperty(Flow.SOURCE, "callback");
        exchange.setProperty(EVENT, event);
        boolean open = payment.status() == PaymentStatus.REQUIRES_ACTION;
        exchange.setProperty(Flow.CALL_UPSTREAM, open);
        if (open && "TDS_FINISHED".equals(event)) {
            exchange.setProperty(Flow.OPERATION, store.beginOperation(payment.paymentId(), "finalize", payment.amount()));
        }
    }

    public boolean finalizes(Exchange exchange) {
        return "TDS_FINISHED".equals(exchange.getProperty(EVENT, String.class));
    }

    /** Sends the browser to the order's success or failure URL, with the payment id and status. */
    public void redirect(Exchange exchange) throws IOException {
        PaymentRecord payment = store.find(exchange.getProperty(Flow.PAYMENT, PaymentRecord.class).paymentId()).orElseThrow();
        PaymentOrder.ReturnUrls urls = json.readValue(payment.orderJson(), PaymentOrder.class).returnUrls();
        boolean ok = payment.status() == PaymentStatus.AUTHORIZED || payment.status() == PaymentStatus.CAPTURED;
        String target = ok ? urls.success() : firstOf(urls.failure(), urls.cancel(), urls.success());
        String location = target + (target.contains("?") ? "&" : "?")
                + "paymentId=" + URLEncoder.encode(payment.paymentId(), StandardCharsets.UTF_8)
                + "&status=" + payment.status().wire();
        var message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, 302);
        message.setHeader("Location", location);
        message.setBody("");
    }

    private static String firstOf(String... values) {
        for (String v : values) {
            if (v != null) {
                return v;
            }
        }
        return null;
    }
}
