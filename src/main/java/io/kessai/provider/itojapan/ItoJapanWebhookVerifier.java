package io.kessai.provider.itojapan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kessai.provider.ProviderJson;
import io.kessai.provider.WebhookRejected;
import io.kessai.provider.WebhookVerifier;

import java.time.Clock;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * ITO-Japan webhooks: {@code X-Signature: sha256=<hex>}, the HMAC-SHA256 with the secret key of
 * {@code X-Timestamp + "." + the raw body}, compared in constant time over the bytes as received (a body
 * re-serialized in transit does not verify); the timestamp within the configured window either way. Forged or stale:
 * 401; a verified body without {@code payment_id} and {@code transaction}: 400. A notification is
 * {@code payment_id + transaction} (duplicates are stored once) and is confirmed by check-validity before anything
 * changes.
 */
public final class ItoJapanWebhookVerifier implements WebhookVerifier {
    private static final Pattern TIMESTAMP = Pattern.compile("[0-9]{1,12}");

    private final ItoJapanSettings settings;
    private final ObjectMapper json;
    private final Clock clock;

    public ItoJapanWebhookVerifier(ItoJapanSettings settings, ObjectMapper json, Clock clock) {
        this.settings = settings;
        this.json = json;
        this.clock = clock;
    }

    @Override
    public String provider() {
        return ItoJapanProvider.ID;
    }

    @Override
    public Verified verify(byte[] body, Map<String, Object> headers, String remoteAddress) {
        String timestamp = header(headers, "X-Timestamp");
        String signature = header(headers, "X-Signature");
        if (timestamp == null || signature == null) {
            throw WebhookRejected.forged("X-Timestamp and X-Signature are required");
        }
        if (!TIMESTAMP.matcher(timestamp).matches()) {
            throw WebhookRejected.forged("X-Timestamp is not a Unix time in seconds");
        }
        String expected = "sha256=" + ItoJapanSignature.hex(settings.secretKey(), timestamp, body);
        if (!ItoJapanSignature.same(signature, expected)) {
            throw WebhookRejected.forged("the X-Signature does not verify over the body as received");
        }
        long age = clock.instant().getEpochSecond() - Long.parseLong(timestamp);
        if (Math.abs(age) > settings.webhookToleranceSeconds()) {
            throw WebhookRejected.forged("the X-Timestamp is outside the " + settings.webhookToleranceSeconds() + " s window");
        }
        JsonNode node = WebhookVerifier.jsonObject(json, body);
        String paymentId = ProviderJson.text(node, "payment_id");
        String transaction = ProviderJson.text(node, "transaction");
        if (paymentId == null || transaction == null) {
            throw WebhookRejected.malformed("payment_id and transaction are required");
        }
        return new Verified(paymentId + ":" + transaction, paymentId);
    }

    /** A webhook reports a payment made: until check-validity confirms it, it is asked about again. */
    @Override
    public boolean claimsFinalOutcome(String body) {
        JsonNode node = ProviderJson.parseOrNull(json, body);
        return "ok".equals(ProviderJson.text(node, "status"));
    }

    private static String header(Map<String, Object> headers, String name) {
        for (Map.Entry<String, Object> h : headers.entrySet()) {
            if (h.getKey() != null && h.getKey().equalsIgnoreCase(name) && h.getValue() != null) {
                String v = h.getValue().toString().trim();
                return v.isEmpty() ? null : v;
            }
        }
        return null;
    }
}
