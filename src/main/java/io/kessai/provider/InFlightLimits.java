package io.kessai.provider;

import io.kessai.model.ErrorCode;
import io.kessai.model.KessaiException;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;

/**
 * Keeps Kessai's own number of in-flight calls per provider endpoint group at or under the provider's
 * concurrency limit, so that Kessai never provokes a 429. Calls over the limit wait in line (fairly) for
 * at most {@code queueTimeout}, then fail with {@code provider_unavailable}. A group is the provider id
 * followed by the endpoint path ({@code gmo-pg/credit/charge}); each provider says its limit per path.
 */
public final class InFlightLimits {
    private final Map<String, Semaphore> permits = new ConcurrentHashMap<>();
    private final Map<String, ToIntFunction<String>> limitPerPath;
    private final Duration queueTimeout;
    private volatile java.util.function.Consumer<String> onNewGroup = group -> { };

    /** @param limitPerPath per provider id, its concurrency limit for an endpoint path */
    public InFlightLimits(Map<String, ToIntFunction<String>> limitPerPath, Duration queueTimeout) {
        this.limitPerPath = Map.copyOf(limitPerPath);
        this.queueTimeout = queueTimeout;
    }

    private int limitOf(String group) {
        int slash = group.indexOf('/');
        ToIntFunction<String> limit = slash < 0 ? null : limitPerPath.get(group.substring(0, slash));
        if (limit == null) {
            throw new IllegalStateException("no in-flight limit is configured for " + group);
        }
        return limit.applyAsInt(group.substring(slash));
    }

    public void acquire(String group) {
        acquire(group, queueTimeout);
    }

    /** As {@link #acquire(String)}, waiting at most {@code maxWait} (and never longer than the queue timeout). */
    public void acquire(String group, Duration maxWait) {
        Semaphore semaphore = permits.get(group);
        if (semaphore == null) {
            semaphore = permits.computeIfAbsent(group, g -> new Semaphore(limitOf(g), true));
            onNewGroup.accept(group);
        }
        long wait = Math.min(queueTimeout.toMillis(), maxWait.toMillis());
        try {
            if (!semaphore.tryAcquire(wait, TimeUnit.MILLISECONDS)) {
                throw new KessaiException(ErrorCode.PROVIDER_UNAVAILABLE,
                        "too many calls in flight to " + group + "; none finished within " + wait + " ms; nothing was sent");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KessaiException(ErrorCode.PROVIDER_UNAVAILABLE, "interrupted while waiting to call " + group);
        }
    }

    /** Told the name of every endpoint group the first time a call acquires its permit (the in-flight gauges). */
    public void onNewGroup(java.util.function.Consumer<String> listener) {
        this.onNewGroup = listener;
    }

    /** Calls in flight in an endpoint group now (0 for a group never used). */
    public int inUse(String group) {
        Semaphore semaphore = permits.get(group);
        return semaphore == null ? 0 : Math.max(0, limitOf(group) - semaphore.availablePermits());
    }

    /** The concurrency limit of an endpoint group. */
    public int limit(String group) {
        return limitOf(group);
    }

    public void release(String group) {
        Semaphore semaphore = permits.get(group);
        if (semaphore != null) {
            semaphore.release();
        }
    }
}
