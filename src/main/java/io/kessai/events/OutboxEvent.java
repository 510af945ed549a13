package io.kessai.events;

import java.time.OffsetDateTime;

/** One canonical event in the outbox: {@code payload} is the event JSON of contract section 6. */
public record OutboxEvent(long seq, String eventId, String paymentId, String type, String payload, int attempts,
                          OffsetDateTime createdAt) {
}
