package io.kessai.provider;

import java.util.Locale;

/**
 * What a provider module can do, each served by one route of its routes file, {@code direct:kessai-<id>-<operation>}:
 * <ul>
 * <li>{@code charge}: the body is the outcome of a new payment (exchange properties {@link ProviderExchange#ORDER},
 *     {@link ProviderExchange#PAYMENT}); always offered.</li>
 * <li>{@code inquiry}: the provider's truth about a payment, for the janitor, resumed charges and notices; always offered.</li>
 * <li>{@code capture}, {@code cancel}, {@code refund}: operations on a payment (the API's
 *     {@code POST /payments/{id}/capture|cancel|refund}).</li>
 * <li>{@code finalize}: completes a charge after the customer came back (3-D Secure).</li>
 * <li>{@code callback}: reads the browser's return ({@code GET /callbacks/{provider}}, query parameters as headers)
 *     and answers a {@link BrowserReturn}.</li>
 * <li>{@code notice}: confirms a stored webhook notification (body: its raw text) with the provider, answering an
 *     outcome; offered together with a {@link WebhookVerifier}.</li>
 * </ul>
 */
public enum ProviderOperation {
    CHARGE, INQUIRY, CAPTURE, CANCEL, REFUND, FINALIZE, CALLBACK, NOTICE;

    /** The operation's name in endpoints and configuration: {@code charge}, {@code inquiry}, ... */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The endpoint a provider serves for this operation. */
    public String endpoint(String providerId) {
        return "direct:kessai-" + providerId + "-" + wire();
    }
}
