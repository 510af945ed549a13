package io.kessai.support;

import io.kessai.runtime.KessaiMain;
import io.kessai.sandbox.gmo.GmoSandbox;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A whole Kessai ({@link KessaiMain}, as {@code java -jar target/kessai.jar} runs it) in a child JVM, for tests
 * that kill it with SIGKILL and start it again on the same store while the provider sandbox and the event sink
 * live on in the test JVM, as a real provider and a real consumer would.
 *
 * <p>The child runs on the classpath of the running JVM (under Maven: target/test-classes, target/classes and
 * the test classpath), in its own working directory (where the default H2 store {@code ./data} lives), with its
 * settings as {@code -D} system properties, on a port that stays the same across restarts. Its output goes to
 * {@code target/kessai-process/<name>-<start>.log}. {@link #start()} returns once the HTTP API answers
 * ({@code GET /payments/nope} is 404).
 */
public final class KessaiProcess implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(3);
    private static final Path LOG_DIR = Path.of("target", "kessai-process");

    private final String name;
    private final Path workDir;
    private final int port;
    private final Map<String, String> settings;
    private final List<String> jvmOptions;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process process;
    private Path log;
    private int starts;
    private Duration lastStartTime = Duration.ZERO;

    /**
     * @param name     names the log files
     * @param workDir  the child's working directory (created if needed)
     * @param settings Kessai configuration keys (and any other system property) for the child
     */
    public KessaiProcess(String name, Path workDir, Map<String, String> settings) {
        this(name, workDir, settings, List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
    }

    public KessaiProcess(String name, Path workDir, Map<String, String> settings, List<String> jvmOptions) {
        this.name = name;
        this.workDir = workDir;
        this.port = freePort();
        this.jvmOptions = List.copyOf(jvmOptions);
        Map<String, String> all = new LinkedHashMap<>();
        all.put("kessai.http.port", String.valueOf(port));
        all.put("kessai.public-base-url", "http://localhost:" + port);
        all.put("camel.server.host", "127.0.0.1");
        // the management server (Jolokia) on a free port of its own, not 9876 (a Kessai already running there)
        all.put("kessai.management.port", "0");
        all.putAll(settings);
        this.settings = all;
    }

    /** Kessai pointed at a GMO sandbox of the test JVM, built-in sandboxes off (KessaiInstance.startWith's keys). */
    public static Map<String, String> gmoSettings(GmoSandbox sandbox) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("kessai.sandbox.enabled", "false");
        s.put("kessai.providers.enabled", "gmo-pg");
        s.put("kessai.providers.gmo-pg.base-url", sandbox.baseUrl());
        s.put("kessai.providers.gmo-pg.token-url", sandbox.tokenUrl());
        s.put("kessai.providers.gmo-pg.shop-id", sandbox.settings().shopId());
        s.put("kessai.providers.gmo-pg.shop-pass", sandbox.settings().shopPass());
        return s;
    }

    /** The store's keys for a test database (leave them out to run on the default H2 file store in workDir). */
    public static Map<String, String> dbSettings(TestDatabases.Db db) {
        return Map.of("kessai.db.url", db.url(), "kessai.db.user", db.user(), "kessai.db.password", db.password());
    }

    /** The asynchronous half every few tens of milliseconds (relay, inbox, janitor), as KessaiInstance does. */
    public static Map<String, String> fastSchedules() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("kessai.events.relay-period-ms", "50");
        s.put("kessai.events.retry.initial-delay-ms", "50");
        s.put("kessai.events.retry.max-delay-ms", "500");
        s.put("kessai.webhooks.process-period-ms", "50");
        s.put("kessai.webhooks.retry.initial-delay-ms", "50");
        s.put("kessai.webhooks.retry.max-delay-ms", "500");
        s.put("kessai.janitor.interval-ms", "200");
        s.put("kessai.janitor.schedule", "300ms,1s");
        s.put("kessai.captures.interval-ms", "200");
        s.put("kessai.providers.gmo-pg.retry.initial-delay-ms", "20");
        s.put("kessai.providers.gmo-pg.retry.max-delay-ms", "200");
        return s;
    }

    /** Starts the child and waits until its HTTP API answers. */
    public synchronized KessaiProcess start() {
        if (alive()) {
            throw new IllegalStateException(name + " is already running");
        }
        long begin = System.nanoTime();
        try {
            Files.createDirectories(workDir);
            Files.createDirectories(LOG_DIR);
            starts++;
            log = LOG_DIR.resolve(name + "-" + starts + ".log").toAbsolutePath();
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmOptions);
            new TreeMap<>(settings).forEach((k, v) -> command.add("-D" + k + "=" + v));
            command.add("-cp");
            command.add(classpath());
            command.add(KessaiMain.class.getName());
            process = new ProcessBuilder(command).directory(workDir.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
        try {
            org.awaitility.Awaitility.await().atMost(READY_TIMEOUT).pollInterval(Duration.ofMillis(100))
                    .until(() -> ready() || !process.isAlive());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            process.destroyForcibly();
            throw new IllegalStateException(name + " did not answer within " + READY_TIMEOUT + ":\n" + logTail(40));
        }
        if (!process.isAlive()) {
            throw new IllegalStateException(name + " exited with " + process.exitValue() + " while starting:\n"
                    + logTail(40));
        }
        lastStartTime = Duration.ofNanos(System.nanoTime() - begin);
        return this;
    }

    /** This JVM's classpath with every entry absolute (the child runs in another working directory). */
    private static String classpath() {
        return java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .filter(e -> !e.isEmpty()).map(e -> Path.of(e).toAbsolutePath().toString())
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    }

    private boolean ready() {
        try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/payments/nope"))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 404;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** SIGKILL ({@link Process#destroyForcibly()}): no shutdown hook, no flush, no goodbye. Waits until it is gone. */
    public void kill() {
        Process p = process;
        if (p == null) {
            return;
        }
        p.destroyForcibly();
        awaitExit(p, Duration.ofMinutes(1));
    }

    /** SIGTERM: Kessai stops as an operator would stop it (its store closed cleanly); SIGKILL after a minute. */
    public void stop() {
        Process p = process;
        if (p == null || !p.isAlive()) {
            return;
        }
        p.destroy();
        if (!awaitExit(p, Duration.ofMinutes(1))) {
            p.destroyForcibly();
            awaitExit(p, Duration.ofMinutes(1));
        }
    }

    private static boolean awaitExit(Process p, Duration timeout) {
        try {
            return p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public boolean alive() {
        return process != null && process.isAlive();
    }

    public String baseUrl() {
        return "http://localhost:" + port;
    }

    public Path workDir() {
        return workDir;
    }

    /** How long the last {@link #start()} took until the API answered. */
    public Duration lastStartTime() {
        return lastStartTime;
    }

    public int starts() {
        return starts;
    }

    /** The output of the current (or last) child. */
    public Path log() {
        return log;
    }

    public String logTail(int lines) {
        if (log == null || !Files.exists(log)) {
            return "(no log)";
        }
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    @Override
    public void close() {
        kill();
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
