package io.kessai.events;

import io.kessai.schedule.Backoff;
import io.kessai.store.OutboxStore;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * The steps of the outbox relay route: which events are due, and what a delivery or a failure means.
 * A failed event is retried with exponential backoff (capped) and holds back the later events of its
 * payment, so that a consumer sees each payment's events in order; its eventId never changes.
 */
public final class OutboxRelay {
    private static final Logger LOG = LoggerFactory.getLogger(OutboxRelay.class);
    public static final String EVENT = "kessaiOutboxEvent";

    private final OutboxStore outbox;
    private final Backoff backoff;
    private final int batchSize;

    public OutboxRelay(OutboxStore outbox, Backoff backoff, int batchSize) {
        this.outbox = outbox;
        this.backoff = backoff;
        this.batchSize = batchSize;
    }

    public List<OutboxEvent> due() {
        return outbox.due(batchSize);
    }

    /** The message a sink receives: the event JSON, with its id and type as headers. */
    public void prepare(Exchange exchange) {
        OutboxEvent event = exchange.getMessage().getBody(OutboxEvent.class);
        exchange.setProperty(EVENT, event);
        var message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader("KessaiEventId", event.eventId());
        message.setHeader("KessaiEventType", event.type());
        message.setHeader("KessaiPaymentId", event.paymentId());
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setBody(event.payload());
    }

    public void delivered(Exchange exchange) {
        outbox.delivered(exchange.getProperty(EVENT, OutboxEvent.class).seq());
    }

    public void failed(Exchange exchange) {
        OutboxEvent event = exchange.getProperty(EVENT, OutboxEvent.class);
        Exception e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        Duration wait = backoff.after(event.attempts());
        String error = e == null ? "unknown" : e.getClass().getSimpleName() + ": " + e.getMessage();
        outbox.failed(event.seq(), OffsetDateTime.now(ZoneOffset.UTC).plus(wait), error);
        LOG.warn("event {} ({}) not delivered (attempt {}), next try in {}: {}", event.eventId(), event.type(),
                event.attempts() + 1, wait, error);
    }
}
