package io.kessai.sandbox.payjp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.sandbox.payjp.PayjpPlatform.ListQuery;
import io.kessai.sandbox.payjp.PayjpState.Filter;
import io.kessai.sandbox.payjp.PayjpState.Kind;
import io.kessai.sandbox.payjp.PayjpState.Row;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The Platform API's transfers (payjp-platform.txt, "Platform Transfer"): {@code GET /v1/platform/transfers} (a list
 * of {@code platform_transfer} objects, each with its merchants' {@code transfer} objects in {@code transfers};
 * {@code limit}, {@code offset}, {@code status} pending|paid|carried_over|failed|stop|recombination, {@code since},
 * {@code until}), {@code GET /v1/platform/transfers/:id}, {@code GET /v1/platform/transfers/:id/transfers} (the
 * merchant transfers, each with {@code merchant} and {@code charges}) and {@code .../transfers/:transfer_id}.
 *
 * <p>Transfers are made by test hooks ({@link #create}): a platform transfer of {@code n} merchant transfers with
 * consistent made-up sums (merchant transfer {@code i}: gross 1000 × (i + 1) yen in one charge, fee 3 %, net =
 * amount; the platform's {@code fee_amount} 10 % of the gross), every one {@code pending}; {@link #changeStatus}
 * moves a platform or merchant transfer to another documented status (to {@code paid}: {@code transfer_date} and, for
 * a merchant transfer, {@code transfer_amount} are set, and {@code transfer.succeeded} is raised).
 */
final class PayjpTransfers {

    private final PayjpState state;
    private final Supplier<Instant> clock;
    private final PayjpEvents events;

    PayjpTransfers(PayjpState state, Supplier<Instant> clock, PayjpEvents events) {
        this.state = state;
        this.clock = clock;
        this.events = events;
    }

    // ------------------------------------------------------------------ API

    ObjectNode list(PayjpForm query) {
        ListQuery q = ListQuery.parse(query, true);
        Filter f = new Filter(null, null, q.status(), q.since(), q.until());
        return state.atomically(() -> {
            List<ObjectNode> data = new ArrayList<>();
            for (Row r : state.list(Kind.PLATFORM_TRANSFER, f, q.offset(), q.limit())) {
                data.add(platformObject(r));
            }
            boolean more = q.offset() + data.size() < state.count(Kind.PLATFORM_TRANSFER, f);
            return PayjpJson.list(data, more, "/v1/platform/transfers");
        });
    }

    ObjectNode retrieve(String id) {
        return state.atomically(() -> platformObject(platform(id)));
    }

    ObjectNode merchantList(String id, PayjpForm query) {
        ListQuery q = ListQuery.parse(query, true);
        return state.atomically(() -> {
            platform(id);
            Filter f = new Filter(null, id, q.status(), q.since(), q.until());
            List<ObjectNode> data = new ArrayList<>();
            for (Row r : state.list(Kind.TRANSFER, f, q.offset(), q.limit())) {
                data.add(merchantObject(r, true));
            }
            boolean more = q.offset() + data.size() < state.count(Kind.TRANSFER, f);
            return PayjpJson.list(data, more, "/v1/transfers");
        });
    }

    ObjectNode merchantRetrieve(String id, String transferId) {
        return state.atomically(() -> {
            platform(id);
            Row r = state.find(Kind.TRANSFER, transferId).filter(t -> id.equals(t.parent()))
                    .orElseThrow(() -> new PayjpError(404, PayjpError.CLIENT, "invalid_id",
                            "There is no transfer with ID: " + transferId, "id"));
            return merchantObject(r, true);
        });
    }

    private Row platform(String id) {
        return state.find(Kind.PLATFORM_TRANSFER, id).orElseThrow(() -> new PayjpError(404, PayjpError.CLIENT,
                "invalid_id", "There is no platform transfer with ID: " + id, "id"));
    }

    /** The platform transfer with its merchant transfers (at most 10, newest first) in {@code transfers}. */
    private ObjectNode platformObject(Row r) {
        ObjectNode o = r.body();
        Filter children = new Filter(null, r.id(), null, null, null);
        List<ObjectNode> data = new ArrayList<>();
        for (Row t : state.list(Kind.TRANSFER, children, 0, 10)) {
            data.add(merchantObject(t, false));
        }
        o.set("transfers", PayjpJson.list(data, state.count(Kind.TRANSFER, children) > data.size(), "/v1/transfers"));
        return o;
    }

    private static ObjectNode merchantObject(Row r, boolean withCharges) {
        ObjectNode o = r.body();
        if (withCharges) {
            o.set("charges", PayjpJson.list(List.of(), false, "/v1/transfers/" + r.id() + "/charges"));
        }
        return o;
    }

    // ------------------------------------------------------------------ test hooks

    /**
     * Creates a pending platform transfer of {@code merchantTransfers} merchant transfers for {@code merchants}
     * (used in turn) created at {@code created}; returns its id.
     */
    String create(Instant created, int merchantTransfers, List<String> merchants) {
        if (merchantTransfers < 0 || merchants.isEmpty()) {
            throw new IllegalArgumentException("merchantTransfers >= 0 and at least one merchant");
        }
        return state.atomically(() -> {
            long t = created.getEpochSecond();
            String pf = PayjpJson.newId("pf_tr_");
            long gross = 0;
            for (int i = 0; i < merchantTransfers; i++) {
                long g = 1000L * (i + 1);
                long fee = g * 3 / 100;
                gross += g;
                ObjectNode tr = PayjpJson.object();
                tr.put("amount", g - fee);
                tr.putNull("carried_balance");
                tr.put("created", t);
                tr.put("currency", "jpy");
                tr.putNull("description");
                String id = PayjpJson.newId("tr_");
                tr.put("id", id);
                tr.put("livemode", false);
                String merchant = merchants.get(i % merchants.size());
                tr.put("merchant", merchant);
                tr.put("object", "transfer");
                tr.putNull("scheduled_date");
                tr.put("status", "pending");
                ObjectNode s = tr.putObject("summary");
                s.put("charge_count", 1);
                s.put("charge_fee", fee);
                s.put("charge_gross", g);
                s.put("net", g - fee);
                s.put("refund_amount", 0);
                s.put("refund_count", 0);
                tr.putNull("term_end");
                tr.put("term_start", t);
                tr.putNull("transfer_amount");
                tr.putNull("transfer_date");
                state.put(new Row(Kind.TRANSFER, id, merchant, pf, t, "pending", tr));
            }
            ObjectNode p = PayjpJson.object();
            p.put("carried_balance", 0);
            p.put("created", t);
            p.put("currency", "jpy");
            p.put("fee_amount", gross / 10);
            p.put("id", pf);
            p.put("object", "platform_transfer");
            p.putNull("scheduled_date");
            p.put("status", "pending");
            ObjectNode s = p.putObject("summary");
            s.put("charge_amount", gross);
            s.put("charge_count", merchantTransfers);
            s.putNull("refund_amount");
            s.putNull("refund_count");
            p.putNull("term_end");
            p.putNull("term_start");
            state.put(new Row(Kind.PLATFORM_TRANSFER, pf, null, null, t, "pending", p));
            return pf;
        });
    }

    /** The merchant transfers of a platform transfer, newest first. */
    List<String> merchantTransferIds(String pf) {
        List<String> ids = new ArrayList<>();
        for (Row r : state.all(Kind.TRANSFER, new Filter(null, pf, null, null, null))) {
            ids.add(r.id());
        }
        return ids;
    }

    /** Moves a transfer ({@code pf_tr_} or {@code tr_}) to another documented status; returns the event raised. */
    Row changeStatus(String id, String status) {
        if (!ListQuery.STATUSES.contains(status)) {
            throw new IllegalArgumentException("not a transfer status: " + status);
        }
        Kind kind = id.startsWith("pf_tr_") ? Kind.PLATFORM_TRANSFER : Kind.TRANSFER;
        return state.atomically(() -> {
            Row r = state.find(kind, id).orElseThrow(() -> new IllegalArgumentException("no transfer " + id));
            if (status.equals(r.status())) {
                throw new IllegalStateException("transfer " + id + " is already " + status);
            }
            ObjectNode o = r.body();
            o.put("status", status);
            String today = LocalDate.ofInstant(clock.get(), PayjpCharges.TOKYO).toString();
            if (status.equals("paid")) {
                if (o.has("transfer_date")) {
                    o.put("transfer_date", today);
                }
                if (o.has("transfer_amount")) {
                    o.put("transfer_amount", o.get("amount").asLong());
                }
                if (o.path("scheduled_date").isNull()) {
                    o.put("scheduled_date", today);
                }
            }
            Row updated = r.withBody(o).withStatus(status);
            state.put(updated);
            if (!status.equals("paid")) {
                return null;
            }
            ObjectNode data = kind == Kind.PLATFORM_TRANSFER ? platformObject(updated) : merchantObject(updated, true);
            return events.raise("transfer.succeeded", data, id);
        });
    }
}
