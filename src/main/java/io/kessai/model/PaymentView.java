package io.kessai.model;

import java.math.BigDecimal;
import java.util.Map;

/**
 * A payment as a provider module may see it: read-only, the fields a request builder or an answer reader
 * needs (the provider's reference, the amounts, the status it is in), nothing of the store's bookkeeping.
 */
public interface PaymentView {
    String paymentId();

    String orderId();

    /** The id of the provider module that carries the payment. */
    String provider();

    PaymentStatus status();

    BigDecimal amount();

    String currency();

    BigDecimal capturedAmount();

    BigDecimal refundedAmount();

    /** {@code immediate}, {@code manual} or {@code scheduled}. */
    String captureMode();

    NextAction nextAction();

    /** The provider's own references to the payment ({@code id}: its id of it, e.g. GMO accessId). */
    Map<String, String> providerRef();

    /** The provider's own word for the status it last reported. */
    String providerStatus();

    /** The random token Kessai sent with the payment, echoed by providers that return the customer or notify. */
    String csrfToken();

    default String ref(String name) {
        Map<String, String> ref = providerRef();
        return ref == null ? null : ref.get(name);
    }
}
