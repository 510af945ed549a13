package io.kessai.events;

import java.time.OffsetDateTime;

/**
 * Which door news about a payment came through: {@code api}, {@code webhook}, {@code poll},
 * {@code schedule} or {@code callback}, with the provider's id of the notification and when it arrived.
 */
public record Notice(String source, String providerEventId, OffsetDateTime receivedAt) {

    public static Notice of(String source) {
        return new Notice(source, null, null);
    }
}
