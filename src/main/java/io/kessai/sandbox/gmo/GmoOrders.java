package io.kessai.sandbox.gmo;

import java.time.Instant;
import java.util.List;

/**
 * Where the GMO-PG sandbox keeps what a restart must not forget, so that it outlives the sandbox: its orders (card
 * and cash, with their status, amounts, accessId, merchant URLs and csrfToken) and the answers kept for
 * {@code Idempotency-Key} replays. In memory for a sandbox on its own ({@link InMemoryGmoOrders}), in Kessai's
 * database when Kessai starts it ({@link JdbcGmoOrders}, tables {@code sandbox_gmo_orders} and
 * {@code sandbox_gmo_idempotency}), so that a restarted Kessai's janitor asks a sandbox that still knows the order.
 * The sandbox reads everything once when it is made and writes each change through. Access tokens, counters,
 * recorded requests and pending webhook retries are not kept: a restarted Kessai asks for a new token, and the
 * janitor's inquiry covers a webhook that was never delivered.
 */
public interface GmoOrders {
    /**
     * One order as the sandbox keeps it.
     *
     * @param state the whole order as the sandbox's own JSON document (never a card token: only the masked number
     *              the answers show, and the behaviour the token chose)
     */
    record StoredOrder(String orderId, String accessId, String status, String amount, String state) {
    }

    /**
     * A completed answer kept for replays of the same {@code Idempotency-Key} (24 hours from {@code created}).
     *
     * @param body the answer's JSON body, exactly as it was sent
     */
    record StoredReply(String shopId, String idempotencyKey, String path, Instant created, int status,
                       String contentType, String title, String body) {
    }

    /** Every order kept, in no particular order. */
    List<StoredOrder> orders();

    /** Stores the order, replacing the one with the same orderId. */
    void save(StoredOrder order);

    /** Every answer kept for replays, in no particular order. */
    List<StoredReply> replies();

    /** Stores the answer, replacing the one with the same shop and key. */
    void save(StoredReply reply);

    /** Forgets the answer kept for that shop and key (it expired). */
    void forgetReply(String shopId, String idempotencyKey);

    /** Forgets every order and every kept answer. */
    void clear();
}
