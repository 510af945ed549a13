package io.kessai.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kessai.model.NextAction;
import io.kessai.model.PaymentError;
import io.kessai.model.PaymentStatus;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Payments, idempotency keys, upstream operations, transitions and attempts, over plain JDBC. */
public final class PaymentStore {
    private static final String COLUMNS = "payment_id, order_id, provider, status, amount, currency, captured_amount,"
            + " refunded_amount, capture_mode, capture_at, capture_expires_at, next_action, provider_ref,"
            + " provider_status, error_code, error_message, error_provider_code, error_retryable, csrf_token,"
            + " request_hash, order_json, created_at, updated_at";

    private final Database db;
    private final ObjectMapper json;
    private final Clock clock;

    public PaymentStore(Database db, ObjectMapper json, Clock clock) {
        this.db = db;
        this.json = json;
        this.clock = clock;
    }

    public Database database() {
        return db;
    }

    public OffsetDateTime now() {
        return OffsetDateTime.now(clock).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    }

    // ---- payments ---------------------------------------------------------------------------

    public Optional<PaymentRecord> find(String paymentId) {
        return db.inTransaction(c -> select(c, "payment_id = ?", paymentId, false));
    }

    public Optional<PaymentRecord> findByOrderId(String orderId) {
        return db.inTransaction(c -> select(c, "order_id = ?", orderId, false));
    }

