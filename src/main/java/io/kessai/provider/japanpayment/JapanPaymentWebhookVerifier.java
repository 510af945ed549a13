package io.kessai.provider.japanpayment;

import io.kessai.provider.ProviderJson;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kessai.provider.WebhookRejected;
import io.kessai.provider.WebhookVerifier;

import java.util.Map;

/**
 * Japan Payment notifications carry the query's data fields and their {@code sign} (providers.md): the
 * sign must verify with the provider's public key (else 401), the answer is {@code success}, and Kessai
 * confirms with a query before any state changes.
 */
public final class JapanPaymentWebhookVerifier implements WebhookVerifier {
    private final JapanPaymentSettings settings;
    private final ObjectMapper json;

    public JapanPaymentWebhookVerifier(JapanPaymentSettings settings, ObjectMapper json) {
        this.settings = settings;
        this.json = json;
    }

    @Override
    public String provider() {
        return "japan-payment";
    }

    @Override
    public Verified verify(byte[] body, Map<String, Object> headers, String remoteAddress) {
        JsonNode node = WebhookVerifier.jsonObject(json, body);
        if (!settings.signature().verify(node, settings.providerPublicKey())) {
            throw WebhookRejected.forged("the sign does not verify with japan-payment's public key");
        }
        String orderNo = ProviderJson.text(node, "orderNo");
        String orderId = ProviderJson.text(node, "orderId");
        String status = ProviderJson.text(node, "status");
        if (orderNo == null || orderId == null || status == null) {
            throw WebhookRejected.malformed("orderId, orderNo and status are required");
        }
        return new Verified(orderNo + ":" + status, orderNo, "success");
    }

    /** Status 2 (success) and 3 (failure) are final. */
    @Override
    public boolean claimsFinalOutcome(String body) {
        String status = ProviderJson.text(ProviderJson.parseOrNull(json, body), "status");
        return "2".equals(status) || "3".equals(status);
    }
}
