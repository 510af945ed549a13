package io.kessai.provider;

import io.kessai.model.PaymentView;

/**
 * What a provider's browser-return handler ({@code direct:kessai-<id>-callback}) read from the customer's return:
 * the payment it is about (verified: the handler checked whatever the provider offers, such as the token Kessai
 * sent) and the operation that learns the outcome, {@link ProviderOperation#FINALIZE} or
 * {@link ProviderOperation#INQUIRY}. Kessai then calls that operation while the payment still requires action,
 * lets the state machine apply the answer, and sends the browser to the order's {@code returnUrls}.
 */
public record BrowserReturn(PaymentView payment, ProviderOperation next) {
    public BrowserReturn {
        if (payment == null) {
            throw new IllegalArgumentException("a browser return names its payment");
        }
        if (next != ProviderOperation.FINALIZE && next != ProviderOperation.INQUIRY) {
            throw new IllegalArgumentException("a browser return is settled by finalize or inquiry, not " + next);
        }
    }
}
