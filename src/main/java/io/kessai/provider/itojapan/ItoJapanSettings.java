package io.kessai.provider.itojapan;

import io.kessai.provider.Setting;

import java.util.List;
import java.util.function.Function;

/**
 * ITO-Japan settings ({@code kessai.providers.ito-japan.*}): the API root, the access key (Bearer), the secret key
 * (HMAC of requests and webhooks), the merchant OAuth client, the webhook timestamp window, and Kessai's own URLs the
 * provider is given ({@code web_hook}, {@code success_url}, {@code cancel_url}).
 *
 * @param webhookToleranceSeconds how far a webhook's {@code X-Timestamp} may be from now, either way
 */
public record ItoJapanSettings(String baseUrl, String accessKey, String secretKey, long webhookToleranceSeconds,
                               String webhookUrl, String callbackUrl) {
    static final String P = "kessai.providers.ito-japan.";
    static final String SANDBOX = "kessai.sandbox.ito-japan.";

    /** Every key of the ito-japan module with its default. */
    public static final List<Setting> SETTINGS = List.of(
            Setting.required(P + "base-url", "https://payment.ito-japan.jp", "ITO-Japan API root (the sandbox's when enabled)"),
            Setting.required(P + "access-key", null, "API access key, sent as Authorization: Bearer (made per run with the sandbox)").asSecret(),
            Setting.required(P + "secret-key", null, "shared secret of the HMAC-SHA256 X-Signature of requests and webhooks (made per run with the sandbox)").asSecret(),
            Setting.of(P + "client-id", null, "merchant OAuth client id (client credentials: POST /oauth/token, for the merchant user endpoints; made per run with the sandbox)").asSecret(),
            Setting.of(P + "client-secret", null, "merchant OAuth client secret (made per run with the sandbox)").asSecret(),
            Setting.of(P + "webhook.tolerance-seconds", "300", "how far a webhook's X-Timestamp may be from now, either way (older or newer: 401)"),
            Setting.of(P + "in-flight", "10", "concurrent calls per endpoint"),
            Setting.of(P + "connect-timeout-ms", "5000", "connect timeout (a failed connect is retried)"),
            Setting.of(P + "response-timeout-ms", "30000", "answer timeout (the payment stays pending and is reconciled by check-validity)"),
            Setting.of(P + "retry.max-redeliveries", "3", "retries of connections that failed before sending"),
            Setting.of(P + "retry.initial-delay-ms", "200", "first backoff (doubles, with jitter)"),
            Setting.of(P + "retry.max-delay-ms", "5000", "backoff ceiling"),
            Setting.of(P + "retry.deadline-ms", "40000", "the longest one API request may wait on ITO-Japan (at least connect + response timeout)"),
            Setting.of(SANDBOX + "port", "0", "ITO-Japan sandbox port (0: any free port)"),
            Setting.of(SANDBOX + "webhook-retry-interval-ms", "60000", "how often the sandbox re-sends a webhook that was not taken"));

    /** @param property looks a key up (Camel properties); returns null when unset */
    public static ItoJapanSettings from(Function<String, String> property, String publicBaseUrl) {
        Function<String, String> p = k -> property.apply(P + k);
        for (String key : List.of("base-url", "access-key", "secret-key")) {
            if (p.apply(key) == null) {
                throw new IllegalArgumentException(P + key + " has no value");
            }
        }
        String tolerance = p.apply("webhook.tolerance-seconds") == null ? "300" : p.apply("webhook.tolerance-seconds");
        long seconds;
        try {
            seconds = Long.parseLong(tolerance);
        } catch (NumberFormatException e) {
            seconds = -1;
        }
        if (seconds < 1) {
            throw new IllegalArgumentException(P + "webhook.tolerance-seconds must be a whole number of seconds above 0");
        }
        String url = p.apply("base-url");
        String base = publicBaseUrl.endsWith("/") ? publicBaseUrl.substring(0, publicBaseUrl.length() - 1) : publicBaseUrl;
        return new ItoJapanSettings(url.endsWith("/") ? url.substring(0, url.length() - 1) : url, p.apply("access-key"),
                p.apply("secret-key"), seconds, base + "/webhooks/ito-japan", base + "/callbacks/ito-japan");
    }

    @Override
    public String toString() {
        return "ItoJapanSettings[baseUrl=" + baseUrl + ", webhookToleranceSeconds=" + webhookToleranceSeconds + "]";
    }
}