    /** Finds a payment by the provider's own id of it (providerRef.id, e.g. GMO accessId). */
    public Optional<PaymentRecord> findByProviderRef(String provider, String refId) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT payment_id FROM payments WHERE provider = ? AND provider_ref_id = ?")) {
                ps.setString(1, provider);
                ps.setString(2, refId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? select(c, "payment_id = ?", rs.getString(1), false) : Optional.empty();
                }
            }
        });
    }

    /** Finds the payment an idempotency key belongs to, with the hash of the request that first used it. */
    public Optional<KeyedPayment> findByKey(String key) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT payment_id, request_hash FROM idempotency_keys WHERE idem_key = ?")) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    String requestHash = rs.getString(2);
                    return select(c, "payment_id = ?", rs.getString(1), false)
                            .map(p -> new KeyedPayment(p, requestHash));
                }
            }
        });
    }

    public record KeyedPayment(PaymentRecord payment, String requestHash) {
    }

    /**
     * Inserts a new payment together with its idempotency key, its created event, its janitor schedule and
     * its first upstream operation ({@code kind}, with the upstream key every send of it will carry), in one
     * transaction: a payment that exists always has the operation whose key it was charged under.
     * A unique violation (the key or the orderId is taken, e.g. by a concurrent identical request)
     * surfaces as a {@link StoreException} whose {@link StoreException#isUniqueViolation()} is true.
     */
    public Operation insert(PaymentRecord p, String idempotencyKey, String source, io.kessai.events.OutboxEvent event,
                            Schedule schedule, String kind) {
        return insert(p, idempotencyKey, source, event, schedule, kind, null);
    }

    /** As {@link #insert(PaymentRecord, String, String, io.kessai.events.OutboxEvent, Schedule, String)}, with why
     * the payment went to its provider (the routing rule; kept on the payment and shown in its result). */
    public Operation insert(PaymentRecord p, String idempotencyKey, String source, io.kessai.events.OutboxEvent event,
                            Schedule schedule, String kind, String routingReason) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO payments (" + COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                int i = 0;
                ps.setString(++i, p.paymentId());
                ps.setString(++i, p.orderId());
                ps.setString(++i, p.provider());
                ps.setString(++i, p.status().wire());
                ps.setBigDecimal(++i, p.amount());
                ps.setString(++i, p.currency());
                ps.setBigDecimal(++i, p.capturedAmount());
                ps.setBigDecimal(++i, p.refundedAmount());
                ps.setString(++i, p.captureMode());
                ps.setString(++i, p.captureAt());
                setTime(ps, ++i, p.captureExpiresAt());
                ps.setString(++i, toJson(p.nextAction()));
                ps.setString(++i, toJson(p.providerRef()));
                ps.setString(++i, p.providerStatus());
                setError(ps, i, p.error());
                i += 4;
                ps.setString(++i, p.csrfToken());
                ps.setString(++i, p.requestHash());
                ps.setString(++i, p.orderJson());
                setTime(ps, ++i, p.createdAt());
                setTime(ps, ++i, p.updatedAt());
                ps.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO idempotency_keys (idem_key, request_hash, payment_id, created_at) VALUES (?, ?, ?, ?)")) {
                ps.setString(1, idempotencyKey);
                ps.setString(2, p.requestHash());
                ps.setString(3, p.paymentId());
                setTime(ps, 4, p.createdAt());
                ps.executeUpdate();
            }
            insertTransition(c, p.paymentId(), null, p.status(), true, source, p.providerStatus());
            if (event != null) {
                OutboxStore.insert(c, event, now());
            }
            if (schedule != null) {
                writeSchedule(c, p.paymentId(), schedule);
            }
            if (routingReason != null) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE payments SET routing_reason = ? WHERE payment_id = ?")) {
                    ps.setString(1, clip(routingReason, 1000));
                    ps.setString(2, p.paymentId());
                    ps.executeUpdate();
                }
            }
            return insertOperation(c, p.paymentId(), kind, p.amount(), null, null);
        });
    }

    // ---- routing and failover -------------------------------------------------------------------

    /**
     * Moves a new payment's charge to the next provider of its routing rule, in one transaction: the charge sent to
     * {@code from} is settled {@code failed} with {@code note} (it surely did not happen there), a new charge
     * operation with a new upstream key is started for {@code to}, and the payment's provider and routing reason
     * become {@code to}'s. A crash before the commit leaves the first charge open at {@code from} (reconciled there);
     * after it, only {@code to} can be charged: never two providers at once. Answers empty when the payment or the
     * operation has moved on meanwhile (then nothing is changed).
     */
    public Optional<Failover> failover(String paymentId, String operationId, String from, String to, String note,
                                       String routingReason) {
        return db.inTransaction(c -> {
            PaymentRecord current = select(c, "payment_id = ?", paymentId, true).orElse(null);
            if (current == null || !from.equals(current.provider()) || current.status() != PaymentStatus.PENDING) {
                return Optional.empty();
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE payment_operations SET state = 'failed', updated_at = ?,"
                    + " settled_at = ?, note = ? WHERE operation_id = ? AND payment_id = ? AND state = 'started'")) {
                setTime(ps, 1, now());
                setTime(ps, 2, now());
                ps.setString(3, clip(note, 500));
                ps.setString(4, operationId);
                ps.setString(5, paymentId);
                if (ps.executeUpdate() != 1) {
                    return Optional.empty();
                }
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE payments SET provider = ?, routing_reason = ?,"
                    + " updated_at = ? WHERE payment_id = ?")) {
                ps.setString(1, to);
                ps.setString(2, clip(routingReason, 1000));
                setTime(ps, 3, now());
                ps.setString(4, paymentId);
                ps.executeUpdate();
            }
            Operation next = insertOperation(c, paymentId, "charge", current.amount(), null, null);
            PaymentRecord switched = select(c, "payment_id = ?", paymentId, false).orElseThrow();
            return Optional.of(new Failover(switched, next));
        });
    }

    /** The payment after a failover, and the charge operation to send to its new provider. */
    public record Failover(PaymentRecord payment, Operation operation) {
    }

    /** Why the payment went to its provider, and each charge sent: to which provider, how it ended, and why. */
    public record Routing(String reason, List<ChargeAttempt> attempts) {
    }

    public record ChargeAttempt(String provider, String state, String note) {
    }

    public Optional<Routing> routing(String paymentId) {
        return db.inTransaction(c -> {
            String reason;
            try (PreparedStatement ps = c.prepareStatement("SELECT routing_reason FROM payments WHERE payment_id = ?")) {
                ps.setString(1, paymentId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    reason = rs.getString(1);
                }
            }
            List<ChargeAttempt> attempts = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT provider, state, note FROM payment_operations"
                    + " WHERE payment_id = ? AND kind = 'charge' ORDER BY created_at, settled_at NULLS LAST")) {
                ps.setString(1, paymentId);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        attempts.add(new ChargeAttempt(rs.getString(1), rs.getString(2), rs.getString(3)));
                    }
                }
            }
            return reason == null && attempts.size() <= 1 ? Optional.empty() : Optional.of(new Routing(reason, attempts));
        });
    }

    private static String clip(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max - 1) + "…";
    }

    private void writeSchedule(Connection c, String paymentId, Schedule s) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE payments SET next_check_at = ?, checks = 0,"
                + " action_deadline = ?, capture_due_at = ?, capture_attempts = 0 WHERE payment_id = ?")) {
            setTime(ps, 1, s.nextCheckAt());
            setTime(ps, 2, s.actionDeadline());
            setTime(ps, 3, s.captureDueAt());
            ps.setString(4, paymentId);
            ps.executeUpdate();
        }
    }

    // ---- janitor and scheduled captures ----------------------------------------------------------

    /** A payment the janitor must look at now: how often it looked already, and the customer's deadline. */
    public record DueCheck(String paymentId, int checks, OffsetDateTime actionDeadline) {
    }

    /** The payments whose next check is due, oldest first, at most {@code limit} (an index range scan). */
    public List<DueCheck> dueChecks(OffsetDateTime now, int limit) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT payment_id, checks, action_deadline"
                    + " FROM payments WHERE next_check_at <= ?"
                    + " ORDER BY next_check_at FETCH FIRST " + limit + " ROWS ONLY")) {
                setTime(ps, 1, now);
                List<DueCheck> rows = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new DueCheck(rs.getString(1), rs.getInt(2), rs.getObject(3, OffsetDateTime.class)));
                    }
                }
                return rows;
            }
        });
    }

    /** After a check that settled nothing: count it and set the next one (null: stop checking). */
    public void rescheduleCheck(String paymentId, int checks, OffsetDateTime next) {
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE payments SET checks = ?, next_check_at = ? WHERE payment_id = ?")) {
                ps.setInt(1, checks);
                setTime(ps, 2, next);
                ps.setString(3, paymentId);
                return ps.executeUpdate();
            }
        });
    }

    /** Payments whose scheduled capture is due, oldest first. */
    public List<String> dueCaptures(OffsetDateTime now, int limit) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT payment_id FROM payments WHERE capture_due_at <= ?"
                    + " ORDER BY capture_due_at FETCH FIRST " + limit + " ROWS ONLY")) {
                setTime(ps, 1, now);
                List<String> rows = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(rs.getString(1));
                    }
                }
                return rows;
            }
        });
    }

    /** How many scheduled capture attempts of this payment have failed. */
    public int captureAttempts(String paymentId) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT capture_attempts FROM payments WHERE payment_id = ?")) {
                ps.setString(1, paymentId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getInt(1) : 0;
                }
            }
        });
    }

    /** A scheduled capture failed: count it and try again at {@code next} (if it is still scheduled). */
    public void postponeCapture(String paymentId, OffsetDateTime next) {
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE payments SET capture_attempts = capture_attempts + 1,"
                    + " capture_due_at = ? WHERE payment_id = ? AND capture_due_at IS NOT NULL")) {
                setTime(ps, 1, next);
                ps.setString(2, paymentId);
                return ps.executeUpdate();
            }
        });
    }


    /**
     * Runs {@code change} on the locked current row and writes what it returns, in one transaction, so
     * that concurrent doors (API answer, callback, webhook, poll) apply one after the other.
     */
    public <T> T update(String paymentId, RowChange<T> change) {
        return db.inTransaction(c -> {
            PaymentRecord current = select(c, "payment_id = ?", paymentId, true)
                    .orElseThrow(() -> new IllegalStateException("payment vanished: " + paymentId));
            Changed<T> changed = change.apply(current);
            if (changed.next() != null && !changed.next().equals(current)) {
                write(c, changed.next());
            }
            if (changed.transition() != null) {
                Transition t = changed.transition();
                insertTransition(c, paymentId, current.status(), t.to(), t.applied(), t.source(), t.providerStatus());
            }
            if (changed.event() != null) {
                OutboxStore.insert(c, changed.event(), now());
            }
            if (changed.schedule() != null) {
                writeSchedule(c, paymentId, changed.schedule());
            }
            if (changed.settle() != null) {
                settle(c, changed.settle());
            }
            return changed.value();
        });
    }

    @FunctionalInterface
    public interface RowChange<T> {
        Changed<T> apply(PaymentRecord current) throws SQLException;
    }

    /**
     * What a change writes, all in the transaction that read the row: the new row (or null for none), the
     * transition to record, the canonical event to put in the outbox, the new janitor and capture schedule,
     * and a value to return.
     */
    public record Changed<T>(PaymentRecord next, Transition transition, T value,
                             io.kessai.events.OutboxEvent event, Schedule schedule, Settlement settle) {
        public Changed(PaymentRecord next, Transition transition, T value) {
            this(next, transition, value, null, null, null);
        }

        public Changed(PaymentRecord next, Transition transition, T value, io.kessai.events.OutboxEvent event,
                       Schedule schedule) {
            this(next, transition, value, event, schedule, null);
        }

        /** The same change, also settling an upstream operation in its transaction. */
        public Changed<T> settling(Settlement s) {
            return new Changed<>(next, transition, value, event, schedule, s);
        }
    }

    /**
     * An upstream operation's new state: {@code done}, {@code failed}, {@code unknown} or {@code unresolved};
     * {@code nextCheckAt}, when set, brings the payment's next janitor check forward to that moment.
     */
    public record Settlement(String operationId, String state, String note, OffsetDateTime nextCheckAt) {
        public Settlement(String operationId, String state) {
            this(operationId, state, null, null);
        }
    }

    /**
     * When the janitor next looks at a payment ({@code null}: never, it is settled), until when the customer
     * can act, and when a scheduled capture is due.
     */
    public record Schedule(OffsetDateTime nextCheckAt, OffsetDateTime actionDeadline, OffsetDateTime captureDueAt) {
    }

    public record Transition(PaymentStatus to, boolean applied, String source, String providerStatus) {
    }

    private void write(Connection c, PaymentRecord p) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE payments SET status = ?, captured_amount = ?,"
                + " refunded_amount = ?, capture_expires_at = ?, next_action = ?, provider_ref = ?, provider_ref_id = ?, provider_status = ?,"
                + " error_code = ?, error_message = ?, error_provider_code = ?, error_retryable = ?, order_json = ?,"
                + " updated_at = ? WHERE payment_id = ?")) {
            int i = 0;
            ps.setString(++i, p.status().wire());
            ps.setBigDecimal(++i, p.capturedAmount());
            ps.setBigDecimal(++i, p.refundedAmount());
            setTime(ps, ++i, p.captureExpiresAt());
            ps.setString(++i, toJson(p.nextAction()));
            ps.setString(++i, toJson(p.providerRef()));
            ps.setString(++i, p.ref("id"));
            ps.setString(++i, p.providerStatus());
            setError(ps, i, p.error());
            i += 4;
            ps.setString(++i, p.orderJson());
            setTime(ps, ++i, p.updatedAt());
            ps.setString(++i, p.paymentId());
            ps.executeUpdate();
        }
    }

    private void insertTransition(Connection c, String paymentId, PaymentStatus from, PaymentStatus to,
                                  boolean applied, String source, String providerStatus) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO payment_transitions (payment_id, from_status,"
                + " to_status, applied, source, provider_status, occurred_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
            ps.setString(1, paymentId);
            ps.setString(2, from == null ? null : from.wire());
            ps.setString(3, to.wire());
            ps.setBoolean(4, applied);
            ps.setString(5, source);
            ps.setString(6, providerStatus);
            setTime(ps, 7, now());
            ps.executeUpdate();
        }
    }

    public List<TransitionRow> transitions(String paymentId) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT from_status, to_status, applied, source,"
                    + " provider_status FROM payment_transitions WHERE payment_id = ? ORDER BY id")) {
                ps.setString(1, paymentId);
                List<TransitionRow> rows = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new TransitionRow(rs.getString(1), rs.getString(2), rs.getBoolean(3),
                                rs.getString(4), rs.getString(5)));
                    }
                }
                return rows;
            }
        });
    }

    public record TransitionRow(String from, String to, boolean applied, String source, String providerStatus) {
    }

    // ---- operations ---------------------------------------------------------------------------

    /**
     * The upstream idempotency key of a logical operation. An operation of that kind whose outcome is not
     * known yet ({@code started} or {@code unknown}) is continued with its key; otherwise a new one starts.
     */
    public Operation beginOperation(String paymentId, String kind, BigDecimal amount) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT operation_id, upstream_key FROM payment_operations"
                    + " WHERE payment_id = ? AND kind = ? AND state IN ('started', 'unknown') ORDER BY created_at")) {
                ps.setString(1, paymentId);
                ps.setString(2, kind);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return new Operation(rs.getString(1), paymentId, kind, rs.getString(2), true);
                    }
                }
            }
            return insertOperation(c, paymentId, kind, amount, null, null);
        });
    }

    /**
     * A new operation asked for by the caller's Idempotency-Key ({@code clientKey}, may be null), started only if the
     * payment is still {@code from} and has no operation whose outcome is open: checked and written under the
     * payment's row lock, so that two replicas (or a replica that lost its lease on the payment) never start two
     * operations side by side. Empty when the payment moved on or another operation is open.
     */
    public Optional<Operation> startOperation(String paymentId, io.kessai.model.PaymentStatus from, String kind,
                                              BigDecimal amount, String clientKey, String requestHash) {
        return db.inTransaction(c -> {
            PaymentRecord current = select(c, "payment_id = ?", paymentId, true)
                    .orElseThrow(() -> new IllegalStateException("payment vanished: " + paymentId));
            if (current.status() != from) {
                return Optional.empty();
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM payment_operations WHERE payment_id = ?"
                    + " AND state IN ('started', 'unknown', 'unresolved')")) {
                ps.setString(1, paymentId);
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return Optional.empty();
                    }
                }
            }
            return Optional.of(insertOperation(c, paymentId, kind, amount, clientKey, requestHash));
        });
    }

    /** The request hash of the operation the caller started with this Idempotency-Key, if any. */
    public Optional<String> operationByClientKey(String paymentId, String clientKey) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT request_hash FROM payment_operations"
                    + " WHERE payment_id = ? AND client_key = ?")) {
                ps.setString(1, paymentId);
                ps.setString(2, clientKey);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
                }
            }
        });
    }

    private Operation insertOperation(Connection c, String paymentId, String kind, BigDecimal amount, String clientKey,
                                      String requestHash) throws SQLException {
        Operation op = new Operation(UUID.randomUUID().toString(), paymentId, kind, UUID.randomUUID().toString(), false);
        // provider: the payment's at this moment (a failover switches it in the same transaction first)
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO payment_operations (operation_id, payment_id,"
                + " kind, upstream_key, state, amount, created_at, updated_at, client_key, request_hash, provider)"
                + " VALUES (?, ?, ?, ?, 'started', ?, ?, ?, ?, ?, (SELECT provider FROM payments WHERE payment_id = ?))")) {
            ps.setString(1, op.operationId());
            ps.setString(2, paymentId);
            ps.setString(3, kind);
            ps.setString(4, op.upstreamKey());
            ps.setBigDecimal(5, amount);
            setTime(ps, 6, now());
            setTime(ps, 7, now());
            ps.setString(8, clientKey);
            ps.setString(9, requestHash);
            ps.setString(10, paymentId);
            ps.executeUpdate();
        }
        return op;
    }

    /** Settles an operation on its own (no status change goes with it). */
    public void settleOperation(Settlement s) {
        db.inTransaction(c -> {
            settle(c, s);
            return null;
        });
    }

    private void settle(Connection c, Settlement s) throws SQLException {
        boolean open = "unknown".equals(s.state());
        try (PreparedStatement ps = c.prepareStatement("UPDATE payment_operations SET state = ?, updated_at = ?,"
                + " settled_at = ?, note = COALESCE(?, note) WHERE operation_id = ?")) {
            ps.setString(1, s.state());
            setTime(ps, 2, now());
            setTime(ps, 3, open ? null : now());
            ps.setString(4, s.note());
            ps.setString(5, s.operationId());
            ps.executeUpdate();
        }
        if (s.nextCheckAt() != null) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE payments SET next_check_at = ? WHERE payment_id ="
                    + " (SELECT payment_id FROM payment_operations WHERE operation_id = ?)"
                    + " AND (next_check_at IS NULL OR next_check_at > ?)")) {
                setTime(ps, 1, s.nextCheckAt());
                ps.setString(2, s.operationId());
                setTime(ps, 3, s.nextCheckAt());
                ps.executeUpdate();
            }
        }
    }

    public record Operation(String operationId, String paymentId, String kind, String upstreamKey, boolean resumed) {
    }

    /**
     * An operation whose outcome is not settled: {@code started} (maybe on its way), {@code unknown}, or
     * {@code unresolved} (unknown past the janitor's max age, still asked about).
     */
    public record OpenOperation(Operation operation, String state, BigDecimal amount, OffsetDateTime createdAt,
                                OffsetDateTime updatedAt) {
    }

    /** The payment's operations that are not settled yet, oldest first. */
    public List<OpenOperation> openOperations(String paymentId) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT operation_id, kind, upstream_key, state, amount,"
                    + " created_at, updated_at FROM payment_operations WHERE payment_id = ?"
                    + " AND state IN ('started', 'unknown', 'unresolved') ORDER BY created_at")) {
                ps.setString(1, paymentId);
                List<OpenOperation> rows = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new OpenOperation(new Operation(rs.getString(1), paymentId, rs.getString(2),
                                rs.getString(3), true), rs.getString(4), rs.getBigDecimal(5),
                                rs.getObject(6, OffsetDateTime.class), rs.getObject(7, OffsetDateTime.class)));
                    }
                }
                return rows;
            }
        });
    }

    /** The sum of the payment's refunds that are settled done (a full refund without amount counts nothing here). */
    public BigDecimal settledRefunds(String paymentId) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COALESCE(SUM(amount), 0) FROM payment_operations"
                    + " WHERE payment_id = ? AND kind = 'refund' AND state = 'done'")) {
                ps.setString(1, paymentId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getBigDecimal(1);
                }
            }
        });
    }

    /** Whether an upstream operation of this payment was started after {@code since} and has no outcome yet. */
    public boolean operationInFlight(String paymentId, OffsetDateTime since) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM payment_operations"
                    + " WHERE payment_id = ? AND state = 'started' AND updated_at > ?")) {
                ps.setString(1, paymentId);
                setTime(ps, 2, since);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1) > 0;
                }
            }
        });
    }

    public List<String> operationKeys(String paymentId) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT kind, upstream_key, state FROM payment_operations WHERE payment_id = ? ORDER BY created_at")) {
                ps.setString(1, paymentId);
                List<String> rows = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        rows.add(rs.getString(1) + ":" + rs.getString(2) + ":" + rs.getString(3));
                    }
                }
                return rows;
            }
        });
    }

    // ---- attempts -------------------------------------------------------------------------------

    public void recordAttempt(UpstreamAttempt a) {
        db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO upstream_attempts (payment_id, provider,"
                    + " operation, idempotency_key, http_status, provider_code, outcome, latency_ms, attempted_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, a.paymentId());
                ps.setString(2, a.provider());
                ps.setString(3, a.operation());
                ps.setString(4, a.idempotencyKey());
                if (a.httpStatus() == null) {
                    ps.setNull(5, Types.INTEGER);
                } else {
                    ps.setInt(5, a.httpStatus());
                }
                ps.setString(6, a.providerCode());
                ps.setString(7, a.outcome());
                ps.setLong(8, a.latencyMillis());
                setTime(ps, 9, now());
                return ps.executeUpdate();
            }
        });
    }

    public List<UpstreamAttempt> attempts(String paymentId) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT payment_id, provider, operation, idempotency_key,"
                    + " http_status, provider_code, outcome, latency_ms FROM upstream_attempts WHERE payment_id = ? ORDER BY id")) {
                ps.setString(1, paymentId);
                List<UpstreamAttempt> rows = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        int status = rs.getInt(5);
                        rows.add(new UpstreamAttempt(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                                rs.wasNull() ? null : status, rs.getString(6), rs.getString(7), rs.getLong(8)));
                    }
                }
                return rows;
            }
        });
    }

    // ---- mapping -------------------------------------------------------------------------------

    private Optional<PaymentRecord> select(Connection c, String where, String value, boolean forUpdate) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT " + COLUMNS + " FROM payments WHERE " + where + (forUpdate ? " FOR UPDATE" : ""))) {
            ps.setString(1, value);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(map(rs)) : Optional.empty();
            }
        }
    }

    private PaymentRecord map(ResultSet rs) throws SQLException {
        String errorCode = rs.getString("error_code");
        PaymentError error = errorCode == null ? null : new PaymentError(errorCode, rs.getString("error_message"),
                rs.getString("error_provider_code"), rs.getBoolean("error_retryable"));
        return new PaymentRecord(
                rs.getString("payment_id"),
                rs.getString("order_id"),
                rs.getString("provider"),
                PaymentStatus.fromWire(rs.getString("status")),
                rs.getBigDecimal("amount"),
                rs.getString("currency"),
                rs.getBigDecimal("captured_amount"),
                rs.getBigDecimal("refunded_amount"),
                rs.getString("capture_mode"),
                rs.getString("capture_at"),
                rs.getObject("capture_expires_at", OffsetDateTime.class),
                fromJson(rs.getString("next_action"), new TypeReference<NextAction>() { }),
                fromJson(rs.getString("provider_ref"), new TypeReference<Map<String, String>>() { }),
                rs.getString("provider_status"),
                error,
                rs.getString("csrf_token"),
                rs.getString("request_hash"),
                rs.getString("order_json"),
                rs.getObject("created_at", OffsetDateTime.class),
                rs.getObject("updated_at", OffsetDateTime.class));
    }

    private static void setError(PreparedStatement ps, int afterIndex, PaymentError e) throws SQLException {
        ps.setString(afterIndex + 1, e == null ? null : e.code());
        ps.setString(afterIndex + 2, e == null ? null : e.message());
        ps.setString(afterIndex + 3, e == null ? null : e.providerCode());
        if (e == null) {
            ps.setNull(afterIndex + 4, Types.BOOLEAN);
        } else {
            ps.setBoolean(afterIndex + 4, e.retryable());
        }
    }

    private static void setTime(PreparedStatement ps, int index, OffsetDateTime t) throws SQLException {
        if (t == null) {
            ps.setNull(index, Types.TIMESTAMP_WITH_TIMEZONE);
        } else {
            ps.setObject(index, t);
        }
    }

    private String toJson(Object value) {
        if (value == null) {
            return null;
        }
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private <T> T fromJson(String text, TypeReference<T> type) {
        if (text == null) {
            return null;
        }
        try {
            return json.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
