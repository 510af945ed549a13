package io.kessai.sandbox;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Sends a sandbox's notifications (webhooks): each one is POSTed from a background daemon thread; an attempt the
 * provider's rule does not accept (or one without an answer) is retried after a fixed interval, a bounded number of
 * times; every attempt is recorded, in order. {@link #reset()} forgets the records and drops every scheduled or
 * running attempt.
 *
 * @param <R> what the sandbox records of an attempt
 */
public final class NotificationSender<R> implements AutoCloseable {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

    /**
     * One attempt to deliver a notification.
     *
     * @param number 1 for the first attempt, 2.. for the retries
     * @param status the HTTP status answered, 0 = no answer (refused, timed out, unusable URL)
     * @param answer the answer's body, null without an answer
     */
    public record Attempt(int number, int status, String answer) {}

    private record Notification<R>(String url, String body, String contentType, Map<String, String> headers,
                                   Duration retryInterval, int retries, String subject, Predicate<Attempt> accepted,
                                   Function<Attempt, R> record) {}

    private final System.Logger log;
    private final String threadName;
    private final String what;

    // `attempts` is also the lock for recording; a task of an older epoch (before reset/close) is dropped
    private final List<R> attempts = new ArrayList<>();
    private final Set<Future<?>> pending = ConcurrentHashMap.newKeySet();
    private final AtomicLong epoch = new AtomicLong();
    private ScheduledThreadPoolExecutor executor;   // guarded by this; created on first use
    private HttpClient client;                      // guarded by this

    /**
     * @param log        the sandbox's logger
     * @param threadName the prefix of the sending threads' names
     * @param what       names the notifications in log lines, e.g. {@code "GMO-PG sandbox: webhook"}
     */
    public NotificationSender(System.Logger log, String threadName, String what) {
        this.log = Objects.requireNonNull(log, "log");
        this.threadName = Objects.requireNonNull(threadName, "threadName");
        this.what = Objects.requireNonNull(what, "what");
    }

    /**
     * Schedules the first attempt at once; this method never waits for it.
     *
     * @param url           where the notification is POSTed
     * @param body          the body (UTF-8)
     * @param contentType   its Content-Type
     * @param retryInterval the pause before each retry
     * @param retries       how many times a failed notification is re-sent (attempts = 1 + retries)
     * @param subject       names the notification in log lines (never a secret), e.g. {@code "orderId 42"}
     * @param accepted      whether an attempt delivered the notification (no retry then)
     * @param record        what is recorded of an attempt
     */
    public void send(String url, String body, String contentType, Duration retryInterval, int retries, String subject,
                     Predicate<Attempt> accepted, Function<Attempt, R> record) {
        send(url, body, contentType, Map.of(), retryInterval, retries, subject, accepted, record);
    }

    /**
     * {@link #send(String, String, String, Duration, int, String, Predicate, Function)} with more request headers
     * (e.g. a provider's webhook token), sent with every attempt.
     */
    public void send(String url, String body, String contentType, Map<String, String> headers, Duration retryInterval,
                     int retries, String subject, Predicate<Attempt> accepted, Function<Attempt, R> record) {
        schedule(new Notification<>(url, body, contentType, Map.copyOf(headers), retryInterval, retries, subject,
                accepted, record), 1, epoch.get(), Duration.ZERO);
    }

    /** Every attempt since the last {@link #reset()}, in order. */
    public List<R> attempts() {
        synchronized (attempts) {
            return List.copyOf(attempts);
        }
    }

    /** Forgets the attempts and drops every scheduled or running attempt. */
    public synchronized void reset() {
        synchronized (attempts) {
            epoch.incrementAndGet();
            attempts.clear();
        }
        for (Future<?> f : pending) {
            f.cancel(true);
        }
        pending.clear();
    }

    /** {@link #reset()}, then stops the threads; a later {@link #send} starts new ones. */
    @Override
    public synchronized void close() {
        reset();
        if (executor != null) {
            executor.shutdownNow();
            executor = null;
            client = null;
        }
    }

    private synchronized void schedule(Notification<R> n, int attempt, long ofEpoch, Duration delay) {
        if (epoch.get() != ofEpoch) {
            return;   // reset() or close() happened meanwhile
        }
        if (executor == null) {
            AtomicInteger threadNo = new AtomicInteger();
            ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(2, r -> {
                Thread t = new Thread(r, threadName + "-" + threadNo.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            pool.setRemoveOnCancelPolicy(true);
            executor = pool;
            client = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(CONNECT_TIMEOUT)
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .build();
        }
        HttpClient c = client;
        pending.removeIf(Future::isDone);
        pending.add(executor.schedule(() -> deliver(c, n, attempt, ofEpoch), delay.toNanos(), TimeUnit.NANOSECONDS));
    }

    private void deliver(HttpClient c, Notification<R> n, int attempt, long ofEpoch) {
        if (epoch.get() != ofEpoch) {
            return;
        }
        int status = 0;
        String answer = null;
        try {
            HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(n.url()))
                    .timeout(REQUEST_TIMEOUT)
                    .header("Content-Type", n.contentType());
            n.headers().forEach(builder::header);
            HttpRequest request = builder
                    .POST(HttpRequest.BodyPublishers.ofString(n.body(), StandardCharsets.UTF_8))
                    .build();
            HttpResponse<String> response = c.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            status = response.statusCode();
            answer = response.body();
        } catch (IOException | IllegalArgumentException e) {
            // no answer (refused, timed out, unusable URL): a failed attempt
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();   // reset() or close() stopped the delivery
            return;
        }
        Attempt a = new Attempt(attempt, status, answer);
        synchronized (attempts) {
            if (epoch.get() != ofEpoch) {
                return;
            }
            attempts.add(n.record().apply(a));
        }
        if (n.accepted().test(a)) {
            return;
        }
        if (attempt > n.retries()) {
            log.log(System.Logger.Level.WARNING, "{0} for {1} failed {2} times, giving up", what, n.subject(), attempt);
            return;
        }
        log.log(System.Logger.Level.DEBUG, "{0} attempt {1} for {2}: HTTP {3}", what, attempt, n.subject(), status);
        schedule(n, attempt + 1, ofEpoch, n.retryInterval());
    }
}
