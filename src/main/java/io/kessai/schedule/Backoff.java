package io.kessai.schedule;

import java.time.Duration;

/**
 * Exponential backoff: {@code initial} after the first failure, doubling with every further one, never
 * more than {@code max}. Used by every "try again later" of Kessai (event deliveries, webhook
 * confirmations, scheduled captures).
 */
public record Backoff(Duration initial, Duration max) {

    /** The wait after {@code failures} earlier failures (0: the first retry). */
    public Duration after(int failures) {
        Duration wait = initial.multipliedBy(1L << Math.min(Math.max(failures, 0), 20));
        return wait.compareTo(max) > 0 ? max : wait;
    }
}
