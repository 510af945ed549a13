package io.kessai.payment;

import io.kessai.model.ErrorCode;
import io.kessai.model.KessaiException;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * One permit per key (an order or a payment), so that two identical requests at once are served one after
 * the other: the second finds the first one's stored result instead of calling the provider again. Permits
 * are not bound to a thread, so the end of an exchange may release them from any thread.
 */
public final class KeyLocks {
    private final Map<String, Entry> entries = new HashMap<>();
    private final Duration wait;

    private static final class Entry {
        final Semaphore semaphore = new Semaphore(1, true);
        int users;
    }

    public KeyLocks(Duration wait) {
        this.wait = wait;
    }

    public void lock(String key) {
        Entry entry;
        synchronized (entries) {
            entry = entries.computeIfAbsent(key, k -> new Entry());
            entry.users++;
        }
        boolean acquired = false;
        try {
            acquired = entry.semaphore.tryAcquire(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (!acquired) {
                forget(key, entry);
            }
        }
        if (!acquired) {
            throw new KessaiException(ErrorCode.PROVIDER_UNAVAILABLE,
                    "an identical request for this payment is still in progress; retry later");
        }
    }

    public void unlock(String key) {
        Entry entry;
        synchronized (entries) {
            entry = entries.get(key);
        }
        if (entry != null) {
            entry.semaphore.release();
            forget(key, entry);
        }
    }

    private void forget(String key, Entry entry) {
        synchronized (entries) {
            if (--entry.users == 0) {
                entries.remove(key);
            }
        }
    }
}
