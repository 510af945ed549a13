package io.kessai.model;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The canonical payment statuses of contract section 4 and the moves allowed between them.
 * A status never moves backwards: {@link #canMoveTo} is the single rule every door goes through.
 */
public enum PaymentStatus {
    REQUIRES_ACTION, PENDING, AUTHORIZED, CAPTURED, FAILED, CANCELED, EXPIRED, REFUNDED;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static PaymentStatus fromWire(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }

    public boolean isFinal() {
        return this == FAILED || this == CANCELED || this == EXPIRED || this == REFUNDED;
    }

    /** Whether the outcome at the provider is still unknown or waits for the customer. */
    public boolean isOpen() {
        return this == REQUIRES_ACTION || this == PENDING;
    }

    private Set<PaymentStatus> next() {
        return switch (this) {
            case REQUIRES_ACTION, PENDING -> EnumSet.complementOf(EnumSet.of(this));
            case AUTHORIZED -> EnumSet.of(CAPTURED, CANCELED, EXPIRED, FAILED);
            case CAPTURED -> EnumSet.of(REFUNDED);
            case FAILED, CANCELED, EXPIRED, REFUNDED -> EnumSet.noneOf(PaymentStatus.class);
        };
    }

    public boolean canMoveTo(PaymentStatus target) {
        return next().contains(target);
    }
}
