package io.kessai.events;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.f4b6a3.ulid.UlidCreator;
import io.kessai.model.Money;
import io.kessai.store.PaymentRecord;

import java.io.IOException;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * Builds the canonical event of contract section 6 for a status change. The event id is made once, when
 * the event is written to the outbox, so every redelivery carries the same {@code eventId}.
 */
public final class EventFactory {
    private final ObjectMapper json;
    private final ZoneId zone;

    public EventFactory(ObjectMapper json, ZoneId zone) {
        this.json = json;
        this.zone = zone;
    }

    public OutboxEvent paymentChanged(PaymentRecord p, Notice notice, OffsetDateTime now) {
        String eventId = "evt_" + UlidCreator.getMonotonicUlid();
        String type = "payment." + p.status().wire();
        ObjectNode e = json.createObjectNode()
                .put("eventId", eventId)
                .put("type", type)
                .put("provider", p.provider())
                .put("paymentId", p.paymentId())
                .put("orderId", p.orderId())
                .put("status", p.status().wire())
                .put("amount", Money.format(p.amount(), p.currency()))
                .put("currency", p.currency())
                .put("source", notice.source());
        if (notice.providerEventId() != null) {
            e.put("providerEventId", notice.providerEventId());
        } else {
            e.putNull("providerEventId");
        }
        e.put("occurredAt", time(now));
        e.put("receivedAt", time(notice.receivedAt() != null ? notice.receivedAt() : now));
        ObjectNode data = e.putObject("data");
        data.put("capturedAmount", Money.format(p.capturedAmount(), p.currency()));
        data.put("refundedAmount", Money.format(p.refundedAmount(), p.currency()));
        if (p.providerStatus() != null) {
            data.put("providerStatus", p.providerStatus());
        }
        if (p.providerRef() != null && !p.providerRef().isEmpty()) {
            data.set("providerRef", json.valueToTree(p.providerRef()));
        }
        if (p.nextAction() != null) {
            data.set("nextAction", json.valueToTree(p.nextAction()));
        }
        if (p.error() != null) {
            data.set("error", json.valueToTree(p.error()));
        }
        if (p.captureExpiresAt() != null) {
            data.put("captureExpiresAt", time(p.captureExpiresAt()));
        }
        try {
            return new OutboxEvent(0, eventId, p.paymentId(), type, json.writeValueAsString(e), 0, now);
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * The {@code transfer.<status>} event of a transfer found by polling: no payment, {@code source: poll}, the
     * transfer in {@code data}. Its outbox key (the column that orders delivery) is the transfer id, so that the
     * statuses of one transfer go out in the order they were found.
     */
    public OutboxEvent transferChanged(String provider, io.kessai.provider.TransferEvents.Transfer t, OffsetDateTime now) {
        String eventId = "evt_" + UlidCreator.getMonotonicUlid();
        String type = "transfer." + t.status();
        ObjectNode e = json.createObjectNode()
                .put("eventId", eventId)
                .put("type", type)
                .put("provider", provider);
        e.putNull("paymentId");
        e.putNull("orderId");
        e.put("status", t.status());
        if (t.amount() != null && t.currency() != null) {
            e.put("amount", Money.format(t.amount(), t.currency()));
        } else {
            e.putNull("amount");
        }
        if (t.currency() != null) {
            e.put("currency", t.currency());
        } else {
            e.putNull("currency");
        }
        e.put("source", "poll");
        e.putNull("providerEventId");
        e.put("occurredAt", time(now));
        e.put("receivedAt", time(now));
        e.set("data", t.data());
        try {
            return new OutboxEvent(0, eventId, t.id(), type, json.writeValueAsString(e), 0, now);
        } catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private String time(OffsetDateTime t) {
        return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(t.atZoneSameInstant(zone).toOffsetDateTime());
    }
}
