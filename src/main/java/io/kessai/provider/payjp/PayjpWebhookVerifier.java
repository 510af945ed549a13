package io.kessai.provider.payjp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kessai.provider.ProviderJson;
import io.kessai.provider.WebhookRejected;
import io.kessai.provider.WebhookVerifier;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;

/**
 * PAY.JP's webhooks: the event JSON ({@code {"id":"evnt_…","type":"charge.succeeded",…,"data":{…}}}) with the
 * header {@code X-Payjp-Webhook-Token} holding the static token of the webhook settings. The token is compared in
 * constant time (missing or wrong: 401); the event's id is the de-duplication key; a charge event names the charge
 * (the payment's providerRef.id), which Kessai then fetches before any state change. A transfer event names a
 * transfer, which Kessai fetches and publishes as the transfer polling does ({@link PayjpTransferPolling#notice}).
 * Other events are stored and acknowledged, and change nothing.
 */
public final class PayjpWebhookVerifier implements WebhookVerifier {
    static final String TOKEN_HEADER = "X-Payjp-Webhook-Token";

    private final byte[] expected;
    private final ObjectMapper json;

    public PayjpWebhookVerifier(PayjpSettings settings, ObjectMapper json) {
        this.expected = digest(settings.webhookToken());
        this.json = json;
    }

    @Override
    public String provider() {
        return PayjpProvider.ID;
    }

    @Override
    public Verified verify(byte[] body, Map<String, Object> headers, String remoteAddress) {
        String token = header(headers);
        if (token == null) {
            throw WebhookRejected.forged("the " + TOKEN_HEADER + " header is missing");
        }
        // digests of equal length, compared without an early exit: the time says nothing about the token
        if (!MessageDigest.isEqual(expected, digest(token))) {
            throw WebhookRejected.forged("the " + TOKEN_HEADER + " does not match the configured webhook token");
        }
        JsonNode event = WebhookVerifier.jsonObject(json, body);
        String id = ProviderJson.text(event, "id");
        String type = ProviderJson.text(event, "type");
        if (id == null || type == null) {
            throw WebhookRejected.malformed("a PAY.JP event has an id and a type");
        }
        JsonNode data = event.path("data");
        String chargeId = type.startsWith("charge.") && "charge".equals(ProviderJson.text(data, "object"))
                ? ProviderJson.text(data, "id") : null;
        return new Verified(id, chargeId);
    }

    /**
     * A transfer event ({@code transfer.*} about a {@code pf_tr_} or {@code tr_}): the transfer is fetched from PAY.JP
     * and published like the polling does ({@code direct:kessai-payjp-transfer-notice}); the event's body only names it.
     */
    @Override
    public String otherNoticeEndpoint(String body) {
        JsonNode event = ProviderJson.parseOrNull(json, body);
        String type = event == null ? null : ProviderJson.text(event, "type");
        return type != null && type.startsWith("transfer.") ? "direct:kessai-payjp-transfer-notice" : null;
    }

    private static String header(Map<String, Object> headers) {
        for (Map.Entry<String, Object> h : headers.entrySet()) {
            if (TOKEN_HEADER.equalsIgnoreCase(h.getKey()) && h.getValue() != null) {
                return h.getValue().toString();
            }
        }
        return null;
    }

    private static byte[] digest(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
