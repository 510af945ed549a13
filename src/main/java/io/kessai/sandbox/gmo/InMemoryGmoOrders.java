package io.kessai.sandbox.gmo;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The sandbox's orders and kept answers in this JVM only: they outlive one sandbox when the same instance is given to the next. */
public final class InMemoryGmoOrders implements GmoOrders {
    private final Map<String, StoredOrder> orders = new LinkedHashMap<>();
    private final Map<String, StoredReply> replies = new LinkedHashMap<>();

    @Override
    public synchronized List<StoredOrder> orders() {
        return new ArrayList<>(orders.values());
    }

    @Override
    public synchronized void save(StoredOrder order) {
        orders.put(order.orderId(), order);
    }

    @Override
    public synchronized List<StoredReply> replies() {
        return new ArrayList<>(replies.values());
    }

    @Override
    public synchronized void save(StoredReply reply) {
        replies.put(reply.shopId() + " " + reply.idempotencyKey(), reply);
    }

    @Override
    public synchronized void forgetReply(String shopId, String idempotencyKey) {
        replies.remove(shopId + " " + idempotencyKey);
    }

    @Override
    public synchronized void clear() {
        orders.clear();
        replies.clear();
    }
}
