package io.kessai.provider.japanpayment;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.function.Function;

/**
 * Japan Payment settings ({@code kessai.providers.japan-payment.*}): the API root (always configured: the
 * document names none), an appId per currency, Kessai's RSA private key and the provider's public key
 * (PEM text or {@code file:} path), and the signature algorithm.
 */
public record JapanPaymentSettings(String baseUrl, long appIdJpy, long appIdUsd, PrivateKey privateKey,
                                   PublicKey providerPublicKey, JapanPaymentSignature signature, String notifyUrl) {
    static final String P = "kessai.providers.japan-payment.";

    /** Null when the provider is not configured (no base URL or keys): it is then not installed. */
    public static JapanPaymentSettings from(Function<String, String> property, String publicBaseUrl) {
        Function<String, String> p = k -> property.apply(P + k);
        if (p.apply("base-url") == null || p.apply("private-key") == null || p.apply("provider-public-key") == null) {
            return null;
        }
        String base = publicBaseUrl.endsWith("/") ? publicBaseUrl.substring(0, publicBaseUrl.length() - 1) : publicBaseUrl;
        String url = p.apply("base-url");
        return new JapanPaymentSettings(url.endsWith("/") ? url.substring(0, url.length() - 1) : url,
                appId(p, "app-id-jpy"), appId(p, "app-id-usd"),
                JapanPaymentSignature.privateKey(p.apply("private-key"), P + "private-key"),
                JapanPaymentSignature.publicKey(p.apply("provider-public-key"), P + "provider-public-key"),
                new JapanPaymentSignature(p.apply("sign-algorithm") == null ? "SHA256withRSA" : p.apply("sign-algorithm")),
                base + "/webhooks/japan-payment");
    }

    private static long appId(Function<String, String> p, String key) {
        String v = p.apply(key);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException | NullPointerException e) {
            throw new IllegalArgumentException(P + key + " must be the provider's numeric appId");
        }
    }

    public long appId(String currency) {
        return "USD".equals(currency) ? appIdUsd : appIdJpy;
    }

    @Override
    public String toString() {
        return "JapanPaymentSettings[baseUrl=" + baseUrl + ", appIdJpy=" + appIdJpy + ", appIdUsd=" + appIdUsd + "]";
    }
}
