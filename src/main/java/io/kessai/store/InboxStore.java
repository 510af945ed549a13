package io.kessai.store;

import java.nio.charset.StandardCharsets;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/** The webhook inbox: every notification stored durably before Kessai answers, de-duplicated by a unique key. */
public final class InboxStore {
    private final Database db;
    private final Clock clock;
    private final Claims claims;
    /** The notifications this node has claimed and not yet finished with (their claims are renewed). */
    private final java.util.Set<Long> claimed = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public InboxStore(Database db, Clock clock, Claims claims) {
        this.db = db;
        this.clock = clock;
        this.claims = claims;
    }

    public record StoredWebhook(long id, String provider, String dedupeKey, String providerRefId, String body,
                                OffsetDateTime receivedAt, int attempts) {
    }

    /**
     * Stores a notification. Returns false for a duplicate: the unique (provider, dedupe_key) refused it,
     * which holds even when copies arrive at the same moment on different threads or nodes.
     */
    public boolean store(String provider, String dedupeKey, String providerRefId, byte[] body) {
        OffsetDateTime now = OffsetDateTime.now(clock).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        try {
            return db.inTransaction(c -> {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO webhook_inbox (provider, dedupe_key,"
                        + " provider_ref_id, body, received_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)")) {
                    ps.setString(1, provider);
                    ps.setString(2, dedupeKey);
                    ps.setString(3, providerRefId);
                    ps.setString(4, new String(body, StandardCharsets.UTF_8));
                    ps.setObject(5, now);
                    ps.setObject(6, now);
                    ps.executeUpdate();
                    return true;
                }
            });
        } catch (StoreException e) {
            if (e.isUniqueViolation()) {
                rearm(provider, dedupeKey, now);
                return false;
            }
            throw e;
        }
    }

    /** A copy of a notification that is still waiting to be confirmed: ask about it now. */
    private void rearm(String provider, String dedupeKey, OffsetDateTime now) {
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE webhook_inbox SET next_attempt_at = ?"
                    + " WHERE provider = ? AND dedupe_key = ? AND processed_at IS NULL AND next_attempt_at > ?")) {
                ps.setObject(1, now);
                ps.setString(2, provider);
                ps.setString(3, dedupeKey);
                ps.setObject(4, now);
                return ps.executeUpdate();
            }
        });
    }

    /**
     * The notifications to confirm now, claimed for this node: a notification another replica is confirming (a live
     * claim) is left to it, so each is confirmed by one replica at a time. A claim holds until {@link #processed} or
     * {@link #retryLater}, or (its replica died) until it expires.
     */
    public List<StoredWebhook> due(int limit) {
        // Asked again once the last batch is through: what is still listed belongs to a pass that ended early.
        claimed.clear();
        OffsetDateTime now = OffsetDateTime.now(clock).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        List<StoredWebhook> candidates = db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id, provider, dedupe_key, provider_ref_id, body,"
                    + " received_at, attempts FROM webhook_inbox WHERE processed_at IS NULL AND next_attempt_at <= ?"
                    + " AND (claimed_until IS NULL OR claimed_until <= ?)"
                    + " ORDER BY id FETCH FIRST " + limit + " ROWS ONLY")) {
                ps.setObject(1, now);
                ps.setObject(2, now);
                List<StoredWebhook> rows = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new StoredWebhook(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                rs.getString(5), rs.getObject(6, OffsetDateTime.class), rs.getInt(7)));
                    }
                }
                return rows;
            }
        });
        if (candidates.isEmpty()) {
            return candidates;
        }
        return db.inTransaction(c -> {
            List<StoredWebhook> mine = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("UPDATE webhook_inbox SET claimed_by = ?, claimed_until = ?"
                    + " WHERE id = ? AND processed_at IS NULL AND (claimed_until IS NULL OR claimed_until <= ?)")) {
                for (StoredWebhook w : candidates) {
                    ps.setString(1, claims.owner());
                    ps.setObject(2, now.plus(claims.lease()));
                    ps.setLong(3, w.id());
                    ps.setObject(4, now);
                    if (ps.executeUpdate() == 1) {
                        mine.add(w);
                    }
                }
            }
            mine.forEach(w -> claimed.add(w.id()));
            return mine;
        });
    }

    /** Extends this node's claims on the notifications it is still confirming. */
    public void renewClaims() {
        KeyLeases.renew(db, clock, claims, "webhook_inbox", "claimed_until", "id", "claimed_by", claimed);
    }

    public void processed(long id, String outcome) {
        claimed.remove(id);
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE webhook_inbox SET processed_at = ?,"
                    + " attempts = attempts + 1, outcome = ?, claimed_by = NULL, claimed_until = NULL WHERE id = ?")) {
                ps.setObject(1, OffsetDateTime.now(clock));
                ps.setString(2, outcome);
                ps.setLong(3, id);
                return ps.executeUpdate();
            }
        });
    }

    public void retryLater(long id, OffsetDateTime at, String outcome) {
        claimed.remove(id);
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE webhook_inbox SET attempts = attempts + 1,"
                    + " next_attempt_at = ?, outcome = ?, claimed_by = NULL, claimed_until = NULL WHERE id = ?")) {
                ps.setObject(1, at);
                ps.setString(2, outcome == null ? null : outcome.substring(0, Math.min(500, outcome.length())));
                ps.setLong(3, id);
                return ps.executeUpdate();
            }
        });
    }

    public int count(String provider) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM webhook_inbox WHERE provider = ?")) {
                ps.setString(1, provider);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
    }
}
