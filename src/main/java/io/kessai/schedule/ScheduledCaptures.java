package io.kessai.schedule;

import io.kessai.payment.Flow;
import io.kessai.store.PaymentStore;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Captures authorizations whose {@code capture.at} has come. Each capture is an operation with its own
 * idempotency key (a retry after no answer reuses it); a failed capture is tried again with exponential
 * backoff until the authorization expires (the janitor then marks it {@code expired}).
 */
public final class ScheduledCaptures {
    private static final Logger LOG = LoggerFactory.getLogger(ScheduledCaptures.class);
    /** The payment a pass is capturing (the capture route replaces the message's headers). */
    private static final String DUE = "kessaiScheduledCapture";
    /** Whether the last batch was full (routes/schedules.camel.yaml loops while it is). */
    static final String MORE = "kessaiMoreCapturesDue";
    /** The payments this pass took so far. */
    private static final String TAKEN = "kessaiCapturesTaken";

    private final PaymentStore store;
    private final Backoff backoff;
    private final int batchSize;

    public ScheduledCaptures(PaymentStore store, Backoff backoff, int batchSize) {
        this.store = store;
        this.backoff = backoff;
        this.batchSize = batchSize;
    }

    /**
     * The next batch of due payments; the exchange property {@value #MORE} says whether a full batch came (the pass
     * then asks again once this batch is done: failures are postponed, so a pass always ends).
     */
    @SuppressWarnings("unchecked")
    public List<String> due(Exchange exchange) {
        Set<String> taken = exchange.getProperty(TAKEN, Set.class);
        if (taken == null) {
            taken = new HashSet<>();
            exchange.setProperty(TAKEN, taken);
        }
        List<String> due = store.dueCaptures(store.now(), batchSize);
        // A payment this pass already took (a capture that ended without a change) waits for the next pass: a pass
        // never captures one payment twice, and never loops on the same batch.
        List<String> fresh = due.stream().filter(taken::add).toList();
        exchange.setProperty(MORE, due.size() >= batchSize && fresh.size() == due.size());
        return fresh;
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
