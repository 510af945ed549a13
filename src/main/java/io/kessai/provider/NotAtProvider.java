package io.kessai.provider;

import io.kessai.model.ErrorCode;
import io.kessai.model.KessaiException;

import java.util.List;

/**
 * The provider's inquiry says it has no such payment: the operation that should have made it never
 * arrived. Only once the in-flight grace has passed (nothing sent can still be processed) does the core
 * settle the payment {@code failed} with {@code provider_error}, retryable, and this providerCode.
 */
public final class NotAtProvider extends KessaiException {
    public NotAtProvider(String provider, String providerCode) {
        super(ErrorCode.PROVIDER_ERROR, provider + " has no record of this payment: the charge never reached it",
                List.of(), providerCode, null);
    }
}
