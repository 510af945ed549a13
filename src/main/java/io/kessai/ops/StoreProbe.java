package io.kessai.ops;

import io.kessai.store.BacklogStore;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Whether the store answers, asked with a bounded wait: the pool waits up to its connection timeout for a connection
 * to a store that is down, and a health probe or a scrape must not wait that long. One ping runs at a time, on its
 * own thread; a caller waits at most {@link #WAIT} for it (a ping still running is waited on, not started again).
 */
public final class StoreProbe implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(2);

    private final BacklogStore store;
    private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "kessai-store-probe");
        t.setDaemon(true);
        return t;
    });
    private CompletableFuture<Void> running;

    public StoreProbe(BacklogStore store) {
        this.store = store;
    }

    /** Why the store cannot be used now, or empty when it answered a validity check. */
    public Optional<String> failure() {
        CompletableFuture<Void> ping;
        synchronized (this) {
            if (running == null || running.isDone()) {
                running = CompletableFuture.runAsync(() -> store.ping(WAIT), executor);
            }
            ping = running;
        }
        try {
            ping.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            return Optional.empty();
        } catch (TimeoutException e) {
            return Optional.of("the store gave no connection within " + WAIT.toMillis() + " ms");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return Optional.of("the store cannot be reached: " + KessaiHealthChecks.redact(cause.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while asking the store");
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
