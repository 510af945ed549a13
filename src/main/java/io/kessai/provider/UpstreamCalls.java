package io.kessai.provider;

import io.kessai.payment.Flow;
import io.kessai.store.PaymentRecord;
import io.kessai.store.PaymentStore;
import io.kessai.store.UpstreamAttempt;
import org.apache.camel.Exchange;

/**
 * The provider-neutral steps around one HTTP attempt: prepare a clean message (no header of the caller
 * ever reaches a provider), and write each attempt to the audit trail without secrets or card data.
 */
public final class UpstreamCalls {
    private final PaymentStore store;

    public UpstreamCalls(PaymentStore store) {
        this.store = store;
    }

    public void prepare(Exchange exchange) {
        var message = exchange.getMessage();
        message.removeHeaders("*");
        message.setBody(exchange.getProperty(Flow.UPSTREAM_BODY, String.class));
        PaymentStore.Operation op = exchange.getProperty(Flow.OPERATION, PaymentStore.Operation.class);
        if (op != null) {
            message.setHeader(Flow.IDEMPOTENCY_KEY_HEADER, op.upstreamKey());
        }
        exchange.setProperty(Flow.UPSTREAM_STARTED, System.nanoTime());
    }

    /** Records an attempt that got an HTTP answer. */
    public void answered(Exchange exchange, String provider, int status, String providerCode, String outcome) {
        record(exchange, provider, status, providerCode, outcome);
    }

    /** Records an attempt that got no answer, then lets its exception go on to the retry policy. */
    public void failed(Exchange exchange, String provider) throws Exception {
        Exception cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        String outcome = cause != null && UpstreamFailures.isBeforeSending(cause) ? "not_sent" : "no_answer";
        record(exchange, provider, null, null, outcome);
        if (cause != null) {
            throw cause;
        }
    }

    private void record(Exchange exchange, String provider, Integer status, String providerCode, String outcome) {
        Long started = exchange.getProperty(Flow.UPSTREAM_STARTED, Long.class);
        long millis = started == null ? 0 : (System.nanoTime() - started) / 1_000_000;
        PaymentRecord payment = exchange.getProperty(Flow.PAYMENT, PaymentRecord.class);
        PaymentStore.Operation op = exchange.getProperty(Flow.OPERATION, PaymentStore.Operation.class);
        store.recordAttempt(new UpstreamAttempt(payment == null ? null : payment.paymentId(), provider,
                exchange.getProperty(Flow.UPSTREAM_PATH, String.class), op == null ? null : op.upstreamKey(),
                status, providerCode, outcome, millis));
    }
}
