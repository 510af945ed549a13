package io.kessai.store;

import java.time.Duration;
import java.util.Objects;

/**
 * How one Kessai replica claims shared work in the database (key leases, outbox events, stored webhooks): under
 * its node id, for {@code lease} at a time, renewed while it lives ({@link KeyLeases#renew}). A replica that dies
 * stops renewing, and what it held is free again at most {@code lease} later.
 */
public record Claims(String owner, Duration lease) {
    public Claims {
        Objects.requireNonNull(owner, "owner");
        if (owner.isBlank() || owner.length() > 100) {
            throw new IllegalArgumentException("kessai.cluster.node-id must be 1 to 100 characters");
        }
        if (lease == null || lease.toMillis() < 100) {
            throw new IllegalArgumentException("kessai.cluster.lease-ms must be at least 100");
        }
    }
}
