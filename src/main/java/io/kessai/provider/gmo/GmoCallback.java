package io.kessai.provider.gmo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kessai.model.ErrorCode;
import io.kessai.model.KessaiException;
import io.kessai.model.PaymentView;
import io.kessai.provider.BrowserReturn;
import io.kessai.provider.PaymentLookup;
import io.kessai.provider.ProviderJson;
import io.kessai.provider.ProviderOperation;
import org.apache.camel.Exchange;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * GMO's browser-return handler: the customer's return from 3-D Secure, {@code GET /callbacks/gmo-pg?p=<base64url JSON>}
 * with {@code accessId}, {@code event} and the {@code csrfToken} Kessai sent with the charge. The csrfToken is
 * compared in constant time; {@code TDS_FINISHED} is settled by /tds2/finalizeCharge, anything else by an inquiry.
 */
public final class GmoCallback {
    private final PaymentLookup payments;
    private final ObjectMapper json;

    public GmoCallback(PaymentLookup payments, ObjectMapper json) {
        this.payments = payments;
        this.json = json;
    }

    /** Decodes {@code p}, finds the payment, checks its csrfToken, and names the operation that settles it. */
    public BrowserReturn accept(Exchange exchange) {
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
        PaymentView payment = payments.findByProviderRef(GmoProvider.ID, accessId).orElseThrow(() ->
                new KessaiException(ErrorCode.NOT_FOUND, "no gmo-pg payment has this accessId"));
        if (csrf == null || payment.csrfToken() == null || !MessageDigest.isEqual(
                csrf.getBytes(StandardCharsets.UTF_8), payment.csrfToken().getBytes(StandardCharsets.UTF_8))) {
            throw KessaiException.invalid("p.csrfToken", "mismatch", "does not match the token Kessai sent with this payment");
        }
        return new BrowserReturn(payment, "TDS_FINISHED".equals(event) ? ProviderOperation.FINALIZE : ProviderOperation.INQUIRY);
    }
}
