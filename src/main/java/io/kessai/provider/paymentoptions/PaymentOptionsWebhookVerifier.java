package io.kessai.provider.paymentoptions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kessai.provider.ProviderJson;
import io.kessai.provider.WebhookRejected;
import io.kessai.provider.WebhookVerifier;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;

/**
 * paymentoptions webhooks (providers.md): the document gives neither format nor signature, so Kessai's
 * {@code webhook_url} carries the secret query parameter {@code token} (= {@code webhook-secret}), compared in
 * constant time (wrong or missing: 401); the body has the shape of the payment answer. The card data it echoes is
 * masked in the body Kessai stores; duplicates are by {@code transaction_details.id} and the status claimed.
 */
public final class PaymentOptionsWebhookVerifier implements WebhookVerifier {
    private final PaymentOptionsSettings settings;
    private final ObjectMapper json;

    public PaymentOptionsWebhookVerifier(PaymentOptionsSettings settings, ObjectMapper json) {
        this.settings = settings;
        this.json = json;
    }

    @Override
    public String provider() {
        return PaymentOptionsProvider.ID;
    }

    @Override
    public Verified verify(byte[] body, Map<String, Object> headers, String remoteAddress) {
        if (!tokenMatches(queryParameter(headers.get("CamelHttpQuery"), "token"), settings.webhookSecret())) {
            throw WebhookRejected.forged("the token of the webhook URL is missing or wrong");
        }
        String masked = PaymentOptionsCardData.mask(new String(body, StandardCharsets.UTF_8));
        byte[] stored = masked.getBytes(StandardCharsets.UTF_8);
        JsonNode node = WebhookVerifier.jsonObject(json, stored);
        String id = ProviderJson.text(node.path("transaction_details"), "id");
        JsonNode success = node.get("success");
        if (id == null || id.isBlank() || success == null || !success.isBoolean()) {
            throw WebhookRejected.malformed("transaction_details.id and success are required");
        }
        String status = PaymentOptionsStatusMap.toCanonical(success.asBoolean(), ProviderJson.text(node, "transaction_type"),
                ProviderJson.text(node.path("gateway_response"), "code")).wire();
        return new Verified(id + ":" + status, id, null, stored);
    }

    /** Equal in constant time: both sides are hashed first, so neither the length nor a prefix leaks. */
    static boolean tokenMatches(String given, String expected) {
        if (given == null) {
            return false;
        }
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] a = sha.digest(given.getBytes(StandardCharsets.UTF_8));
            byte[] b = sha.digest(expected.getBytes(StandardCharsets.UTF_8));
            return MessageDigest.isEqual(a, b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The first value of a parameter of the raw query string, or null. */
    static String queryParameter(Object rawQuery, String name) {
        if (rawQuery == null) {
            return null;
        }
        for (String pair : rawQuery.toString().split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            if (name.equals(URLDecoder.decode(key, StandardCharsets.UTF_8))) {
                return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
