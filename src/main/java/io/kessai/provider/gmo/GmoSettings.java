package io.kessai.provider.gmo;

import io.kessai.model.FieldError;
import io.kessai.model.FieldRules;
import io.kessai.provider.Setting;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * GMO PG settings ({@code kessai.providers.gmo-pg.*}). The merchant display fields are checked against
 * GMO's rules when Kessai starts, so that a misconfiguration fails fast instead of on the first payment.
 */
public record GmoSettings(
        String baseUrl,
        String shopId,
        String shopPass,
        String authMode,
        String tokenUrl,
        String apiVersion,
        boolean useTds2,
        Merchant merchant,
        String callbackUrl,
        String webhookUrl,
        int paymentInFlight,
        int orderInFlight,
        int tokenInFlight,
        Duration tokenRenewMargin,
        String cashPaymentPeriodDays) {

    public static final String PASSWORD = "password";
    public static final String TOKEN = "token";

    public record Merchant(String name, String nameKana, String nameAlphabet, String nameShort, String contactName,
                           String contactEmail, String contactPhone, String contactUrl, String contactOpeningHours) {
    }

    private static final String P = "kessai.providers.gmo-pg.";
    private static final String SANDBOX = "kessai.sandbox.gmo-pg.";

    /** Every key of the GMO module with its default (GMO's test environment and the sandbox's shop). */
    public static final List<Setting> SETTINGS = List.of(
            Setting.required(P + "base-url", "https://stg.openapi.mul-pay.jp", "GMO API root (production: https://openapi.mul-pay.jp)"),
            Setting.of(P + "token-url", "https://stg.oauth.mul-pay.jp/token", "GMO authorization server (production: https://oauth.mul-pay.jp/token)"),
            Setting.required(P + "shop-id", "tshop00000001", "GMO shop id"),
            Setting.required(P + "shop-pass", "sandbox-pass", "GMO shop password").asSecret(),
            Setting.of(P + "auth-mode", PASSWORD, "password (Basic shopId:shopPass) or token (OAuth 2.0 client credentials, cached Bearer token)"),
            Setting.of(P + "token-renew-margin-seconds", "60", "renew the access token this long before expires_in"),
            Setting.of(P + "api-version", "2026-11", "X-MP-Version header"),
            Setting.of(P + "use-tds2", "true", "ask for 3-D Secure (useTds2)"),
            Setting.of(P + "in-flight.payment", "5", "concurrent calls per payment endpoint (GMO's limit)"),
            Setting.of(P + "in-flight.order", "10", "concurrent calls per /order/* endpoint"),
            Setting.of(P + "in-flight.token", "5", "concurrent calls to /token"),
            Setting.of(P + "connect-timeout-ms", "5000", "connect timeout (a failed connect is retried)"),
            Setting.of(P + "response-timeout-ms", "30000", "answer timeout (no retry: the payment stays pending)"),
            Setting.of(P + "retry.max-redeliveries", "3", "retries of 409, 429, 500, 502 and connection failures"),
            Setting.of(P + "retry.initial-delay-ms", "200", "first backoff (doubles, with jitter)"),
            Setting.of(P + "retry.max-delay-ms", "5000", "backoff ceiling"),
            Setting.of(P + "retry.deadline-ms", "40000", "the longest one API request may wait on GMO, retries and the in-flight queue included (at least connect + response timeout)"),
            Setting.required(P + "merchant.name", "Kessaiサンドボックス", "merchant.name (at most 30 characters, 45 UTF-8 bytes)"),
            Setting.required(P + "merchant.name-kana", "ケッサイサンドボックス", "full-width katakana"),
            Setting.required(P + "merchant.name-alphabet", "Kessai Sandbox", "at most 25 of [a-zA-Z0-9 ,-./]"),
            Setting.required(P + "merchant.name-short", "Kessai", "at most 30 characters"),
            Setting.required(P + "merchant.contact-name", "Kessai Support", "at most 42 characters"),
            Setting.required(P + "merchant.contact-email", "support@example.jp", "e-mail"),
            Setting.required(P + "merchant.contact-phone", "03-0000-0000", "at most 13 digits and hyphens"),
            Setting.of(P + "merchant.contact-url", "https://example.jp/contact", "optional URL"),
            Setting.required(P + "merchant.contact-opening-hours", "10:00-18:00", "HH:MM-HH:MM"),
            Setting.of(P + "webhook.allowed-cidrs", null, "source addresses GMO webhooks must come from, e.g. 210.175.7.20/32 (empty: any)"),
            Setting.of(P + "cash.payment-period-days", null, "days a konbini / Pay-easy / bank transfer payment stays payable (empty: GMO's default)"),
            Setting.of(SANDBOX + "port", "0", "GMO sandbox port (0: any free port; its URLs are in the answers)"),
            Setting.of(SANDBOX + "shop-id", "tshop00000001", "shop id the sandbox accepts"),
            Setting.of(SANDBOX + "shop-pass", "sandbox-pass", "shop password the sandbox accepts").asSecret(),
            Setting.of(SANDBOX + "processing-ms", "20", "time the sandbox takes per request"),
            Setting.of(SANDBOX + "slow-ms", "40000", "delay of the slow test card's answer"));
    static final Pattern KANA = Pattern.compile("[ァ-ヶー　]+");
    static final Pattern ALPHABET = Pattern.compile("[a-zA-Z0-9 ,-/]+");
    static final Pattern PHONE = Pattern.compile("[0-9-]+");
    static final Pattern OPENING_HOURS = Pattern.compile("([0-1]?[0-9]|2[0-3]):[0-5][0-9]-([0-1]?[0-9]|2[0-3]):[0-5][0-9]");

    /** @param property looks a key up (Camel properties); returns null when unset */
    public static GmoSettings from(Function<String, String> property, String publicBaseUrl) {
        Function<String, String> p = k -> property.apply(P + k);
        Merchant merchant = new Merchant(p.apply("merchant.name"), p.apply("merchant.name-kana"),
                p.apply("merchant.name-alphabet"), p.apply("merchant.name-short"), p.apply("merchant.contact-name"),
                p.apply("merchant.contact-email"), p.apply("merchant.contact-phone"), p.apply("merchant.contact-url"),
                p.apply("merchant.contact-opening-hours"));
        String base = publicBaseUrl.endsWith("/") ? publicBaseUrl.substring(0, publicBaseUrl.length() - 1) : publicBaseUrl;
        GmoSettings s = new GmoSettings(
                trimSlash(p.apply("base-url")), p.apply("shop-id"), p.apply("shop-pass"),
                orDefault(p.apply("auth-mode"), PASSWORD), p.apply("token-url"), p.apply("api-version"),
                Boolean.parseBoolean(orDefault(p.apply("use-tds2"), "true")), merchant,
                base + "/callbacks/gmo-pg", base + "/webhooks/gmo-pg",
                Integer.parseInt(orDefault(p.apply("in-flight.payment"), "5")),
                Integer.parseInt(orDefault(p.apply("in-flight.order"), "10")),
                Integer.parseInt(orDefault(p.apply("in-flight.token"), "5")),
                Duration.ofSeconds(Long.parseLong(orDefault(p.apply("token-renew-margin-seconds"), "60"))),
                p.apply("cash.payment-period-days"));
        s.validate();
        return s;
    }

    private static String orDefault(String v, String d) {
        return v == null || v.isBlank() ? d : v;
    }

    private static String trimSlash(String url) {
        return url != null && url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** Throws IllegalArgumentException naming every key whose value GMO would refuse. */
    void validate() {
        List<FieldError> errors = new ArrayList<>();
        FieldRules r = new FieldRules(errors);
        String m = P + "merchant.";
        r.required(P + "base-url", baseUrl);
        r.required(P + "shop-id", shopId);
        r.required(P + "shop-pass", shopPass);
        r.oneOf(P + "auth-mode", authMode, List.of(PASSWORD, TOKEN));
        if (TOKEN.equals(authMode)) {
            r.required(P + "token-url", tokenUrl);
        }
        r.required(m + "name", merchant.name());
        r.maxUtf8(m + "name", merchant.name(), 30, 45);
        r.required(m + "name-kana", merchant.nameKana());
        r.pattern(m + "name-kana", merchant.nameKana(), KANA, "full-width katakana (ァ-ヶ, ー, full-width space)");
        r.maxBytes(m + "name-kana", merchant.nameKana(), 60, java.nio.charset.StandardCharsets.UTF_8);
        r.required(m + "name-alphabet", merchant.nameAlphabet());
        r.maxLength(m + "name-alphabet", merchant.nameAlphabet(), 25);
        r.pattern(m + "name-alphabet", merchant.nameAlphabet(), ALPHABET, "letters, digits, space and , - . /");
        r.required(m + "name-short", merchant.nameShort());
        r.maxUtf8(m + "name-short", merchant.nameShort(), 30, 45);
        r.required(m + "contact-name", merchant.contactName());
        r.maxUtf8(m + "contact-name", merchant.contactName(), 42, 63);
        r.required(m + "contact-email", merchant.contactEmail());
        r.email(m + "contact-email", merchant.contactEmail());
        r.required(m + "contact-phone", merchant.contactPhone());
        r.maxLength(m + "contact-phone", merchant.contactPhone(), 13);
        r.pattern(m + "contact-phone", merchant.contactPhone(), PHONE, "digits and hyphens");
        r.absoluteUrl(m + "contact-url", merchant.contactUrl(), 256);
        r.required(m + "contact-opening-hours", merchant.contactOpeningHours());
        r.pattern(m + "contact-opening-hours", merchant.contactOpeningHours(), OPENING_HOURS, "HH:MM-HH:MM");
        r.absoluteUrl("kessai.public-base-url (GMO callbackUrl)", callbackUrl, 256);
        r.pattern(P + "cash.payment-period-days", cashPaymentPeriodDays, Pattern.compile("[0-9]{1,3}"), "0 to 999 days");
        if (!errors.isEmpty()) {
            StringBuilder b = new StringBuilder("GMO PG configuration is invalid:");
            errors.forEach(e -> b.append("\n  ").append(e.field()).append(": ").append(e.message()));
            throw new IllegalArgumentException(b.toString());
        }
    }

    /** The endpoint group whose in-flight limit a GMO path counts against. */
    public static String group(String path) {
        return "gmo-pg" + path;
    }

    /** GMO counts concurrent calls per endpoint: 10 for /order/*, 5 for /token and the payment endpoints. */
    public int limitOf(String path) {
        if (path.startsWith("/order/")) {
            return orderInFlight;
        }
        if (path.equals("/token")) {
            return tokenInFlight;
        }
        return paymentInFlight;
    }

    @Override
    public String toString() {
        return "GmoSettings[baseUrl=" + baseUrl + ", shopId=" + shopId + ", authMode=" + authMode + "]";
    }
}
