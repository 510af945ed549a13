package io.kessai.sandbox.paymentoptions;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Everything the paymentoptions sandbox remembers: the transactions it made, by id, each with the answer it gave
 * (also the body of its webhook). The sandbox reads and writes its state only through this class.
 */
public final class PaymentOptionsState {

    /**
     * One transaction.
     *
     * @param id             {@code transaction_details.id}
     * @param ref            {@code transaction_details.ref}, a running number
     * @param merchantTxnRef the merchant's reference
     * @param amount         the amount charged
     * @param currency       its currency
     * @param success        whether it was captured
     * @param code           {@code gateway_response.code}
     * @param webhookUrl     where its webhook goes
     * @param answer         the answer's JSON text (the webhook's body)
     */
    public record Transaction(String id, long ref, String merchantTxnRef, BigDecimal amount, String currency,
                              boolean success, String code, String webhookUrl, String answer) {}

    private final Map<String, Transaction> byId = new ConcurrentHashMap<>();
    private final List<String> order = new ArrayList<>();
    private final AtomicLong refs = new AtomicLong(74810);

    /** The next {@code transaction_details.ref}. */
    public long nextRef() {
        return refs.incrementAndGet();
    }

    public void record(Transaction t) {
        synchronized (order) {
            if (byId.putIfAbsent(t.id(), t) == null) {
                order.add(t.id());
            }
        }
    }

    public Optional<Transaction> find(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** Every transaction, oldest first. */
    public List<Transaction> all() {
        synchronized (order) {
            return order.stream().map(byId::get).toList();
        }
    }
}
