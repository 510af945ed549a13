package io.kessai.sandbox.payjp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.sandbox.payjp.PayjpState.Kind;
import io.kessai.sandbox.payjp.PayjpState.Row;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * PAY.JP's event objects (v1 reference "イベント" and the webhook page): {@code {"created","data":{the object},
 * "id":"evnt_...","livemode":false,"object":"event","pending_webhooks":1,"type":"charge.succeeded"}}. Types raised by
 * the sandbox: {@code charge.succeeded} (a charge was created, captured or authorized only), {@code charge.failed}
 * (the card was declined), {@code charge.captured}, {@code charge.refunded} (each refund, full or partial, and the
 * release of an authorization) and {@code transfer.succeeded} (a transfer became {@code paid}; PAY.JP's event list
 * names no event for the other transfer statuses, which are seen by polling only).
 */
final class PayjpEvents {

    private final PayjpState state;
    private final Supplier<Instant> clock;

    PayjpEvents(PayjpState state, Supplier<Instant> clock) {
        this.state = state;
        this.clock = clock;
    }

    /** Stores a new event about {@code data} (a copy of it as it is now) and returns its row. */
    Row raise(String type, ObjectNode data, String objectId) {
        long now = clock.get().getEpochSecond();
        ObjectNode e = PayjpJson.object();
        e.put("created", now);
        e.set("data", data.deepCopy());
        e.put("id", PayjpJson.newId("evnt_"));
        e.put("livemode", false);
        e.put("object", "event");
        e.put("pending_webhooks", 1);
        e.put("type", type);
        Row row = new Row(Kind.EVENT, e.get("id").asText(), null, objectId, now, type, e);
        state.put(row);
        return row;
    }
}
