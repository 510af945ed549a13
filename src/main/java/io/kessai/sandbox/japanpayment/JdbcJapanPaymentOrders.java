package io.kessai.sandbox.japanpayment;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * The sandbox's orders in Kessai's database, table {@code sandbox_japan_payment_orders} (Flyway migration V5), so
 * that they survive a restart of the standalone Kessai. Only the sandbox reads and writes it.
 */
public final class JdbcJapanPaymentOrders implements JapanPaymentOrders {
    private static final String COLUMNS = "currency, order_id, order_no, amount, method, notify_url, bank_no, "
            + "call_back_url, call_back_fail_url, status, actual_amount, fee, pay_time, error_msg, last_notification";

    private final DataSource dataSource;

    public JdbcJapanPaymentOrders(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public List<StoredOrder> all() {
        try (Connection c = dataSource.getConnection();
             Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT " + COLUMNS + " FROM sandbox_japan_payment_orders")) {
            List<StoredOrder> orders = new ArrayList<>();
            while (r.next()) {
                orders.add(new StoredOrder(r.getString(1), r.getString(2), r.getString(3), r.getString(4),
                        r.getString(5), r.getString(6), r.getString(7), r.getString(8), r.getString(9), r.getInt(10),
                        r.getString(11), r.getString(12), r.getString(13), r.getString(14), r.getString(15)));
            }
            return orders;
        } catch (SQLException e) {
            throw new IllegalStateException("Japan Payment sandbox: cannot read its orders (" + e.getSQLState() + ")", e);
        }
    }

    @Override
    public void save(StoredOrder o) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement update = c.prepareStatement("UPDATE sandbox_japan_payment_orders SET order_no = ?, "
                    + "amount = ?, method = ?, notify_url = ?, bank_no = ?, call_back_url = ?, call_back_fail_url = ?, "
                    + "status = ?, actual_amount = ?, fee = ?, pay_time = ?, error_msg = ?, last_notification = ? "
                    + "WHERE currency = ? AND order_id = ?")) {
                int i = 1;
                update.setString(i++, o.orderNo());
                update.setString(i++, o.amount());
                update.setString(i++, o.method());
                setNullable(update, i++, o.notifyUrl());
                setNullable(update, i++, o.bankNo());
                setNullable(update, i++, o.callBackUrl());
                setNullable(update, i++, o.callBackFailUrl());
                update.setInt(i++, o.status());
                update.setString(i++, o.actualAmount());
                update.setString(i++, o.fee());
                setNullable(update, i++, o.payTime());
                setNullable(update, i++, o.errorMsg());
                setNullable(update, i++, o.lastNotification());
                update.setString(i++, o.currency());
                update.setString(i, o.orderId());
                if (update.executeUpdate() == 0) {
                    try (PreparedStatement insert = c.prepareStatement("INSERT INTO sandbox_japan_payment_orders ("
                            + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                        int j = 1;
                        insert.setString(j++, o.currency());
                        insert.setString(j++, o.orderId());
                        insert.setString(j++, o.orderNo());
                        insert.setString(j++, o.amount());
                        insert.setString(j++, o.method());
                        setNullable(insert, j++, o.notifyUrl());
                        setNullable(insert, j++, o.bankNo());
                        setNullable(insert, j++, o.callBackUrl());
                        setNullable(insert, j++, o.callBackFailUrl());
                        insert.setInt(j++, o.status());
                        insert.setString(j++, o.actualAmount());
                        insert.setString(j++, o.fee());
                        setNullable(insert, j++, o.payTime());
                        setNullable(insert, j++, o.errorMsg());
                        setNullable(insert, j, o.lastNotification());
                        insert.executeUpdate();
                    }
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Japan Payment sandbox: cannot store an order (" + e.getSQLState() + ")", e);
        }
    }

    @Override
    public void clear() {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("DELETE FROM sandbox_japan_payment_orders");
        } catch (SQLException e) {
            throw new IllegalStateException("Japan Payment sandbox: cannot clear its orders (" + e.getSQLState() + ")", e);
        }
    }

    private static void setNullable(PreparedStatement s, int index, String value) throws SQLException {
        if (value == null) {
            s.setNull(index, Types.VARCHAR);
        } else {
            s.setString(index, value);
        }
    }
}
