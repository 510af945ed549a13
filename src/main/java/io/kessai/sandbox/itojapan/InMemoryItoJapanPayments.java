package io.kessai.sandbox.itojapan;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** {@link ItoJapanPayments} in memory, every operation under one lock. */
public final class InMemoryItoJapanPayments implements ItoJapanPayments {
    private final Map<String, Payment> byId = new LinkedHashMap<>();

    @Override
    public synchronized void create(Payment payment) {
        if (byId.putIfAbsent(payment.paymentId(), payment) != null) {
            throw new IllegalStateException("payment_id " + payment.paymentId() + " exists");
        }
    }

    @Override
    public synchronized Optional<Payment> find(String paymentId) {
        return Optional.ofNullable(byId.get(paymentId));
    }

    @Override
    public synchronized Optional<Payment> pay(String paymentId, String transaction, BigDecimal charge) {
        Payment p = byId.get(paymentId);
        if (p != null && p.status() == Status.OPEN) {
            p = p.paid(transaction, charge);
            byId.put(paymentId, p);
        }
        return Optional.ofNullable(p);
    }

    @Override
    public synchronized Optional<Payment> cancel(String paymentId) {
        Payment p = byId.get(paymentId);
        if (p != null && p.status() == Status.OPEN) {
            p = p.cancelled();
            byId.put(paymentId, p);
        }
        return Optional.ofNullable(p);
    }

    @Override
    public synchronized List<Payment> all() {
        return new ArrayList<>(byId.values());
    }
}
