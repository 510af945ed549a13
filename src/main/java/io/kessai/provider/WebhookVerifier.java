package io.kessai.provider;

import java.util.Map;

/**
 * A provider's check of its own notifications, plugged into the webhook fan-in. It verifies what the
 * provider offers (signature, token, csrfToken, source address) over the raw bytes and names the
 * notification: the de-duplication key is the provider's own identity of it.
 */
public interface WebhookVerifier {
    String provider();

    /** @throws WebhookRejected 401 when forged, 400 when malformed */
    Verified verify(byte[] body, Map<String, Object> headers, String remoteAddress);

    /** The notification's body as a JSON object, or 400 malformed. */
    static com.fasterxml.jackson.databind.JsonNode jsonObject(com.fasterxml.jackson.databind.ObjectMapper json, byte[] body) {
        com.fasterxml.jackson.databind.JsonNode node;
        try {
            node = json.readTree(body);
        } catch (java.io.IOException e) {
            throw WebhookRejected.malformed("the body is not JSON");
        }
        if (node == null || !node.isObject()) {
            throw WebhookRejected.malformed("the body is not a JSON object");
        }
        return node;
    }

    /**
     * Whether the stored notification claims a final outcome (paid, failed). Such a claim that the provider
     * does not confirm yet is asked about again (its inquiry may lag behind its notice) instead of settled.
     */
    default boolean claimsFinalOutcome(String body) {
        return false;
    }

    /**
     * @param dedupeKey       the provider's identity of the notification
     * @param paymentRefId    the provider's id of the payment (providerRef.id)
     * @param acknowledgement the body the provider expects as the answer (null: a small JSON receipt)
     */
    record Verified(String dedupeKey, String paymentRefId, String acknowledgement) {
        public Verified(String dedupeKey, String paymentRefId) {
            this(dedupeKey, paymentRefId, null);
        }
    }
}
