package io.kessai.provider;

import io.kessai.model.PaymentView;

import java.util.Optional;

/** Read-only access to the payments, for a provider's browser-return handler and webhook verifier. */
public interface PaymentLookup {
    Optional<PaymentView> find(String paymentId);

    /** The payment the provider knows by this reference ({@code providerRef.id}, e.g. GMO's accessId). */
    Optional<PaymentView> findByProviderRef(String provider, String ref);
}
