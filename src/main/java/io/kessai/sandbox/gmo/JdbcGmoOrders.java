package io.kessai.sandbox.gmo;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The sandbox's orders and kept answers in Kessai's database, tables {@code sandbox_gmo_orders} and
 * {@code sandbox_gmo_idempotency} (Flyway migration V6), so that they survive a restart of the standalone Kessai.
 * Only the sandbox reads and writes them.
 */
public final class JdbcGmoOrders implements GmoOrders {
    private final DataSource dataSource;

    public JdbcGmoOrders(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public List<StoredOrder> orders() {
        try (Connection c = dataSource.getConnection();
             Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT order_id, access_id, status, amount, state FROM sandbox_gmo_orders")) {
            List<StoredOrder> orders = new ArrayList<>();
            while (r.next()) {
                orders.add(new StoredOrder(r.getString(1), r.getString(2), r.getString(3), r.getString(4), r.getString(5)));
            }
            return orders;
        } catch (SQLException e) {
            throw new IllegalStateException("GMO-PG sandbox: cannot read its orders (" + e.getSQLState() + ")", e);
        }
    }

    @Override
    public void save(StoredOrder o) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement update = c.prepareStatement("UPDATE sandbox_gmo_orders SET access_id = ?, "
                    + "status = ?, amount = ?, state = ? WHERE order_id = ?")) {
                update.setString(1, o.accessId());
                update.setString(2, o.status());
                update.setString(3, o.amount());
                update.setString(4, o.state());
                update.setString(5, o.orderId());
                if (update.executeUpdate() == 0) {
                    try (PreparedStatement insert = c.prepareStatement("INSERT INTO sandbox_gmo_orders "
                            + "(order_id, access_id, status, amount, state) VALUES (?, ?, ?, ?, ?)")) {
                        insert.setString(1, o.orderId());
                        insert.setString(2, o.accessId());
                        insert.setString(3, o.status());
                        insert.setString(4, o.amount());
                        insert.setString(5, o.state());
                        insert.executeUpdate();
                    }
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("GMO-PG sandbox: cannot store an order (" + e.getSQLState() + ")", e);
        }
    }

    @Override
    public List<StoredReply> replies() {
        try (Connection c = dataSource.getConnection();
             Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT shop_id, idempotency_key, path, created_ms, status, content_type, "
                     + "title, body FROM sandbox_gmo_idempotency")) {
            List<StoredReply> replies = new ArrayList<>();
            while (r.next()) {
                replies.add(new StoredReply(r.getString(1), r.getString(2), r.getString(3),
                        Instant.ofEpochMilli(r.getLong(4)), r.getInt(5), r.getString(6), r.getString(7), r.getString(8)));
            }
            return replies;
        } catch (SQLException e) {
            throw new IllegalStateException("GMO-PG sandbox: cannot read its idempotency keys (" + e.getSQLState() + ")", e);
        }
    }

    @Override
    public void save(StoredReply reply) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement delete = c.prepareStatement(
                    "DELETE FROM sandbox_gmo_idempotency WHERE shop_id = ? AND idempotency_key = ?");
                 PreparedStatement insert = c.prepareStatement("INSERT INTO sandbox_gmo_idempotency (shop_id, "
                         + "idempotency_key, path, created_ms, status, content_type, title, body) "
                         + "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                delete.setString(1, reply.shopId());
                delete.setString(2, reply.idempotencyKey());
                delete.executeUpdate();
                insert.setString(1, reply.shopId());
                insert.setString(2, reply.idempotencyKey());
                insert.setString(3, reply.path());
                insert.setLong(4, reply.created().toEpochMilli());
                insert.setInt(5, reply.status());
                insert.setString(6, reply.contentType());
                if (reply.title() == null) {
                    insert.setNull(7, Types.VARCHAR);
                } else {
                    insert.setString(7, reply.title());
                }
                insert.setString(8, reply.body());
                insert.executeUpdate();
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("GMO-PG sandbox: cannot store an idempotency key (" + e.getSQLState() + ")", e);
        }
    }

    @Override
    public void forgetReply(String shopId, String idempotencyKey) {
        try (Connection c = dataSource.getConnection();
             PreparedStatement s = c.prepareStatement(
                     "DELETE FROM sandbox_gmo_idempotency WHERE shop_id = ? AND idempotency_key = ?")) {
            s.setString(1, shopId);
            s.setString(2, idempotencyKey);
            s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException("GMO-PG sandbox: cannot forget an idempotency key (" + e.getSQLState() + ")", e);
        }
    }

    @Override
    public void clear() {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM sandbox_gmo_idempotency");
            s.executeUpdate("DELETE FROM sandbox_gmo_orders");
        } catch (SQLException e) {
            throw new IllegalStateException("GMO-PG sandbox: cannot clear its orders (" + e.getSQLState() + ")", e);
        }
    }
}
