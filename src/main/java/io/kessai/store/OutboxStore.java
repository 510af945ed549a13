package io.kessai.store;

import io.kessai.events.OutboxEvent;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/** The outbox: events written with their status change, delivered at least once, in order per payment. */
public final class OutboxStore {
    private final Database db;
    private final Clock clock;
    private final Claims claims;
    /** The events this node has claimed and not yet finished with (their claims are renewed). */
    private final java.util.Set<Long> claimed = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public OutboxStore(Database db, Clock clock, Claims claims) {
        this.db = db;
        this.clock = clock;
        this.claims = claims;
    }

    /** Written in the caller's transaction, so the event exists exactly when its status change does. */
    static void insert(Connection c, OutboxEvent e, OffsetDateTime now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO outbox_events (event_id, payment_id, type, payload,"
                + " created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, e.eventId());
            ps.setString(2, e.paymentId());
            ps.setString(3, e.type());
            ps.setString(4, e.payload());
            ps.setObject(5, now);
            ps.setObject(6, now);
            ps.executeUpdate();
        }
    }

    /**
     * The events to deliver now, claimed for this node: for each payment only its oldest undelivered event, and only
     * while no relay (of this or another replica) has a live claim on it, so that a payment's events go out in order
     * even when one of them has to wait for a retry and several relays run at once. A claim holds until
     * {@link #delivered} or {@link #failed}, or (its relay died) until it expires.
     */
    public List<OutboxEvent> due(int limit) {
        // The relay asks again once it has been through its last batch: a claim still listed here belongs to a
        // pass that ended early, and is left to expire instead of being renewed for ever.
        claimed.clear();
        OffsetDateTime now = OffsetDateTime.now(clock).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        List<OutboxEvent> candidates = db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT e.seq, e.event_id, e.payment_id, e.type, e.payload,"
                    + " e.attempts, e.created_at FROM outbox_events e WHERE e.delivered_at IS NULL AND e.next_attempt_at <= ?"
                    + " AND (e.claimed_until IS NULL OR e.claimed_until <= ?)"
                    + " AND NOT EXISTS (SELECT 1 FROM outbox_events o WHERE o.payment_id = e.payment_id"
                    + " AND o.delivered_at IS NULL AND o.seq < e.seq) ORDER BY e.seq FETCH FIRST " + limit + " ROWS ONLY")) {
                ps.setObject(1, now);
                ps.setObject(2, now);
                return rows(ps);
            }
        });
        if (candidates.isEmpty()) {
            return candidates;
        }
        return db.inTransaction(c -> {
            List<OutboxEvent> mine = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("UPDATE outbox_events SET claimed_by = ?, claimed_until = ?"
                    + " WHERE seq = ? AND delivered_at IS NULL AND (claimed_until IS NULL OR claimed_until <= ?)")) {
                for (OutboxEvent e : candidates) {
                    ps.setString(1, claims.owner());
                    ps.setObject(2, now.plus(claims.lease()));
                    ps.setLong(3, e.seq());
                    ps.setObject(4, now);
                    if (ps.executeUpdate() == 1) {
                        mine.add(e);
                    }
                }
            }
            mine.forEach(e -> claimed.add(e.seq()));
            return mine;
        });
    }

    /** Extends this node's claims on the events it is still working on. */
    public void renewClaims() {
        KeyLeases.renew(db, clock, claims, "outbox_events", "claimed_until", "seq", "claimed_by", claimed);
    }

    /** Maps seq, event_id, payment_id, type, payload, attempts, created_at, in that order. */
    private static List<OutboxEvent> rows(PreparedStatement ps) throws SQLException {
        List<OutboxEvent> rows = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                rows.add(new OutboxEvent(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getInt(6), rs.getObject(7, OffsetDateTime.class)));
            }
        }
        return rows;
    }

    public void delivered(long seq) {
        claimed.remove(seq);
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE outbox_events SET delivered_at = ?,"
                    + " attempts = attempts + 1, last_error = NULL, claimed_by = NULL, claimed_until = NULL WHERE seq = ?")) {
                ps.setObject(1, OffsetDateTime.now(clock));
                ps.setLong(2, seq);
                return ps.executeUpdate();
            }
        });
    }

    public void failed(long seq, OffsetDateTime retryAt, String error) {
        claimed.remove(seq);
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE outbox_events SET attempts = attempts + 1,"
                    + " next_attempt_at = ?, last_error = ?, claimed_by = NULL, claimed_until = NULL WHERE seq = ?")) {
                ps.setObject(1, retryAt);
                ps.setString(2, error == null ? null : error.substring(0, Math.min(500, error.length())));
                ps.setLong(3, seq);
                return ps.executeUpdate();
            }
        });
    }

    /** Every event of a payment in the order it was written (for tests and operators). */
    public List<OutboxEvent> events(String paymentId) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT seq, event_id, payment_id, type, payload, attempts,"
                    + " created_at FROM outbox_events WHERE payment_id = ? ORDER BY seq")) {
                ps.setString(1, paymentId);
                return rows(ps);
            }
        });
    }
}
