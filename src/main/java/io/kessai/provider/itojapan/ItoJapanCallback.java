package io.kessai.provider.itojapan;

import io.kessai.model.ErrorCode;
import io.kessai.model.KessaiException;
import io.kessai.model.PaymentView;
import io.kessai.provider.BrowserReturn;
import io.kessai.provider.PaymentLookup;
import io.kessai.provider.ProviderOperation;
import org.apache.camel.Exchange;

/**
 * The customer's browser back from ITO-Japan's checkout page: {@code GET /callbacks/ito-japan?payment=<paymentId>&
 * result=success|cancel&token=<csrfToken>}, URLs Kessai gave as {@code success_url} and {@code cancel_url}. The token
 * is compared in constant time. The return itself proves nothing: it is settled by check-validity (the inquiry), and
 * only a valid answer marks the payment paid.
 */
public final class ItoJapanCallback {
    private final PaymentLookup payments;

    public ItoJapanCallback(PaymentLookup payments) {
        this.payments = payments;
    }

    public BrowserReturn accept(Exchange exchange) {
        String paymentId = exchange.getMessage().getHeader("payment", String.class);
        String result = exchange.getMessage().getHeader("result", String.class);
        String token = exchange.getMessage().getHeader("token", String.class);
        if (paymentId == null || paymentId.isBlank()) {
            throw KessaiException.invalid("payment", "required", "is required: Kessai's return URL names the payment");
        }
        if (!"success".equals(result) && !"cancel".equals(result)) {
            throw KessaiException.invalid("result", "enum", "must be success or cancel");
        }
        PaymentView payment = payments.find(paymentId)
                .filter(p -> ItoJapanProvider.ID.equals(p.provider()))
                .orElseThrow(() -> new KessaiException(ErrorCode.NOT_FOUND, "no ito-japan payment has this id"));
        if (payment.csrfToken() != null && !ItoJapanSignature.same(token, payment.csrfToken())) {
            throw KessaiException.invalid("token", "mismatch", "does not match the token Kessai sent with this payment");
        }
        return new BrowserReturn(payment, ProviderOperation.INQUIRY);
    }
}
