package io.kessai.provider.payjp;

import io.kessai.provider.Setting;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;

/**
 * PAY.JP settings ({@code kessai.providers.payjp.*}): the v1 API root, the secret key (Basic auth, empty password),
 * the webhook token, the authorization period of manual captures and how far back an inquiry looks for a charge
 * whose answer was lost.
 *
 * @param baseUrl            the v1 API root ({@code https://api.pay.jp/v1}), without a trailing slash
 * @param authorization      the {@code Authorization} header value (never logged; {@link #toString()} hides it)
 * @param webhookToken       the {@code X-Payjp-Webhook-Token} PAY.JP sends
 * @param expiryDays         {@code expiry_days} of a manual capture (1..60)
 * @param inquiryLookbackHours how far back {@code GET /v1/charges} is searched for a charge that has no id yet
 * @param inFlight           concurrent calls per endpoint group
 */
public record PayjpSettings(String baseUrl, String authorization, String webhookToken, int expiryDays,
                            int inquiryLookbackHours, int inFlight) {
    static final String P = "kessai.providers.payjp.";
    static final String SANDBOX = "kessai.sandbox.payjp.";

    /** Every key of the PAY.JP module with its default. */
    public static final List<Setting> SETTINGS = List.of(
            Setting.required(P + "base-url", "https://api.pay.jp/v1", "PAY.JP v1 API root (the sandbox's when enabled)"),
            Setting.required(P + "secret-key", null, "PAY.JP secret key (sk_live_... / sk_test_...), Basic auth user with an empty password (the sandbox's when enabled)").asSecret(),
            Setting.required(P + "webhook-token", null, "the X-Payjp-Webhook-Token of PAY.JP's webhook settings (the sandbox's when enabled)").asSecret(),
            Setting.of(P + "expiry-days", "7", "expiry_days of a manual capture's authorization (1..60; scheduled captures derive theirs from capture.at)"),
            Setting.of(P + "inquiry.lookback-hours", "72", "how far back GET /v1/charges is searched (metadata[kessai_payment_id]) for a charge whose answer was lost"),
            Setting.of(P + "in-flight", "10", "concurrent calls per endpoint group"),
            Setting.of(P + "connect-timeout-ms", "5000", "connect timeout (a failed connect is retried)"),
            Setting.of(P + "response-timeout-ms", "30000", "answer timeout (not retried: the payment stays pending and is reconciled)"),
            Setting.of(P + "retry.max-redeliveries", "3", "retries, with the same Idempotency-Key, of 429, 5xx and connections that failed before sending"),
            Setting.of(P + "retry.initial-delay-ms", "200", "first backoff (doubles, with jitter)"),
            Setting.of(P + "retry.max-delay-ms", "5000", "backoff ceiling"),
            Setting.of(P + "retry.deadline-ms", "40000", "the longest one API request may wait on PAY.JP (at least connect + response timeout)"),
            Setting.of(SANDBOX + "port", "0", "PAY.JP sandbox port (0: any free port)"),
            Setting.of(SANDBOX + "secret-key", "sk_test_kessai_sandbox", "the test secret key the sandbox's built-in merchant accepts").asSecret(),
            Setting.of(SANDBOX + "platform-key", "sk_live_pf_kessai_sandbox", "the platform key the sandbox's Platform API accepts").asSecret(),
            Setting.of(SANDBOX + "webhook-token", "whook_sandbox", "the X-Payjp-Webhook-Token the sandbox sends").asSecret(),
            Setting.of(SANDBOX + "rate-per-second", "20", "requests per second per merchant and zone before the sandbox answers 429"),
            Setting.of(SANDBOX + "rate-burst", "20", "requests the sandbox takes at once before its rate limit"),
            Setting.of(SANDBOX + "slow-ms", "3000", "delay of the answer for a token containing 'slow'"),
            Setting.of(SANDBOX + "webhook-retry-interval-ms", "180000", "pause before the sandbox re-sends an unanswered event"));

    /** @param property looks a key up (Camel properties); returns null when unset */
    public static PayjpSettings from(Function<String, String> property) {
        Function<String, String> p = k -> property.apply(P + k);
        for (String key : List.of("base-url", "secret-key", "webhook-token")) {
            if (p.apply(key) == null) {
                throw new IllegalArgumentException(P + key + " has no value");
            }
        }
        String url = p.apply("base-url");
        String basic = "Basic " + Base64.getEncoder().encodeToString((p.apply("secret-key") + ":").getBytes(StandardCharsets.UTF_8));
        int expiryDays = integer(p, "expiry-days", "7");
        if (expiryDays < 1 || expiryDays > PayjpProvider.MAX_EXPIRY_DAYS) {
            throw new IllegalArgumentException(P + "expiry-days must be 1 to 60 (PAY.JP's expiry_days)");
        }
        int lookback = integer(p, "inquiry.lookback-hours", "72");
        int inFlight = integer(p, "in-flight", "10");
        if (lookback < 1 || inFlight < 1) {
            throw new IllegalArgumentException(P + "inquiry.lookback-hours and " + P + "in-flight must be at least 1");
        }
        return new PayjpSettings(url.endsWith("/") ? url.substring(0, url.length() - 1) : url, basic,
                p.apply("webhook-token"), expiryDays, lookback, inFlight);
    }

    private static int integer(Function<String, String> p, String key, String dflt) {
        String v = p.apply(key);
        try {
            return Integer.parseInt(v == null ? dflt : v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(P + key + " must be a whole number");
        }
    }

    /** The endpoint group of a path: every charge call counts against one group. */
    static String group(String path) {
        return "payjp/charges";
    }

    @Override
    public String toString() {
        return "PayjpSettings[baseUrl=" + baseUrl + ", expiryDays=" + expiryDays + ", inFlight=" + inFlight + "]";
    }
}
