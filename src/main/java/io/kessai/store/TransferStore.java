package io.kessai.store;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kessai.events.EventFactory;
import io.kessai.provider.TransferEvents;

import java.io.IOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * The transfers provider modules found by polling ({@code provider_transfers}) and their cursors
 * ({@code provider_cursors}): {@link #forProvider} is the {@link TransferEvents} a module gets.
 */
public final class TransferStore {
    private final Database db;
    private final EventFactory events;
    private final ObjectMapper json;
    private final Clock clock;

    public TransferStore(Database db, EventFactory events, ObjectMapper json, Clock clock) {
        this.db = db;
        this.events = events;
        this.json = json;
        this.clock = clock;
    }

    public TransferEvents forProvider(String provider) {
        return new TransferEvents() {
            @Override
            public boolean record(Transfer transfer) {
                return TransferStore.this.record(provider, transfer);
            }

            @Override
            public Optional<String> status(String transferId) {
                return TransferStore.this.status(provider, transferId);
            }

            @Override
            public Optional<String> parent(String transferId) {
                return TransferStore.this.parent(provider, transferId);
            }

            @Override
            public Optional<String> cursor(String name) {
                return TransferStore.this.cursor(provider, name);
            }

            @Override
            public void saveCursor(String name, String value) {
                TransferStore.this.saveCursor(provider, name, value);
            }
        };
    }

    private OffsetDateTime now() {
        return OffsetDateTime.now(clock).truncatedTo(ChronoUnit.MILLIS);
    }

    /** The row is locked while it is compared, and the event is written in the transaction that stores the status. */
    boolean record(String provider, TransferEvents.Transfer t) {
        String body;
        try {
            body = json.writeValueAsString(t.data());
        } catch (IOException e) {
            throw new IllegalArgumentException("a transfer's data that is not JSON", e);
        }
        OffsetDateTime created = t.created() == null ? null : t.created().atOffset(ZoneOffset.UTC);
        return db.inTransaction(c -> {
            String stored = null;
            boolean exists = false;
            try (PreparedStatement ps = c.prepareStatement("SELECT status FROM provider_transfers"
                    + " WHERE provider = ? AND transfer_id = ? FOR UPDATE")) {
                ps.setString(1, provider);
                ps.setString(2, t.id());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        exists = true;
                        stored = rs.getString(1);
                    }
                }
            }
            if (exists && t.status().equals(stored)) {
                return false;
            }
            OffsetDateTime now = now();
            if (exists) {
                try (PreparedStatement ps = c.prepareStatement("UPDATE provider_transfers SET status = ?, body = ?,"
                        + " parent_id = ?, created_at = ?, updated_at = ? WHERE provider = ? AND transfer_id = ?")) {
                    ps.setString(1, t.status());
                    ps.setString(2, body);
                    ps.setString(3, t.parentId());
                    ps.setObject(4, created);
                    ps.setObject(5, now);
                    ps.setString(6, provider);
                    ps.setString(7, t.id());
                    ps.executeUpdate();
                }
            } else {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO provider_transfers (provider, transfer_id,"
                        + " parent_id, status, created_at, body, first_seen_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                    ps.setString(1, provider);
                    ps.setString(2, t.id());
                    ps.setString(3, t.parentId());
                    ps.setString(4, t.status());
                    ps.setObject(5, created);
                    ps.setString(6, body);
                    ps.setObject(7, now);
                    ps.setObject(8, now);
                    ps.executeUpdate();
                }
            }
            OutboxStore.insert(c, events.transferChanged(provider, t, now), now);
            return true;
        });
    }

    Optional<String> status(String provider, String transferId) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT status FROM provider_transfers"
                    + " WHERE provider = ? AND transfer_id = ?")) {
                ps.setString(1, provider);
                ps.setString(2, transferId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.<String>empty();
                }
            }
        });
    }

    Optional<String> parent(String provider, String transferId) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT parent_id FROM provider_transfers"
                    + " WHERE provider = ? AND transfer_id = ?")) {
                ps.setString(1, provider);
                ps.setString(2, transferId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.<String>empty();
                }
            }
        });
    }

    Optional<String> cursor(String provider, String name) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT cursor_value FROM provider_cursors"
                    + " WHERE provider = ? AND name = ?")) {
                ps.setString(1, provider);
                ps.setString(2, name);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(rs.getString(1)) : Optional.<String>empty();
                }
            }
        });
    }

    void saveCursor(String provider, String name, String value) {
        db.inTransaction(c -> {
            OffsetDateTime now = now();
            try (PreparedStatement ps = c.prepareStatement("UPDATE provider_cursors SET cursor_value = ?, updated_at = ?"
                    + " WHERE provider = ? AND name = ?")) {
                ps.setString(1, value);
                ps.setObject(2, now);
                ps.setString(3, provider);
                ps.setString(4, name);
                if (ps.executeUpdate() > 0) {
                    return null;
                }
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO provider_cursors (provider, name, cursor_value,"
                    + " updated_at) VALUES (?, ?, ?, ?)")) {
                ps.setString(1, provider);
                ps.setString(2, name);
                ps.setString(3, value);
                ps.setObject(4, now);
                ps.executeUpdate();
            }
            return null;
        });
    }
}
