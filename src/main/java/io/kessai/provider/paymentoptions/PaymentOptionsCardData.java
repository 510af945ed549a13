package io.kessai.provider.paymentoptions;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Masks the card data paymentoptions echoes ({@code payment_details.card.number}, and the stored card token in
 * {@code stored_payment_method_id}) in the text of an answer or a webhook, before Kessai does anything else with
 * it: a card number keeps its first 6 and last 4 digits ({@code 400000******1091}); a token keeps its last 4.
 * Works on the text, so it also masks a body that is not valid JSON; the rest of the text is left as it is.
 */
public final class PaymentOptionsCardData {
    /** Any JSON string (or number) of 13 to 19 digits, with optional spaces or hyphens: a card number. */
    private static final Pattern PAN = Pattern.compile("(?<![0-9A-Za-z_.-])(\\d(?:[ -]?\\d){12,18})(?![0-9A-Za-z_.-])");
    private static final Pattern TOKEN = Pattern.compile("(\"stored?_payment_method_id\"\\s*:\\s*\")((?:[^\"\\\\]|\\\\.)*)(\")");

    private PaymentOptionsCardData() {
    }

    public static String mask(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        Matcher pan = PAN.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        while (pan.find()) {
            pan.appendReplacement(out, Matcher.quoteReplacement(maskPan(pan.group(1))));
        }
        pan.appendTail(out);
        Matcher token = TOKEN.matcher(out);
        StringBuilder masked = new StringBuilder(out.length());
        while (token.find()) {
            String t = token.group(2);
            String shown = t.length() > 8 ? "****" + t.substring(t.length() - 4) : "****";
            token.appendReplacement(masked, Matcher.quoteReplacement(token.group(1) + shown + token.group(3)));
        }
        token.appendTail(masked);
        return masked.toString();
    }

    /** The first 6 and last 4 digits; the others (and any separators) become {@code *}. */
    static String maskPan(String number) {
        String digits = number.replaceAll("[ -]", "");
        return digits.substring(0, 6) + "*".repeat(digits.length() - 10) + digits.substring(digits.length() - 4);
    }
}
