package io.kessai.store;

import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Leases on keys (an order, a payment) in the database, so that Kessai replicas sharing one database work on one
 * key one at a time: a row per held key, inserted first (the primary key refuses a second holder, on H2 and on
 * PostgreSQL alike), deleted when the work is done. The holder renews its rows ({@link #renew}) while it lives; the
 * row of a holder that died expires after the lease and the next one takes it over. No connection is held while
 * a lease is: the work under it may call a provider for many seconds.
 */
public final class KeyLeases {
    private final Database db;
    private final Clock clock;
    private final Claims claims;

    private final java.util.Set<String> held = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public KeyLeases(Database db, Clock clock, Claims claims) {
        this.db = db;
        this.clock = clock;
        this.claims = claims;
    }

    /**
     * Takes the lease on {@code key} if it is free or expired; false while another holder has it. The usual case (a
     * free key) is one insert; a key held by someone is checked for expiry and taken over when the holder is gone.
     */
    public boolean tryAcquire(String key) {
        OffsetDateTime now = now();
        if (insert(key, now)) {
            return true;
        }
        int expired = db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM key_leases WHERE lease_key = ? AND expires_at <= ?")) {
                ps.setString(1, key);
                ps.setObject(2, now);
                return ps.executeUpdate();
            }
        });
        return expired > 0 && insert(key, now);
    }

    private boolean insert(String key, OffsetDateTime now) {
        try {
            db.inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO key_leases (lease_key, owner, expires_at) VALUES (?, ?, ?)")) {
                    ps.setString(1, key);
                    ps.setString(2, claims.owner());
                    ps.setObject(3, now.plus(claims.lease()));
                    return ps.executeUpdate();
                }
            });
            held.add(key);
            return true;
        } catch (StoreException e) {
            if (e.isUniqueViolation()) {
                return false;
            }
            throw e;
        }
    }

    public void release(String key) {
        held.remove(key);
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM key_leases WHERE lease_key = ? AND owner = ?")) {
                ps.setString(1, key);
                ps.setString(2, claims.owner());
                return ps.executeUpdate();
            }
        });
    }

    /** Extends the leases this node holds now by a whole lease from now (every third of a lease while it lives). */
    public void renew() {
        renew(db, clock, claims, "key_leases", "expires_at", "lease_key", "owner", held);
    }

    /**
     * Extends {@code keys} of {@code table} that {@code claims}' owner holds: only those this JVM is working on, so that
     * a row whose release failed (the database was away) is not kept alive for ever but expires.
     */
    static void renew(Database db, Clock clock, Claims claims, String table, String untilColumn, String keyColumn,
                      String ownerColumn, java.util.Set<?> keys) {
        List<Object> now = new ArrayList<>(keys);
        if (now.isEmpty()) {
            return;
        }
        OffsetDateTime until = OffsetDateTime.now(clock).truncatedTo(ChronoUnit.MILLIS).plus(claims.lease());
        db.inTransaction(c -> {
            int n = 0;
            for (int from = 0; from < now.size(); from += 100) {
                List<Object> part = now.subList(from, Math.min(now.size(), from + 100));
                String in = String.join(", ", java.util.Collections.nCopies(part.size(), "?"));
                try (PreparedStatement ps = c.prepareStatement("UPDATE " + table + " SET " + untilColumn + " = ? WHERE "
                        + ownerColumn + " = ? AND " + keyColumn + " IN (" + in + ")")) {
                    ps.setObject(1, until);
                    ps.setString(2, claims.owner());
                    for (int i = 0; i < part.size(); i++) {
                        ps.setObject(3 + i, part.get(i));
                    }
                    n += ps.executeUpdate();
                }
            }
            return n;
        });
    }

    private OffsetDateTime now() {
        return OffsetDateTime.now(clock).truncatedTo(ChronoUnit.MILLIS);
    }
}
