package io.kessai.payment;

import io.kessai.model.ErrorCode;
import io.kessai.model.KessaiException;
import io.kessai.store.KeyLeases;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * One permit per key (an order or a payment), so that two identical requests at once are served one after
 * the other: the second finds the first one's stored result instead of calling the provider again. Permits
 * are not bound to a thread, so the end of an exchange may release them from any thread.
 *
 * <p>Within this JVM a fair semaphore per key queues the requests; across the replicas sharing the database the
 * first in line then takes the key's lease in the database ({@link KeyLeases}), polling while another replica
 * holds it, so that the same key at two replicas at once is served one after the other too.
 */
public final class KeyLocks {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(KeyLocks.class);
    private static final long FIRST_POLL_MS = 5;
    private static final long MAX_POLL_MS = 100;
    private final Map<String, Entry> entries = new HashMap<>();
    private final Duration wait;
    private final KeyLeases leases;

    private static final class Entry {
        final Semaphore semaphore = new Semaphore(1, true);
        int users;
    }

    /** Locks in this JVM only (one Kessai alone on its store). */
    public KeyLocks(Duration wait) {
        this(wait, null);
    }

    /** Locks in this JVM, then leases in the database shared by every replica ({@code leases} null: JVM only). */
    public KeyLocks(Duration wait, KeyLeases leases) {
        this.wait = wait;
        this.leases = leases;
    }

    public void lock(String key) {
        long deadline = System.nanoTime() + wait.toNanos();
        lockHere(key);
        if (leases == null) {
            return;
        }
        boolean leased = false;
        try {
            leased = lease(key, deadline);
        } finally {
            if (!leased) {
                releaseHere(key);
            }
        }
        if (!leased) {
            throw inProgress();
        }
    }

    /** Polls for the database lease until {@code deadline}, a few milliseconds first, then up to 100 ms apart. */
    private boolean lease(String key, long deadline) {
        long pause = FIRST_POLL_MS;
        while (!leases.tryAcquire(key)) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return false;
            }
            try {
                // waiting for another replica to finish: nothing in this JVM can signal it
                TimeUnit.MILLISECONDS.sleep(Math.min(pause, left));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            pause = Math.min(MAX_POLL_MS, pause * 2);
        }
        return true;
    }

    private static KessaiException inProgress() {
        return new KessaiException(ErrorCode.PROVIDER_UNAVAILABLE,
                "an identical request for this payment is still in progress; retry later");
    }

    private void lockHere(String key) {
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
            throw inProgress();
        }
    }

    public void unlock(String key) {
        try {
            if (leases != null) {
                leases.release(key);
            }
        } catch (RuntimeException e) {
            // no longer renewed, the lease expires on its own after kessai.cluster.lease-ms
            LOG.warn("could not release the lease on {} (it expires unrenewed): {}", key, e.getMessage());
        } finally {
            releaseHere(key);
        }
    }

    private void releaseHere(String key) {
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
