package io.kessai.schedule;

import io.kessai.payment.Flow;
import io.kessai.store.PaymentStore;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;

/**
 * Captures authorizations whose {@code capture.at} has come. Each capture is an operation with its own
 * idempotency key (a retry after no answer reuses it); a failed capture is tried again with exponential
 * backoff until the authorization expires (the janitor then marks it {@code expired}).
 */
public final class ScheduledCaptures {
    private static final Logger LOG = LoggerFactory.getLogger(ScheduledCaptures.class);
    /** The payment a pass is capturing (the capture route replaces the message's headers). */
    private static final String DUE = "kessaiScheduledCapture";

    private final PaymentStore store;
    private final Backoff backoff;
    private final int batchSize;

    public ScheduledCaptures(PaymentStore store, Backoff backoff, int batchSize) {
        this.store = store;
        this.backoff = backoff;
        this.batchSize = batchSize;
    }

    public List<String> due() {
        return store.dueCaptures(store.now(), batchSize);
    }

    /** Turns one due payment id into a capture request for direct:kessai-capture. */
    public void prepare(Exchange exchange) {
        String paymentId = exchange.getMessage().getBody(String.class);
        exchange.setProperty(DUE, paymentId);
        exchange.getMessage().setHeader(Flow.PAYMENT_ID_HEADER, paymentId);
        exchange.getMessage().setBody(null);
        exchange.setProperty(Flow.SOURCE, "schedule");
        exchange.setProperty(Flow.NOTICE, io.kessai.events.Notice.of("schedule"));
    }

    public void failed(Exchange exchange) {
        String paymentId = exchange.getProperty(DUE, String.class);
        Exception e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        int failures = store.captureAttempts(paymentId);
        Duration wait = backoff.after(failures);
        int attempts = failures + 1;
        store.postponeCapture(paymentId, store.now().plus(wait));
        LOG.warn("scheduled capture of {} failed (attempt {}), next try in {}: {}", paymentId, attempts, wait,
                e == null ? "" : e.getMessage());
    }
}
