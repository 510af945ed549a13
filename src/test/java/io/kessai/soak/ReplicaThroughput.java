package io.kessai.soak;

import io.kessai.sandbox.gmo.GmoSandbox;
import io.kessai.support.CrashStream;
import io.kessai.support.EventSink;
import io.kessai.support.KessaiProcess;
import io.kessai.support.TestDatabases;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The throughput of 1, 2 and 3 Kessai replicas (child JVMs) on one PostgreSQL database, for docs/scaling.md
 * ({@code bench/replicas.sh}, outside the test suite). For each count: the replicas start on a fresh schema, a client
 * with {@code --workers} threads spreads {@code --payments} GMO card payments over them (every third authorized and
 * captured by a second request, every third captured by the schedule 10 s after it was sent, the rest captured at
 * once), and the run reports payments per second until the last answer, and the seconds until every payment was
 * settled and every event delivered, with the crash stream's counts (which must all be zero).
 *
 * <p>Arguments: {@code --payments N} (default 200), {@code --workers N} (default 16), {@code --replicas 1,2,3}.
 */
public final class ReplicaThroughput {
    private ReplicaThroughput() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i], args[i + 1]);
        }
        int payments = Integer.parseInt(a.getOrDefault("--payments", "200"));
        int workers = Integer.parseInt(a.getOrDefault("--workers", "16"));
        List<Integer> counts = java.util.Arrays.stream(a.getOrDefault("--replicas", "1,2,3").split(","))
                .map(String::trim).map(Integer::parseInt).toList();
        Path dir = Files.createTempDirectory("kessai-replicas");
        List<String> rows = new ArrayList<>();
        boolean clean = true;
        for (int n : counts) {
            CrashStream.Report r = run(n, payments, workers, dir.resolve("r" + n));
            boolean ok = r.failureCounts().values().stream().allMatch(c -> c == 0);
            clean &= ok;
            rows.add(String.format("| %d | %d | %d | %.1f | %.1f | %.1f | %s |", n, payments, workers, r.streamSeconds,
                    payments / r.streamSeconds, r.settleSeconds, ok ? "0" : r.failureCounts().toString()));
            System.out.println(r.table() + r.details(10));
        }
        System.out.println("| replicas | payments | client threads | stream s | payments/s | settle s after | failure counts |");
        System.out.println("|---|---|---|---|---|---|---|");
        rows.forEach(System.out::println);
        System.exit(clean ? 0 : 1);
    }

    private static CrashStream.Report run(int replicas, int payments, int workers, Path dir) {
        TestDatabases.Db db = TestDatabases.postgres();
        GmoSandbox gmo = new GmoSandbox(GmoSandbox.Settings.defaults("tshop00000001", "sandbox-pass")).start();
        EventSink sink = new EventSink();
        Map<String, String> settings = new LinkedHashMap<>(KessaiProcess.gmoSettings(gmo));
        settings.putAll(KessaiProcess.fastSchedules());
        settings.putAll(KessaiProcess.dbSettings(db));
        settings.put("kessai.events.uri", sink.uri());
        settings.put("kessai.scheduler.name", "kessai-bench-" + replicas);
        settings.put("kessai.cluster.replicas", String.valueOf(replicas));
        List<KessaiProcess> processes = new ArrayList<>();
        for (int i = 0; i < replicas; i++) {
            processes.add(new KessaiProcess("bench-" + replicas + "-" + i, dir.resolve("r" + i), settings,
                    List.of("-Xmx384m", "-XX:+UseSerialGC")));
        }
        try (gmo; sink) {
            CompletableFuture.allOf(processes.stream().map(p -> CompletableFuture.runAsync(p::start))
                    .toArray(CompletableFuture[]::new)).join();
            // a first small stream warms the JITs up, uncounted
            new CrashStream(processes, gmo, sink, db, new CrashStream.Settings(40, workers, 3, List.of(),
                    Duration.ofMinutes(2), Duration.ofMinutes(2), 3, Duration.ofSeconds(10), 0), line -> { }).runWithoutStopping();
            return new CrashStream(processes, gmo, sink, db, new CrashStream.Settings(payments, workers, 3, List.of(),
                    Duration.ofMinutes(5), Duration.ofMinutes(5), 3, Duration.ofSeconds(10), 0),
                    line -> System.out.println(replicas + " replica(s): " + line)).run();
        } finally {
            processes.forEach(KessaiProcess::kill);
        }
    }
}
