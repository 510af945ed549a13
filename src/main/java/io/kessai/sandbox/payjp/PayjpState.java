package io.kessai.sandbox.payjp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Everything the PAY.JP sandbox remembers, behind one narrow interface so that a later change can keep it in a database
 * table instead of memory ({@link InMemoryPayjpState} is the only implementation today). Every object is a
 * {@link Row}: a kind, an id, the few columns the sandbox looks objects up by, and the PAY.JP object itself as JSON
 * (a {@code jsonb}/{@code clob} column). Idempotency keys are an {@link IdempotencyRow} each.
 *
 * <p>Rules for implementations: rows go in and come out as copies (a caller never changes a stored row in place);
 * {@link #atomically} runs one operation's reads and writes as one transaction (it may be nested: the inner call
 * joins the outer); lists are ordered newest first ({@code created} descending, then the order of first insertion
 * descending).
 */
public interface PayjpState {

    /** What a row holds. */
    enum Kind {
        /** A charge object ({@code ch_}); owner = the merchant's account id. */
        CHARGE,
        /** A Platform merchant's account object ({@code acct_}). */
        ACCOUNT,
        /** An API key of a merchant (id = the key); owner = account id; status {@code active}; body {@code expires_at}. */
        API_KEY,
        /** A card token that was used by a charge (id = the token); owner = account id. */
        TOKEN,
        /** A platform transfer ({@code pf_tr_}); status = its status. */
        PLATFORM_TRANSFER,
        /** A merchant transfer ({@code tr_}); parent = its platform transfer, owner = its merchant, status = its status. */
        TRANSFER,
        /** An event ({@code evnt_}); parent = the id of the object in {@code data}, status = the event type. */
        EVENT,
        /** A {@code flaky} test request that already failed once (id = what identifies the request). */
        FLAKY
    }

    /**
     * One stored object.
     *
     * @param kind    what it is
     * @param id      its id, unique per kind
     * @param owner   the account it belongs to, or null
     * @param parent  the object it belongs to, or null
     * @param created its {@code created} (Unix seconds)
     * @param status  a column to filter on (transfer status, event type), or null
     * @param body    the PAY.JP object (or the row's data)
     */
    record Row(Kind kind, String id, String owner, String parent, long created, String status, ObjectNode body) {
        public Row {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(body, "body");
        }

        Row withBody(ObjectNode newBody) {
            return new Row(kind, id, owner, parent, created, status, newBody);
        }

        Row withStatus(String newStatus) {
            return new Row(kind, id, owner, parent, created, newStatus, body);
        }
    }

    /**
     * What a list asks for; null fields do not filter. {@code since}/{@code until} are inclusive ("以降"/"以前").
     */
    record Filter(String owner, String parent, String status, Long since, Long until) {
        static final Filter ALL = new Filter(null, null, null, null, null);

        boolean matches(Row r) {
            return (owner == null || owner.equals(r.owner()))
                    && (parent == null || parent.equals(r.parent()))
                    && (status == null || status.equals(r.status()))
                    && (since == null || r.created() >= since)
                    && (until == null || r.created() <= until);
        }
    }

    /**
     * One {@code Idempotency-Key}.
     *
     * @param scope       the API key's owner the key belongs to (keys are per account)
     * @param key         the header's value
     * @param fingerprint what identifies the request (method, path, parameters)
     * @param created     when the key was first used
     * @param status      the stored answer's HTTP status, 0 while the first request is still running
     * @param contentType the stored answer's Content-Type
     * @param answer      the stored answer's body, null while running
     */
    record IdempotencyRow(String scope, String key, String fingerprint, Instant created, int status,
                          String contentType, byte[] answer) {
        boolean running() {
            return status == 0;
        }
    }

    /** Runs {@code work} as one transaction. */
    <T> T atomically(Supplier<T> work);

    Optional<Row> find(Kind kind, String id);

    /** Inserts or replaces (a replaced row keeps its place in the insertion order). */
    void put(Row row);

    /** Inserts unless a row of that kind and id exists; whether it inserted. */
    boolean insert(Row row);

    void delete(Kind kind, String id);

    /** The rows of a kind that match, newest first, from {@code offset}, at most {@code limit}. */
    List<Row> list(Kind kind, Filter filter, int offset, int limit);

    /** How many rows of a kind match. */
    int count(Kind kind, Filter filter);

    Optional<IdempotencyRow> findKey(String scope, String key);

    /** Inserts unless that key exists; whether it inserted. */
    boolean insertKey(IdempotencyRow row);

    void putKey(IdempotencyRow row);

    void deleteKey(String scope, String key);

    /** Forgets everything. */
    void clear();

    /** Convenience: the rows of a kind that match, all of them. */
    default List<Row> all(Kind kind, Filter filter) {
        return list(kind, filter, 0, Integer.MAX_VALUE);
    }

    /** Convenience: {@link #atomically} for work without a result. */
    default void atomically(Runnable work) {
        atomically(() -> {
            work.run();
            return null;
        });
    }

    static Supplier<PayjpState> inMemory() {
        return InMemoryPayjpState::new;
    }
}
