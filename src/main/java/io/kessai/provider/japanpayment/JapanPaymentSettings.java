package io.kessai.provider.japanpayment;

import io.kessai.provider.Setting;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.List;
import java.util.function.Function;

/**
 * Japan Payment settings ({@code kessai.providers.japan-payment.*}): the API root (always configured: the
 * document names none), an appId per currency, Kessai's RSA private key and the provider's public key
 * (PEM text or {@code file:} path), and the signature algorithm.
 */
public record JapanPaymentSettings(String baseUrl, long appIdJpy, long appIdUsd, PrivateKey privateKey,
                                   PublicKey providerPublicKey, JapanPaymentSignature signature, String notifyUrl) {
    static final String P = "kessai.providers.japan-payment.";
    static final String SANDBOX = "kessai.sandbox.japan-payment.";

    /** Every key of the Japan Payment module with its default. The document names no host: base-url has none. */
    public static final List<Setting> SETTINGS = List.of(
            Setting.required(P + "base-url", null, "Japan Payment API root (the document names none: ask the provider; the sandbox's when enabled)"),
            Setting.required(P + "app-id-jpy", "1054", "appId for JPY collections"),
            Setting.required(P + "app-id-usd", "1055", "appId for USD collections"),
            Setting.required(P + "private-key", null, "Kessai's RSA private key, PKCS#8 PEM text or file: path (made once with the sandbox and kept in its table)").asSecret(),
            Setting.required(P + "provider-public-key", null, "the provider's RSA public key, PEM text or file: path (the sandbox's when enabled)"),
            Setting.of(P + "sign-algorithm", "SHA256withRSA", "signature algorithm (SHA1withRSA if the provider asks)"),
            Setting.of(P + "in-flight", "10", "concurrent calls per endpoint"),
            Setting.of(P + "connect-timeout-ms", "5000", "connect timeout (a failed connect is retried)"),
            Setting.of(P + "response-timeout-ms", "30000", "answer timeout (the payment stays pending; a query settles it)"),
            Setting.of(P + "retry.max-redeliveries", "3", "retries of connections that failed before sending"),
            Setting.of(P + "retry.initial-delay-ms", "200", "first backoff (doubles, with jitter)"),
            Setting.of(P + "retry.max-delay-ms", "5000", "backoff ceiling"),
            Setting.of(P + "retry.deadline-ms", "40000", "the longest one API request may wait on Japan Payment (at least connect + response timeout)"),
            Setting.of(SANDBOX + "port", "0", "Japan Payment sandbox port (0: any free port)"),
            Setting.of(SANDBOX + "notify-retry-interval-ms", "60000", "how often the sandbox re-sends an unanswered notification"));

    /** @param property looks a key up (Camel properties); returns null when unset */
    public static JapanPaymentSettings from(Function<String, String> property, String publicBaseUrl) {
        Function<String, String> p = k -> property.apply(P + k);
        for (String key : List.of("base-url", "private-key", "provider-public-key")) {
            if (p.apply(key) == null) {
                throw new IllegalArgumentException(P + key + " has no value");
            }
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
