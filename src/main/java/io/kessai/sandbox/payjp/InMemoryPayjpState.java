package io.kessai.sandbox.payjp;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * {@link PayjpState} in memory: one reentrant lock makes {@link #atomically} a transaction (every other method takes
 * it too); rows are copied in and out.
 */
public final class InMemoryPayjpState implements PayjpState {

    private record Stored(Row row, long sequence) {}

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<Kind, Map<String, Stored>> rows = new EnumMap<>(Kind.class);
    private final Map<String, IdempotencyRow> keys = new HashMap<>();
    private long sequence;

    public InMemoryPayjpState() {
        for (Kind k : Kind.values()) {
            rows.put(k, new LinkedHashMap<>());
        }
    }

    @Override
    public <T> T atomically(Supplier<T> work) {
        lock.lock();
        try {
            return work.get();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Optional<Row> find(Kind kind, String id) {
        return atomically(() -> Optional.ofNullable(rows.get(kind).get(id)).map(s -> copy(s.row())));
    }

    @Override
    public void put(Row row) {
        atomically(() -> {
            Map<String, Stored> m = rows.get(row.kind());
            Stored old = m.get(row.id());
            m.put(row.id(), new Stored(copy(row), old != null ? old.sequence() : ++sequence));
        });
    }

    @Override
    public boolean insert(Row row) {
        return atomically(() -> {
            Map<String, Stored> m = rows.get(row.kind());
            if (m.containsKey(row.id())) {
                return false;
            }
            m.put(row.id(), new Stored(copy(row), ++sequence));
            return true;
        });
    }

    @Override
    public void delete(Kind kind, String id) {
        atomically(() -> {
            rows.get(kind).remove(id);
        });
    }

    @Override
    public List<Row> list(Kind kind, Filter filter, int offset, int limit) {
        return atomically(() -> {
            List<Stored> matching = new ArrayList<>();
            for (Stored s : rows.get(kind).values()) {
                if (filter.matches(s.row())) {
                    matching.add(s);
                }
            }
            matching.sort(Comparator.comparingLong((Stored s) -> s.row().created())
                    .thenComparingLong(Stored::sequence).reversed());
            List<Row> out = new ArrayList<>();
            for (int i = offset; i < matching.size() && out.size() < limit; i++) {
                out.add(copy(matching.get(i).row()));
            }
            return out;
        });
    }

    @Override
    public int count(Kind kind, Filter filter) {
        return atomically(() -> (int) rows.get(kind).values().stream().filter(s -> filter.matches(s.row())).count());
    }

    @Override
    public Optional<IdempotencyRow> findKey(String scope, String key) {
        return atomically(() -> Optional.ofNullable(keys.get(scope + "\u0000" + key)));
    }

    @Override
    public boolean insertKey(IdempotencyRow row) {
        return atomically(() -> keys.putIfAbsent(row.scope() + "\u0000" + row.key(), row) == null);
    }

    @Override
    public void putKey(IdempotencyRow row) {
        atomically(() -> {
            keys.put(row.scope() + "\u0000" + row.key(), row);
        });
    }

    @Override
    public void deleteKey(String scope, String key) {
        atomically(() -> {
            keys.remove(scope + "\u0000" + key);
        });
    }

    @Override
    public void clear() {
        atomically(() -> {
            rows.values().forEach(Map::clear);
            keys.clear();
        });
    }

    private static Row copy(Row r) {
        return r.withBody(r.body().deepCopy());
    }
}
