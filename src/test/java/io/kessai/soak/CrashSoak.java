package io.kessai.soak;

import io.kessai.sandbox.gmo.GmoSandbox;
import io.kessai.support.CrashStream;
import io.kessai.support.EventSink;
import io.kessai.support.KessaiProcess;
import io.kessai.support.TestDatabases;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The long run of the kill -9 test, outside the test suite (run it with {@code bench/soak.sh}): thousands of card
 * payments through a Kessai child process that is killed with SIGKILL over and over (alternately a few
 * milliseconds after a request left and right after a 201) and, on PostgreSQL, sees its database restarted; then
 * the same counts as the test, printed as a table. Exit status 0 when every count that must be zero is zero.
 *
 * <pre>
 * --store postgres|h2|both   (both)
 * --payments N               payments per store (1500)
 * --workers N                concurrent clients (6)
 * --kill-every N             a SIGKILL every N final answers (250)
 * --pg-url URL --pg-user U   PostgreSQL to use (a fresh schema is made in it)
 * --pg-restart COMMAND       shell command that restarts that PostgreSQL, run once half-way (none: no restart)
 * --work DIR                 working directory of the child (target/soak)
 * </pre>
 */
public final class CrashSoak {
    private CrashSoak() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>(Map.of("--store", "both", "--payments", "1500", "--workers", "6",
                "--kill-every", "250", "--work", "target/soak"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i], args[i + 1]);
        }
        if (a.containsKey("--pg-url")) {
            System.setProperty("kessai.test.pg.url", a.get("--pg-url"));
        }
        if (a.containsKey("--pg-user")) {
            System.setProperty("kessai.test.pg.user", a.get("--pg-user"));
        }
        int payments = Integer.parseInt(a.get("--payments"));
        int workers = Integer.parseInt(a.get("--workers"));
        int killEvery = Integer.parseInt(a.get("--kill-every"));
        Path work = Path.of(a.get("--work")).toAbsolutePath();
        deleteTree(work);

        Map<String, CrashStream.Report> reports = new LinkedHashMap<>();
        String store = a.get("--store");
        if (store.equals("postgres") || store.equals("both")) {
            TestDatabases.Db db = TestDatabases.postgres();
            reports.put("PostgreSQL", run("postgres", work.resolve("postgres"), KessaiProcess.dbSettings(db), db,
                    payments, workers, killEvery, a.get("--pg-restart")));
        }
        if (store.equals("h2") || store.equals("both")) {
            Path dir = work.resolve("h2");
            TestDatabases.Db db = new TestDatabases.Db("jdbc:h2:file:" + dir.resolve("data/kessai"), "sa", "");
            reports.put("H2 (default store)", run("h2", dir, Map.of(), db, payments, workers, killEvery, null));
            try (Stream<Path> files = Files.list(dir.resolve("data"))) {
                files.forEach(f -> System.out.printf("H2 file %s: %.1f MB%n", f.getFileName(), size(f) / 1e6));
            }
        }

        System.out.println();
        System.out.println("Kessai crash soak, " + OffsetDateTime.now());
        System.out.println(machine());
        boolean clean = true;
        for (Map.Entry<String, CrashStream.Report> e : reports.entrySet()) {
            System.out.println();
            System.out.println("### " + e.getKey());
            System.out.println();
            System.out.println("| | |");
            System.out.println("|---|---|");
            System.out.print(e.getValue().table());
            String details = e.getValue().details(10);
            if (!details.isEmpty()) {
                clean = false;
                System.out.println();
                System.out.print(details);
            }
        }
        System.exit(clean ? 0 : 1);
    }

    private static CrashStream.Report run(String name, Path dir, Map<String, String> store, TestDatabases.Db db,
                                          int payments, int workers, int killEvery, String pgRestart) {
        GmoSandbox gmo = new GmoSandbox(GmoSandbox.Settings.defaults("tshop00000001", "sandbox-pass")).start();
        EventSink sink = new EventSink();
        Map<String, String> settings = new LinkedHashMap<>(KessaiProcess.gmoSettings(gmo));
        settings.putAll(KessaiProcess.fastSchedules());
        settings.putAll(store);
        settings.put("kessai.events.uri", sink.uri());
        settings.put("kessai.providers.gmo-pg.response-timeout-ms", "5000");
        settings.put("kessai.janitor.in-flight-grace-ms", "3000");
        settings.put("kessai.scheduler.name", "kessai-soak-" + name);
        List<CrashStream.Disruption> disruptions = new ArrayList<>();
        boolean restartPending = pgRestart != null && !pgRestart.isBlank();
        for (int n = killEvery, i = 0; n < payments - killEvery / 2; n += killEvery, i++) {
            if (restartPending && n >= payments / 2) {
                disruptions.add(new CrashStream.Action(n - killEvery / 2, "PostgreSQL restart (" + pgRestart + ")",
                        () -> shell(pgRestart)));
                restartPending = false;
            }
            disruptions.add(i % 2 == 0 ? new CrashStream.KillInFlight(n) : new CrashStream.KillAfterCreated(n));
        }
        System.out.println("== " + name + ": " + payments + " payments, " + disruptions.size() + " disruptions");
        try (gmo; sink; KessaiProcess kessai = new KessaiProcess("soak-" + name, dir, settings)) {
            kessai.start();
            CrashStream.Report report = new CrashStream(kessai, gmo, sink, db,
                    new CrashStream.Settings(payments, workers, 2, disruptions, Duration.ofMinutes(5), Duration.ofMinutes(5)),
                    line -> System.out.println(name + ": " + line)).run();
            System.out.print(report.table());
            return report;
        }
    }

    private static void shell(String command) {
        try {
            Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            int status = p.waitFor();
            if (status != 0) {
                throw new IllegalStateException(command + " exited with " + status + ": " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String machine() {
        StringBuilder b = new StringBuilder();
        b.append("Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" CPUs (nproc)");
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    b.append(String.format(", %.1f GiB memory", kb / 1024.0 / 1024.0));
                }
            }
            String load = Files.readString(Path.of("/proc/loadavg")).trim();
            b.append(", load average at the end ").append(load, 0, load.indexOf(' ', load.indexOf(' ', load.indexOf(' ') + 1) + 1));
        } catch (IOException | RuntimeException e) {
            b.append(" (no /proc)");
        }
        b.append("; ").append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.version"))
                .append("; java ").append(System.getProperty("java.runtime.version")).append(" (")
                .append(System.getProperty("java.vm.name")).append(", ").append(System.getProperty("java.vendor")).append(')');
        return b.toString();
    }

    private static long size(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            return -1;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted((x, y) -> y.getNameCount() - x.getNameCount()).toList()) {
                Files.delete(p);
            }
        }
    }
}
