package io.kessai.provider.paymentoptions;

import io.kessai.provider.Setting;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.ZoneId;
import java.util.List;
import java.util.function.Function;

/**
 * paymentoptions settings ({@code kessai.providers.paymentoptions.*}): the API root up to and including one
 * {@code /api/v1} (the document's sample repeats it), the API key (both {@code Authorization: Basic} and
 * {@code x-api-key}), the merchant id, the secret {@code token} of Kessai's webhook URL, and the {@code time_zone}.
 */
public record PaymentOptionsSettings(String baseUrl, String apiKey, String merchantId, String webhookSecret,
                                     String timeZone, String webhookUrl) {
    static final String P = "kessai.providers.paymentoptions.";
    static final String SANDBOX = "kessai.sandbox.paymentoptions.";

    /** Every key of the paymentoptions module with its default. */
    public static final List<Setting> SETTINGS = List.of(
            Setting.required(P + "base-url", "https://api-dev.paymentoptions.com/api/v1", "paymentoptions API root, up to and including one /api/v1 (the sandbox's when enabled)"),
            Setting.required(P + "api-key", null, "API key, sent as Authorization: Basic <api-key> and x-api-key (made per run with the sandbox)").asSecret(),
            Setting.required(P + "merchant-id", null, "merchant_id of every payment (the sandbox's when enabled)").asSecret(),
            Setting.required(P + "webhook-secret", null, "the token query parameter of Kessai's webhook_url, checked on every webhook (made per run with the sandbox)").asSecret(),
            Setting.of(P + "time-zone", "Asia/Tokyo", "time_zone sent with every payment (an IANA zone id)"),
            Setting.of(P + "in-flight", "10", "concurrent calls per endpoint"),
            Setting.of(P + "connect-timeout-ms", "5000", "connect timeout (a failed connect is retried)"),
            Setting.of(P + "response-timeout-ms", "30000", "answer timeout (the payment stays pending: there is no inquiry)"),
            Setting.of(P + "retry.max-redeliveries", "3", "retries of connections that failed before sending and of 429"),
            Setting.of(P + "retry.initial-delay-ms", "200", "first backoff (doubles, with jitter)"),
            Setting.of(P + "retry.max-delay-ms", "5000", "backoff ceiling"),
            Setting.of(P + "retry.deadline-ms", "40000", "the longest one API request may wait on paymentoptions (at least connect + response timeout)"),
            Setting.of(SANDBOX + "port", "0", "paymentoptions sandbox port (0: any free port)"),
            Setting.of(SANDBOX + "slow-ms", "3000", "how late the sandbox answers the slow test token"),
            Setting.of(SANDBOX + "webhook-retry-interval-ms", "60000", "how often the sandbox re-sends a webhook that was not taken"));

    /** @param property looks a key up (Camel properties); returns null when unset */
    public static PaymentOptionsSettings from(Function<String, String> property, String publicBaseUrl) {
        Function<String, String> p = k -> property.apply(P + k);
        for (String key : List.of("base-url", "api-key", "merchant-id", "webhook-secret")) {
            if (p.apply(key) == null) {
                throw new IllegalArgumentException(P + key + " has no value");
            }
        }
        String zone = p.apply("time-zone") == null ? "Asia/Tokyo" : p.apply("time-zone");
        try {
            ZoneId.of(zone);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(P + "time-zone must be an IANA time zone id such as Asia/Tokyo");
        }
        String url = p.apply("base-url");
        String base = publicBaseUrl.endsWith("/") ? publicBaseUrl.substring(0, publicBaseUrl.length() - 1) : publicBaseUrl;
        return new PaymentOptionsSettings(url.endsWith("/") ? url.substring(0, url.length() - 1) : url,
                p.apply("api-key"), p.apply("merchant-id"), p.apply("webhook-secret"), zone,
                base + "/webhooks/paymentoptions?token=" + URLEncoder.encode(p.apply("webhook-secret"), StandardCharsets.UTF_8));
    }

    /** {@code Authorization: Basic <api-key>}: the key as issued, as the document's format says (not base64 of user:pass). */
    public String authorization() {
        return "Basic " + apiKey;
    }

    @Override
    public String toString() {
        return "PaymentOptionsSettings[baseUrl=" + baseUrl + ", timeZone=" + timeZone + "]";
    }
}
