package io.kessai.sandbox.japanpayment;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The sandbox's orders in this JVM only: they outlive one sandbox when the same instance is given to the next. */
public final class InMemoryJapanPaymentOrders implements JapanPaymentOrders {
    private final Map<String, StoredOrder> orders = new LinkedHashMap<>();

    @Override
    public synchronized List<StoredOrder> all() {
        return new ArrayList<>(orders.values());
    }

    @Override
    public synchronized void save(StoredOrder order) {
        orders.put(order.currency() + " " + order.orderId(), order);
    }

    @Override
    public synchronized void clear() {
        orders.clear();
    }
}
