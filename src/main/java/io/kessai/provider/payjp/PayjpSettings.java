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
 * @param platformAuthorization the {@code Authorization} header value of the Platform API (the platform key), or
 *                              null when no platform key is set (then there is no transfer polling and no Platform call)
 * @param transfers          the transfer polling's settings
 */
public record PayjpSettings(String baseUrl, String authorization, String webhookToken, int expiryDays,
                            int inquiryLookbackHours, int inFlight, String platformAuthorization, Transfers transfers) {

    /**
     * The transfer polling ({@code kessai.providers.payjp.transfers.*}).
     *
     * @param enabled        whether the schedule runs (only with a platform key)
     * @param overlapSeconds how far before its cursor each run starts reading ({@code since})
     * @param lookbackDays   how far back the first run reads, and the longest a transfer not yet paid is watched
     * @param pageSize       {@code limit} of each page (1..100)
     */
    public record Transfers(boolean enabled, long overlapSeconds, int lookbackDays, int pageSize) {
    }

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
            Setting.of(P + "platform-key", null, "PAY.JP Platform API key (sk_live_pf_...), Basic auth user with an empty password, for transfer polling and the Platform merchant endpoints (the sandbox's when enabled)").asSecret(),
            Setting.of(P + "transfers.enabled", "true", "poll /v1/platform/transfers and publish transfer.<status> events (needs the platform key)"),
            Setting.of(P + "transfers.interval-ms", "30000", "pause between two transfer polling runs (one run at a time across the Kessai nodes of one database)"),
            Setting.of(P + "transfers.overlap-seconds", "3600", "how far before its cursor each polling run starts reading (since), for transfers that appear late"),
            Setting.of(P + "transfers.lookback-days", "60", "how far back the first polling run reads, and the longest a transfer not yet paid is re-read"),
            Setting.of(P + "transfers.page-size", "100", "limit of each page of the transfer lists (1..100)"),
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
        String platformKey = p.apply("platform-key");
        String platformBasic = platformKey == null ? null : "Basic " + Base64.getEncoder().encodeToString(
                (platformKey + ":").getBytes(StandardCharsets.UTF_8));
        int overlap = integer(p, "transfers.overlap-seconds", "3600");
        int lookbackDays = integer(p, "transfers.lookback-days", "60");
        int pageSize = integer(p, "transfers.page-size", "100");
        if (overlap < 0 || lookbackDays < 1 || pageSize < 1 || pageSize > 100) {
            throw new IllegalArgumentException(P + "transfers.overlap-seconds must be at least 0, " + P
                    + "transfers.lookback-days at least 1 and " + P + "transfers.page-size 1 to 100");
        }
        boolean enabled = !"false".equalsIgnoreCase(p.apply("transfers.enabled")) && platformKey != null;
        return new PayjpSettings(url.endsWith("/") ? url.substring(0, url.length() - 1) : url, basic,
                p.apply("webhook-token"), expiryDays, lookback, inFlight, platformBasic,
                new Transfers(enabled, overlap, lookbackDays, pageSize));
    }

    private static int integer(Function<String, String> p, String key, String dflt) {
        String v = p.apply(key);
        try {
            return Integer.parseInt(v == null ? dflt : v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(P + key + " must be a whole number");
        }
    }

    /** The endpoint group of a path: the charge calls count against one group, the Platform API's against another. */
    static String group(String path) {
        return path != null && path.startsWith("/platform/") ? "payjp/platform" : "payjp/charges";
    }

    @Override
    public String toString() {
        return "PayjpSettings[baseUrl=" + baseUrl + ", expiryDays=" + expiryDays + ", inFlight=" + inFlight
                + ", platformKey=" + (platformAuthorization == null ? "unset" : "***") + ", transfers=" + transfers + "]";
    }
}
