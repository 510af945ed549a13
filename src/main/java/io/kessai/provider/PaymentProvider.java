package io.kessai.provider;

import io.kessai.model.FieldRules;
import io.kessai.model.PaymentOrder;

import java.util.Set;

/**
 * An installed provider as the payment core sees it before it calls the provider's routes: its capability table
 * and the rules of its document that Kessai checks before any upstream call. Made by its {@link ProviderModule};
 * the conversation itself lives in the provider's routes ({@code routes/providers/<id>.camel.yaml}).
 */
public interface PaymentProvider {
    String id();

    Capabilities capabilities();

    /** Adds every rule of the provider's document that the order breaks (400 field by field), or throws 422 unsupported. */
    void check(PaymentOrder order, FieldRules rules);

    /**
     * Why this order may send the customer away and back (so that {@code returnUrls.success} is required), in the
     * provider's words, e.g. "gmo-pg may send the customer to 3-D Secure and back"; null when it never does.
     */
    default String redirectReason(PaymentOrder order) {
        return null;
    }

    // ---- read off the capability table ----------------------------------------------------------------------

    default Set<String> currencies() {
        return capabilities().currencies();
    }

    default Set<String> methodTypes() {
        return capabilities().methodTypes();
    }

    /** Whether the provider can authorize now and capture later (capture modes manual and scheduled) for this method type. */
    default boolean authorizes(String methodType) {
        Capabilities.MethodCapabilities method = capabilities().method(methodType);
        return method != null && method.authorizes() && capabilities().offers(ProviderOperation.CAPTURE);
    }

    default boolean partialCapture() {
        return capabilities().partialCapture();
    }

    /** Whether a payment can be voided or cancelled at the provider before money moved. */
    default boolean cancels() {
        return capabilities().offers(ProviderOperation.CANCEL);
    }

    default boolean refunds() {
        return capabilities().offers(ProviderOperation.REFUND);
    }

    default boolean partialRefund() {
        return capabilities().partialRefund();
    }
}
