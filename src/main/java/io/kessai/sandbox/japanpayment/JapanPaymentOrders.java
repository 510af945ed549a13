package io.kessai.sandbox.japanpayment;

import java.util.List;

/**
 * Where the Japan Payment sandbox keeps its orders, so that they outlive the sandbox: in memory for a sandbox on
 * its own ({@link InMemoryJapanPaymentOrders}), in Kessai's database when Kessai starts it
 * ({@link JdbcJapanPaymentOrders}, table {@code sandbox_japan_payment_orders}), so that a restarted Kessai's janitor
 * asks a sandbox that still knows the order. The sandbox reads every order once when it is made and writes each
 * change through.
 */
public interface JapanPaymentOrders {
    /**
     * One order as the sandbox keeps it. Amounts are decimal strings exactly as the sandbox holds them.
     *
     * @param lastNotification the body of the last notification sent (for a resend), or null
     */
    record StoredOrder(String currency, String orderId, String orderNo, String amount, String method, String notifyUrl,
                       String bankNo, String callBackUrl, String callBackFailUrl, int status, String actualAmount,
                       String fee, String payTime, String errorMsg, String lastNotification) {
    }

    /** Every order kept, in no particular order. */
    List<StoredOrder> all();

    /** Stores the order, replacing the one with the same currency and orderId. */
    void save(StoredOrder order);

    /** Forgets every order. */
    void clear();
}
