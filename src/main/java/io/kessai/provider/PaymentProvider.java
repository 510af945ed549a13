package io.kessai.provider;

import io.kessai.model.PaymentOrder;
import io.kessai.payment.FieldRules;

import java.util.Set;

/**
 * What the core needs to know about a provider before it calls it. The conversation itself lives in the
 * provider's routes ({@code routes/providers/<id>.camel.yaml}), which serve
 * {@code direct:kessai-<id>-charge}, {@code -capture}, {@code -cancel}, {@code -refund} and {@code -inquiry}.
 */
public interface PaymentProvider {
    String id();

    Set<String> currencies();

    Set<String> methodTypes();

    /** Whether the provider can authorize now and capture later (capture modes manual and scheduled) for this method type. */
    boolean authorizes(String methodType);

    boolean partialCapture();

    /** Whether a payment can be voided or cancelled at the provider before money moved. */
    default boolean cancels() {
        return true;
    }

    boolean refunds();

    boolean partialRefund();

    /** Adds every rule of the provider's document that the order breaks. */
    void check(PaymentOrder order, FieldRules rules);

    /** Whether this order may send the customer to a redirect, so that returnUrls are required. */
    boolean mayRedirect(PaymentOrder order);
}
