package io.kessai.bench;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import java.util.function.IntFunction;

/**
 * An open-loop load generator: sends request {@code i} at {@code start + i / rate}, whatever the answers before it
 * did, and measures each latency from that intended send time (so a stalled server is not hidden by a client that
 * waits for it: no coordinated omission). Benchmarks only; never a test.
 */
final class OpenLoad {
    private OpenLoad() {
    }

    /** What one run at one rate gave. Latencies are in microseconds, of every answered request. */
    record Result(int rate, int sent, int answered, Map<Integer, Integer> statuses, long[] latenciesMicros,
                  Map<Integer, Long> byIndex, double seconds, int failed) {
        double achievedRate() {
            return answered / seconds;
        }

        long percentileMicros(double p) {
            return Percentiles.of(latenciesMicros, p);
        }

        int count(int status) {
            return statuses.getOrDefault(status, 0);
        }
    }

    /**
     * Sends {@code rate * duration} requests at {@code rate} per second; {@code onAnswer} sees each answer (index,
     * answer) on the client's threads. Waits up to {@code drain} for the last answers.
     */
    static Result run(HttpClient client, int rate, Duration duration, IntFunction<HttpRequest> request,
                      BiConsumer<Integer, HttpResponse<String>> onAnswer, Duration drain) {
        int n = (int) Math.max(1, rate * duration.toMillis() / 1000);
        long[] latencies = new long[n];
        Arrays.fill(latencies, -1);
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        AtomicInteger failed = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(n);
        long periodNanos = 1_000_000_000L / rate;
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long intended = start + i * periodNanos;
            long wait;
            while ((wait = intended - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            int index = i;
            HttpRequest r = request.apply(i);
            client.sendAsync(r, HttpResponse.BodyHandlers.ofString()).whenComplete((answer, error) -> {
                try {
                    if (error != null) {
                        failed.incrementAndGet();
                        return;
                    }
                    latencies[index] = (System.nanoTime() - intended) / 1000;
                    statuses.computeIfAbsent(answer.statusCode(), s -> new AtomicInteger()).incrementAndGet();
                    if (onAnswer != null) {
                        onAnswer.accept(index, answer);
                    }
                } finally {
                    done.countDown();
                }
            });
        }
        try {
            done.await(drain.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long[] answered = Arrays.stream(latencies).filter(l -> l >= 0).toArray();
        Map<Integer, Long> byIndex = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            if (latencies[i] >= 0) {
                byIndex.put(i, latencies[i]);
            }
        }
        Map<Integer, Integer> counts = new TreeMap<>();
        statuses.forEach((s, c) -> counts.put(s, c.get()));
        return new Result(rate, n, answered.length, counts, answered, byIndex, seconds, failed.get());
    }

    /** Exact percentiles of a sample (sorted copy). */
    static final class Percentiles {
        private Percentiles() {
        }

        static long of(long[] values, double p) {
            if (values.length == 0) {
                return -1;
            }
            long[] sorted = values.clone();
            Arrays.sort(sorted);
            int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
            return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
        }

        static double median(List<Double> values) {
            List<Double> sorted = new ArrayList<>(values);
            sorted.sort(Double::compare);
            int m = sorted.size() / 2;
            return sorted.size() % 2 == 1 ? sorted.get(m) : (sorted.get(m - 1) + sorted.get(m)) / 2;
        }
    }

    static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .executor(java.util.concurrent.Executors.newFixedThreadPool(4)).build();
    }
}
