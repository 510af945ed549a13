package io.kessai.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;

/**
 * What the asynchronous half of Kessai still has to do, counted for operators (metrics and health checks): events
 * not delivered yet, notifications not confirmed yet, payments due for the janitor, scheduled captures due, and
 * upstream operations whose outcome is not settled. Counts only, through the indexes the schedules use; no row
 * leaves this class, so no payment or order id reaches a metric.
 */
public final class BacklogStore {
    private final Database db;
    private final Clock clock;

    public BacklogStore(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
    }

    /** Events written but not delivered yet, and the age of the oldest (zero when there is none). */
    public record Outbox(long undelivered, Duration oldestAge) {
    }

    /** Upstream operations not settled, per provider and state ({@code started}, {@code unknown}, {@code unresolved}). */
    public record OpenOperations(String provider, String state, long count) {
    }

    /** Everything at once, read in one transaction. */
    public record Backlog(Outbox outbox, long inboxPending, long janitorDue, long capturesDue,
                          List<OpenOperations> openOperations) {
    }

    /**
     * Takes a connection of the pool and asks the database whether it is usable (health check); a connection that
     * is not is evicted from the pool.
     */
    public void ping(Duration timeout) {
        try (Connection c = db.dataSource().getConnection()) {
            if (!c.isValid((int) Math.max(1, timeout.toSeconds()))) {
                if (db.dataSource() instanceof com.zaxxer.hikari.HikariDataSource pool) {
                    pool.evictConnection(c);
                }
                throw new StoreException(new SQLException("the database did not answer a validity check within "
                        + timeout.toSeconds() + " s"));
            }
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    public Outbox outbox() {
        return db.inTransaction(this::outbox);
    }

    public Backlog backlog() {
        return db.inTransaction(c -> {
            OffsetDateTime now = OffsetDateTime.now(clock);
            return new Backlog(outbox(c),
                    count(c, "SELECT COUNT(*) FROM webhook_inbox WHERE processed_at IS NULL", null),
                    count(c, "SELECT COUNT(*) FROM payments WHERE next_check_at <= ?", now),
                    count(c, "SELECT COUNT(*) FROM payments WHERE capture_due_at <= ?", now),
                    openOperations(c));
        });
    }

    private Outbox outbox(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT COUNT(*), MIN(created_at) FROM outbox_events WHERE delivered_at IS NULL");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            long count = rs.getLong(1);
            OffsetDateTime oldest = rs.getObject(2, OffsetDateTime.class);
            Duration age = oldest == null ? Duration.ZERO : Duration.between(oldest, OffsetDateTime.now(clock));
            return new Outbox(count, age.isNegative() ? Duration.ZERO : age);
        }
    }

    private static List<OpenOperations> openOperations(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT p.provider, o.state, COUNT(*) FROM payment_operations o"
                + " JOIN payments p ON p.payment_id = o.payment_id"
                + " WHERE o.state IN ('started', 'unknown', 'unresolved') GROUP BY p.provider, o.state");
             ResultSet rs = ps.executeQuery()) {
            List<OpenOperations> rows = new ArrayList<>();
            while (rs.next()) {
                rows.add(new OpenOperations(rs.getString(1), rs.getString(2), rs.getLong(3)));
            }
            return rows;
        }
    }

    private static long count(Connection c, String sql, OffsetDateTime now) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            if (now != null) {
                ps.setObject(1, now);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
