package io.kessai.payment;

import io.kessai.model.PaymentStatus;
import io.kessai.store.PaymentRecord;
import org.apache.camel.Exchange;
import org.apache.camel.spi.Synchronization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Kessai's log context and its two INFO lines: one per status change (the state machine) and one per upstream attempt
 * (the upstream-call template). The MDC carries {@code paymentId}, {@code orderId}, {@code provider} and
 * {@code operation} while Kessai works on a payment, so that every line of that work can be found by them (with
 * {@code kessai.log.format=json} they are members of each line's {@code mdc}). Only ids, statuses, paths, HTTP
 * statuses and durations are written: never a secret, a token or a card number.
 */
public final class PaymentLog {
    public static final String PAYMENT_ID = "paymentId";
    public static final String ORDER_ID = "orderId";
    public static final String PROVIDER = "provider";
    public static final String OPERATION = "operation";
    private static final String[] KEYS = {PAYMENT_ID, ORDER_ID, PROVIDER, OPERATION};
    /** Set once an exchange put Kessai's keys in the MDC: they are removed when it completes. */
    private static final String ENTERED = "kessaiLogContext";

    private static final Logger STATES = LoggerFactory.getLogger(StateMachine.class);
    private static final Logger UPSTREAM = LoggerFactory.getLogger("io.kessai.provider.UpstreamCalls");

    private PaymentLog() {
    }

    /**
     * Puts the payment's keys (and {@code operation}: charge, capture, cancel, refund, inquiry, callback) in the MDC
     * for the rest of the exchange's work on this thread; they are removed when the exchange completes.
     */
    public static void enter(Exchange exchange, PaymentRecord payment, String operation) {
        put(PAYMENT_ID, payment.paymentId());
        put(ORDER_ID, payment.orderId());
        put(PROVIDER, payment.provider());
        put(OPERATION, operation);
        if (exchange.getProperty(ENTERED) == null) {
            exchange.setProperty(ENTERED, true);
            exchange.getExchangeExtension().addOnCompletion(new Synchronization() {
                @Override
                public void onComplete(Exchange done) {
                    clear();
                }

                @Override
                public void onFailure(Exchange done) {
                    clear();
                }
            });
        }
    }

    /** A new payment, stored with its first status. */
    public static void created(PaymentRecord payment, String source) {
        try (Scope ignored = scope(payment.paymentId(), payment.orderId(), payment.provider(), null)) {
            STATES.info("payment {} of order {} at {}: created {} (source {})", payment.paymentId(), payment.orderId(),
                    payment.provider(), payment.status().wire(), source);
        }
    }

    /** One status change, after it was committed. */
    public static void stateChanged(PaymentStatus from, PaymentRecord after, String source) {
        if (after == null || from == null || after.status() == from) {
            return;
        }
        try (Scope ignored = scope(after.paymentId(), after.orderId(), after.provider(), null)) {
            STATES.info("payment {} of order {} at {}: {} -> {} (source {})", after.paymentId(), after.orderId(),
                    after.provider(), from.wire(), after.status().wire(), source);
        }
    }

    /**
     * One upstream attempt: the provider, the operation (the upstream operation's kind; {@code inquiry} for a call
     * about a payment without one; {@code call} for one about no payment), the path below the provider's base URL, the attempt's number,
     * its outcome (answered, retryable, not_sent, refused, unknown, not_processed, no_answer), the HTTP status and the
     * time it took.
     */
    public static void upstreamAttempt(PaymentRecord payment, String provider, String operation, String path,
                                       int attempt, String outcome, Integer status, String providerCode, long millis) {
        try (Scope ignored = scope(payment == null ? null : payment.paymentId(), payment == null ? null : payment.orderId(),
                provider, operation)) {
            String op = MDC.get(OPERATION);
            if (op == null) {
                // a call about a payment without an operation of its own asks about it (janitor, webhook, reconcile)
                op = payment != null ? "inquiry" : "call";
                MDC.put(OPERATION, op);
            }
            UPSTREAM.info("upstream {} {} {} attempt {}: {}, HTTP {}{} in {} ms", provider, op, path,
                    attempt, outcome, status == null ? "-" : status, providerCode == null ? "" : " (" + providerCode + ")",
                    millis);
        }
    }

    /** The work with this thread's MDC, for another thread (an upstream attempt runs on its own). */
    public static <T> Callable<T> withContext(Callable<T> work) {
        Map<String, String> context = MDC.getCopyOfContextMap();
        return () -> {
            Map<String, String> before = MDC.getCopyOfContextMap();
            if (context == null) {
                MDC.clear();
            } else {
                MDC.setContextMap(context);
            }
            try {
                return work.call();
            } finally {
                if (before == null) {
                    MDC.clear();
                } else {
                    MDC.setContextMap(before);
                }
            }
        };
    }

    /** Sets the given keys (null: left as they are) until {@link Scope#close()}, which puts back what was there. */
    public static Scope scope(String paymentId, String orderId, String provider, String operation) {
        Map<String, String> before = new HashMap<>();
        for (String key : KEYS) {
            before.put(key, MDC.get(key));
        }
        put(PAYMENT_ID, paymentId);
        put(ORDER_ID, orderId);
        put(PROVIDER, provider);
        put(OPERATION, operation);
        return () -> before.forEach((key, value) -> {
            if (value == null) {
                MDC.remove(key);
            } else {
                MDC.put(key, value);
            }
        });
    }

    /** A scope of MDC keys; closing it restores the keys as they were. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    private static void put(String key, String value) {
        if (value != null) {
            MDC.put(key, value);
        }
    }

    private static void clear() {
        for (String key : KEYS) {
            MDC.remove(key);
        }
    }
}
