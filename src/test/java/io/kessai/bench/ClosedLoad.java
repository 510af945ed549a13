package io.kessai.bench;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A closed-loop load generator: {@code workers} clients, each sending its next request as soon as its last one was
 * answered, for a time or until {@code n} requests were sent. It finds the highest rate a bounded system sustains
 * (a provider's concurrency or rate limit). Benchmarks only; never a test.
 */
final class ClosedLoad {
    private ClosedLoad() {
    }

    record Result(int answered, Map<Integer, Integer> statuses, double seconds, int failed) {
        int count(int status) {
            return statuses.getOrDefault(status, 0);
        }
    }

    static Result run(HttpClient client, int workers, Duration duration, Callable<HttpRequest> request) {
        return run(client, workers, duration, Integer.MAX_VALUE, request, null);
    }

    static Result run(HttpClient client, int workers, int n, Callable<HttpRequest> request) {
        return run(client, workers, Duration.ofHours(1), n, request, null);
    }

    static Result run(HttpClient client, int workers, int n, Callable<HttpRequest> request,
                      Consumer<HttpResponse<String>> onAnswer) {
        return run(client, workers, Duration.ofHours(1), n, request, onAnswer);
    }

    private static Result run(HttpClient client, int workers, Duration duration, int n, Callable<HttpRequest> request,
                              Consumer<HttpResponse<String>> onAnswer) {
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        AtomicInteger answered = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger tickets = new AtomicInteger();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(workers);
        for (int w = 0; w < workers; w++) {
            pool.execute(() -> {
                while (System.nanoTime() < end && tickets.getAndIncrement() < n) {
                    try {
                        HttpResponse<String> answer = client.send(request.call(), HttpResponse.BodyHandlers.ofString());
                        statuses.computeIfAbsent(answer.statusCode(), s -> new AtomicInteger()).incrementAndGet();
                        answered.incrementAndGet();
                        if (onAnswer != null) {
                            onAnswer.accept(answer);
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    } catch (Exception e) {
                        failed.incrementAndGet();
                    }
                }
            });
        }
        pool.shutdown();
        try {
            pool.awaitTermination(2, TimeUnit.HOURS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Map<Integer, Integer> counts = new TreeMap<>();
        statuses.forEach((s, c) -> counts.put(s, c.get()));
        return new Result(answered.get(), counts, (System.nanoTime() - start) / 1e9, failed.get());
    }
}
