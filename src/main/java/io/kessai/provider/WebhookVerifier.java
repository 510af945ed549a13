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

    /**
     * The Content-Type the provider sends its notifications with; another one is answered
     * {@code 415 unsupported_media_type}. JSON ({@link io.kessai.api.JsonBody}) by default.
     */
    default String mediaType() {
        return io.kessai.api.JsonBody.MEDIA_TYPE;
    }

    /**
     * The notification's body as one JSON object in UTF-8 ({@link io.kessai.api.JsonBody#readOne}: nothing
     * after it, no repeated key), or 400 malformed.
     */
    static com.fasterxml.jackson.databind.JsonNode jsonObject(com.fasterxml.jackson.databind.ObjectMapper json, byte[] body) {
        java.util.List<io.kessai.model.FieldError> errors = new java.util.ArrayList<>();
        com.fasterxml.jackson.databind.JsonNode node = io.kessai.api.JsonBody.readOne(json, body, errors);
        if (!errors.isEmpty()) {
            throw new WebhookRejected(400, "invalid_request", errors.get(0).message(), errors);
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
     * For a stored notification about something that is not a payment (a transfer): the endpoint
     * ({@code direct:...}) that confirms it with the provider and acts on what the provider answers, given the stored
     * body; it fails to have the notification tried again later. Null (the default): such a notification is
     * stored and ignored.
     */
    default String otherNoticeEndpoint(String body) {
        return null;
    }

    /**
     * @param dedupeKey       the provider's identity of the notification
     * @param paymentRefId    the provider's id of the payment (providerRef.id)
     * @param acknowledgement the body the provider expects as the answer (null: a small JSON receipt)
     * @param storedBody      what the inbox stores instead of the raw bytes (null: the raw bytes), for a provider whose
     *                        notifications echo card data that must be masked before anything is stored
     */
    record Verified(String dedupeKey, String paymentRefId, String acknowledgement, byte[] storedBody) {
        public Verified(String dedupeKey, String paymentRefId, String acknowledgement) {
            this(dedupeKey, paymentRefId, acknowledgement, null);
        }

        public Verified(String dedupeKey, String paymentRefId) {
            this(dedupeKey, paymentRefId, null, null);
        }
    }
}
