package io.kessai.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.sandbox.gmo.GmoSandbox;
import io.kessai.sandbox.itojapan.ItoJapanSandbox;
import io.kessai.support.EventSink;
import io.kessai.support.KessaiProcess;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Kessai's benchmarks (issue 16), outside the test suite: {@code bench/run.sh [scenario] [options]}. Each scenario
 * starts Kessai as a child JVM (the standalone {@code KessaiMain}, JVM options as {@code bin/kessai} ships them),
 * loads it from this JVM with an open-loop or closed-loop generator over loopback, and prints a table. Upstreams are
 * the built-in sandboxes, run in this JVM so that their counts (429s, captures per order) are read exactly, with a
 * fixed service time. The machine is shared: every scenario repeats its runs and reports medians, and every figure
 * that is compared with another was measured in the same run.
 *
 * <pre>
 * overhead    POST /payments (GMO card, 20 ms upstream, no concurrency limit) at increasing rates, H2 and PostgreSQL:
 *             end-to-end p50/p99, Kessai's added latency p50/p99 (end-to-end minus its upstream attempts), CPU per payment
 * saturation  GMO with its concurrency limit 5 and 20 ms (bound 250/s): achieved / bound, 429s
 * payjp       PAY.JP with its rate limit (sandbox: 20 requests/s, burst 20): achieved / bound, 429s
 * webhooks    ITO-Japan signed webhooks at increasing rates into PostgreSQL: answer p50/p99, events lost and duplicated at a sink
 * captures    N scheduled captures due at one moment against GMO /order/capture (limit 10, 20 ms: bound 500/s): drain time, double captures, 429s
 * footprint   resident memory idle and under load
 * all         every scenario
 *
 * --runs N (3)  --seconds S (10)  --rates 50,100,200,300  --store h2|postgres|both (both)  --captures N (10000)
 * --webhook-rates 250,500,1000,2000  --jvm "options for Kessai's JVM"
 * </pre>
 */
public final class Benchmarks {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration SERVICE_TIME = Duration.ofMillis(20);
    private static final String SHOP_ID = "tshop00000001";
    private static final String SHOP_PASS = "sandbox-pass";

    private final Map<String, String> args;
    private final Path work = Path.of("target", "bench").toAbsolutePath();
    private final List<String> jvm;
    private final List<String> report = new ArrayList<>();

    private Benchmarks(Map<String, String> args) {
        this.args = args;
        this.jvm = Arrays.stream(args.getOrDefault("--jvm", "").split("\\s+")).filter(s -> !s.isBlank()).toList();
    }

    public static void main(String[] argv) throws Exception {
        Map<String, String> a = new HashMap<>();
        String scenario = argv.length > 0 && !argv[0].startsWith("--") ? argv[0] : "all";
        for (int i = scenario.equals("all") && (argv.length == 0 || argv[0].startsWith("--")) ? 0 : 1; i + 1 < argv.length; i += 2) {
            a.put(argv[i], argv[i + 1]);
        }
        Benchmarks b = new Benchmarks(a);
        b.line("# Kessai benchmarks, " + OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS)
                + ", " + Runtime.getRuntime().availableProcessors() + " cores, Java " + System.getProperty("java.version")
                + ", load average " + loadAverage());
        switch (scenario) {
            case "overhead" -> b.overhead();
            case "saturation" -> b.saturation();
            case "payjp" -> b.payjp();
            case "webhooks" -> b.webhooks();
            case "captures" -> b.captures();
            case "footprint" -> b.footprint();
            case "all" -> {
                b.footprint();
                b.overhead();
                b.saturation();
                b.payjp();
                b.webhooks();
                b.captures();
            }
            default -> throw new IllegalArgumentException("no scenario " + scenario);
        }
        Files.createDirectories(b.work);
        Files.write(b.work.resolve("results-" + scenario + ".md"), b.report, StandardCharsets.UTF_8);
        System.exit(0);
    }

    // ---- scenarios --------------------------------------------------------------------------------------------

    /** Kessai's own added latency and CPU per payment at increasing rates, on H2 and on PostgreSQL. */
    void overhead() throws Exception {
        List<Integer> rates = ints(args.getOrDefault("--rates", "50,100,200,300"));
        int runs = integer("--runs", 3);
        Duration seconds = Duration.ofSeconds(integer("--seconds", 10));
        for (String store : stores()) {
            line("");
            line("## Overhead, " + store + ": GMO card payments, upstream service time " + SERVICE_TIME.toMillis()
                    + " ms, no concurrency limit (medians of " + runs + " runs of " + seconds.toSeconds() + " s per rate)");
            line("");
            line("| rate/s | achieved/s | end-to-end p50 | p99 | Kessai added p50 | added p99 | CPU ms/payment | non-201 | load |");
            line("|---|---|---|---|---|---|---|---|---|");
            TestDatabases.Db db = database(store);
            GmoSandbox gmo = new GmoSandbox(GmoSandbox.Settings.defaults(SHOP_ID, SHOP_PASS)
                    .withLimits(100_000, 100_000).withProcessingTime(SERVICE_TIME)).start();
            Map<String, String> settings = new LinkedHashMap<>(KessaiProcess.gmoSettings(gmo));
            settings.putAll(KessaiProcess.dbSettings(db));
            settings.put("kessai.providers.gmo-pg.in-flight.payment", "100000");
            settings.put("kessai.providers.gmo-pg.in-flight.order", "100000");
            try (EventSink sink = new EventSink(); KessaiProcess kessai = kessai("overhead-" + store, settings, sink)) {
                HttpClient client = OpenLoad.client();
                warmUp(client, kessai);
                for (int rate : rates) {
                    List<Double> achieved = new ArrayList<>(), p50 = new ArrayList<>(), p99 = new ArrayList<>(),
                            a50 = new ArrayList<>(), a99 = new ArrayList<>(), cpu = new ArrayList<>();
                    int errors = 0;
                    for (int run = 0; run < runs; run++) {
                        Map<Integer, String> paymentIds = new ConcurrentHashMap<>();
                        long cpuBefore = cpuMillis(kessai.pid());
                        OpenLoad.Result r = OpenLoad.run(client, rate, seconds, i -> pay(kessai, cardOrder()),
                                (i, answer) -> paymentIds.put(i, text(answer.body(), "paymentId")), Duration.ofSeconds(60));
                        long cpuUsed = cpuMillis(kessai.pid()) - cpuBefore;
                        achieved.add(r.achievedRate());
                        p50.add(r.percentileMicros(50) / 1000.0);
                        p99.add(r.percentileMicros(99) / 1000.0);
                        cpu.add((double) cpuUsed / Math.max(1, r.answered()));
                        errors += r.answered() - r.count(201) + r.failed();
                        long[] added = added(db, r, paymentIds);
                        a50.add(OpenLoad.Percentiles.of(added, 50) / 1000.0);
                        a99.add(OpenLoad.Percentiles.of(added, 99) / 1000.0);
                    }
                    line(String.format("| %d | %.0f | %.1f ms | %.1f ms | %.1f ms | %.1f ms | %.2f | %d | %s |", rate,
                            median(achieved), median(p50), median(p99), median(a50), median(a99), median(cpu), errors,
                            loadAverage()));
                }
                line("");
                line(String.format("Kessai's resident memory after the runs: %d MiB", rssMiB(kessai.pid())));
            } finally {
                gmo.close();
            }
        }
    }

    /** GMO's concurrency limit 5 and 20 ms bound card payments at 250/s: how close Kessai gets, and 429s. */
    void saturation() throws Exception {
        int runs = integer("--runs", 3);
        Duration seconds = Duration.ofSeconds(integer("--seconds", 10));
        double bound = 5 * 1000.0 / SERVICE_TIME.toMillis();
        line("");
        line("## Provider-limit saturation, GMO: concurrency limit 5, service time " + SERVICE_TIME.toMillis()
                + " ms, bound " + (int) bound + " payments/s (H2, 40 clients in a closed loop, " + runs + " runs of "
                + seconds.toSeconds() + " s)");
        line("");
        line("| run | payments/s | fraction of the bound | 429s at the sandbox | non-201 | load |");
        line("|---|---|---|---|---|---|");
        GmoSandbox gmo = new GmoSandbox(GmoSandbox.Settings.defaults(SHOP_ID, SHOP_PASS)
                .withProcessingTime(SERVICE_TIME)).start();
        Map<String, String> settings = new LinkedHashMap<>(KessaiProcess.gmoSettings(gmo));
        settings.putAll(KessaiProcess.dbSettings(database("h2")));
        try (EventSink sink = new EventSink(); KessaiProcess kessai = kessai("saturation", settings, sink)) {
            HttpClient client = OpenLoad.client();
            warmUp(client, kessai);
            List<Double> fractions = new ArrayList<>();
            for (int run = 1; run <= runs; run++) {
                int before = gmo.tooManyRequestsAnswered();
                ClosedLoad.Result r = ClosedLoad.run(client, 40, seconds, () -> pay(kessai, cardOrder()));
                int tooMany = gmo.tooManyRequestsAnswered() - before;
                double rate = r.count(201) / r.seconds();
                fractions.add(rate / bound);
                line(String.format("| %d | %.1f | %.3f | %d | %d | %s |", run, rate, rate / bound, tooMany,
                        r.answered() - r.count(201), loadAverage()));
            }
            line(String.format("%nMedian fraction of the bound: %.3f (target ≥ 0.95, zero 429s)", median(fractions)));
        } finally {
            gmo.close();
        }
    }

    /** PAY.JP's rate limit (the built-in sandbox's 20 requests/s, burst 20): achieved rate and 429s. */
    void payjp() throws Exception {
        int runs = integer("--runs", 3);
        Duration seconds = Duration.ofSeconds(integer("--seconds", 10));
        double bound = 20;
        line("");
        line("## Provider-limit saturation, PAY.JP: the sandbox's rate limit " + (int) bound
                + " requests/s (burst 20), one request per payment (H2, 10 clients in a closed loop, " + runs
                + " runs of " + seconds.toSeconds() + " s)");
        line("");
        line("| run | payments/s | fraction of the bound | 429s seen by Kessai | non-201 | load |");
        line("|---|---|---|---|---|---|");
        TestDatabases.Db db = database("postgres");
        Map<String, String> settings = new LinkedHashMap<>(KessaiProcess.dbSettings(db));
        settings.put("kessai.providers.enabled", "payjp");
        settings.put("kessai.sandbox.payjp.rate-per-second", "20");
        settings.put("kessai.sandbox.payjp.rate-burst", "20");
        try (EventSink sink = new EventSink(); KessaiProcess kessai = kessai("payjp", settings, sink)) {
            HttpClient client = OpenLoad.client();
            List<Double> fractions = new ArrayList<>();
            for (int run = 1; run <= runs; run++) {
                int before = count(db, "SELECT COUNT(*) FROM upstream_attempts WHERE http_status = 429");
                ClosedLoad.Result r = ClosedLoad.run(client, 10, seconds,
                        () -> pay(kessai, Orders.payjpCard("tok_visa").toString()));
                int tooMany = count(db, "SELECT COUNT(*) FROM upstream_attempts WHERE http_status = 429") - before;
                double rate = r.count(201) / r.seconds();
                fractions.add(rate / bound);
                line(String.format("| %d | %.1f | %.3f | %d | %d %s | %s |", run, rate, rate / bound, tooMany,
                        r.answered() - r.count(201), r.statuses(), loadAverage()));
            }
            line(String.format("%nMedian fraction of the bound: %.3f (target ≥ 0.95, zero 429s)", median(fractions)));
        }
    }

    /**
     * Verified ITO-Japan webhooks (HMAC over timestamp and body) at increasing rates into PostgreSQL: each confirms a
     * paid hosted checkout (check-validity at the sandbox), and each must reach the sink exactly once.
     */
    void webhooks() throws Exception {
        List<Integer> rates = ints(args.getOrDefault("--webhook-rates", "250,500,1000,2000"));
        Duration seconds = Duration.ofSeconds(integer("--seconds", 10));
        line("");
        line("## Webhook intake: ITO-Japan signed webhooks into PostgreSQL, " + seconds.toSeconds() + " s per rate");
        line("");
        line("| rate/s | answered/s | answer p50 | p99 | non-2xx | captured events at the sink | lost | duplicated | load |");
        line("|---|---|---|---|---|---|---|---|---|");
        TestDatabases.Db db = database("postgres");
        String accessKey = "bench-access-key";
        String secret = "bench-secret-key-0123456789";
        ItoJapanSandbox ito = new ItoJapanSandbox(ItoJapanSandbox.Settings.defaults(accessKey, secret)).start();
        Map<String, String> settings = new LinkedHashMap<>(KessaiProcess.dbSettings(db));
        settings.put("kessai.sandbox.enabled", "false");
        settings.put("kessai.providers.enabled", "ito-japan");
        settings.put("kessai.providers.ito-japan.base-url", ito.baseUrl());
        settings.put("kessai.providers.ito-japan.access-key", accessKey);
        settings.put("kessai.providers.ito-japan.secret-key", secret);
        try (EventSink sink = new EventSink(); KessaiProcess kessai = kessai("webhooks", settings, sink)) {
            HttpClient client = OpenLoad.client();
            for (int rate : rates) {
                int n = (int) (rate * seconds.toSeconds());
                List<String> paymentIds = hostedCheckouts(client, kessai, n);
                List<ItoJapanSandbox.SignedWebhook> webhooks = new ArrayList<>(n);
                for (String paymentId : paymentIds) {
                    String providerPayment = providerPaymentId(client, kessai, paymentId);
                    ito.payWithoutWebhook(providerPayment);
                    webhooks.add(ito.signedWebhook(providerPayment));
                }
                OpenLoad.Result r = OpenLoad.run(client, rate, seconds, i -> HttpRequest.newBuilder(
                                URI.create(kessai.baseUrl() + "/webhooks/ito-japan"))
                        .header("Content-Type", "application/json")
                        .header("X-Timestamp", webhooks.get(i).timestamp())
                        .header("X-Signature", webhooks.get(i).signature())
                        .POST(HttpRequest.BodyPublishers.ofString(webhooks.get(i).body())).build(), null,
                        Duration.ofSeconds(60));
                java.util.Set<String> wanted = new java.util.HashSet<>(paymentIds);
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                Map<String, Long> captured;
                do {
                    captured = sink.received().stream()
                            .filter(e -> "payment.captured".equals(e.path("type").asText()))
                            .map(e -> e.path("paymentId").asText()).filter(wanted::contains)
                            .collect(Collectors.groupingBy(p -> p, Collectors.counting()));
                    if (captured.size() == wanted.size()) {
                        break;
                    }
                    TimeUnit.MILLISECONDS.sleep(200);
                } while (System.nanoTime() < deadline);
                long duplicated = captured.values().stream().filter(c -> c > 1).count();
                int twoHundreds = r.statuses().entrySet().stream().filter(e -> e.getKey() / 100 == 2)
                        .mapToInt(Map.Entry::getValue).sum();
                line(String.format("| %d | %.0f | %.1f ms | %.1f ms | %d | %d | %d | %d | %s |", rate, r.achievedRate(),
                        r.percentileMicros(50) / 1000.0, r.percentileMicros(99) / 1000.0,
                        r.answered() - twoHundreds + r.failed(), captured.size(), wanted.size() - captured.size(),
                        duplicated, loadAverage()));
            }
        } finally {
            ito.close();
        }
    }

    /** N scheduled captures due at one moment against GMO's /order/capture limit 10 and 20 ms (bound 500/s). */
    void captures() throws Exception {
        int n = integer("--captures", 10_000);
        double bound = 10 * 1000.0 / SERVICE_TIME.toMillis();
        line("");
        line("## Capture burst: " + n + " scheduled captures due at one moment, GMO /order/capture limit 10, "
                + SERVICE_TIME.toMillis() + " ms (bound " + (int) bound + "/s), PostgreSQL");
        line("");
        TestDatabases.Db db = database("postgres");
        GmoSandbox gmo = new GmoSandbox(GmoSandbox.Settings.defaults(SHOP_ID, SHOP_PASS)
                .withProcessingTime(SERVICE_TIME)).start();
        Map<String, String> settings = new LinkedHashMap<>(KessaiProcess.gmoSettings(gmo));
        settings.putAll(KessaiProcess.dbSettings(db));
        settings.put("kessai.captures.interval-ms", "1000");
        try (EventSink sink = new EventSink(); KessaiProcess kessai = kessai("captures", settings, sink)) {
            HttpClient client = OpenLoad.client();
            // Authorize n payments well before the moment, all with the same capture.at.
            OffsetDateTime at = OffsetDateTime.now(ZoneOffset.ofHours(9)).plusSeconds(60 + n / 150)
                    .truncatedTo(ChronoUnit.SECONDS);
            long authStart = System.nanoTime();
            ClosedLoad.Result auth = ClosedLoad.run(client, 20, n, () -> {
                ObjectNode order = (ObjectNode) JSON.readTree(cardOrder());
                order.putObject("capture").put("mode", "scheduled")
                        .put("at", at.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
                return pay(kessai, order.toString());
            });
            line(String.format("Authorized %d payments in %.1f s (answers %s); all due at %s.", auth.count(201),
                    (System.nanoTime() - authStart) / 1e9, auth.statuses(), at));
            int due = count(db, "SELECT COUNT(*) FROM payments WHERE status = 'authorized'");
            int before429 = gmo.tooManyRequestsAnswered();
            while (OffsetDateTime.now().isBefore(at)) {
                TimeUnit.MILLISECONDS.sleep(50);
            }
            long start = System.nanoTime();
            long deadline = start + Duration.ofMinutes(30).toNanos();
            int left = due;
            while (left > 0 && System.nanoTime() < deadline) {
                TimeUnit.MILLISECONDS.sleep(250);
                left = count(db, "SELECT COUNT(*) FROM payments WHERE status = 'authorized'");
            }
            double drain = (System.nanoTime() - start) / 1e9;
            Map<String, Long> capturesPerOrder = gmo.requests().stream()
                    .filter(r -> r.path().endsWith("/order/capture") && r.status() == 200 && r.orderId() != null)
                    .collect(Collectors.groupingBy(GmoSandbox.RecordedRequest::orderId, Collectors.counting()));
            long doubles = capturesPerOrder.values().stream().filter(c -> c > 1).count();
            line("");
            line("| captures due | drained in | rate | bound | fraction | still authorized | double captures | 429s | load |");
            line("|---|---|---|---|---|---|---|---|---|");
            line(String.format("| %d | %.1f s | %.0f/s | %.0f/s | %.3f | %d | %d | %d | %s |", due, drain,
                    (due - left) / drain, bound, (due - left) / drain / bound, left, doubles,
                    gmo.tooManyRequestsAnswered() - before429, loadAverage()));
        } finally {
            gmo.close();
        }
    }

    /** Resident memory of an idle Kessai (all sandboxes, H2) and of one under load. */
    void footprint() throws Exception {
        line("");
        line("## Footprint: resident memory (VmRSS) of the standalone Kessai, JVM options: "
                + (jvm.isEmpty() ? "none" : String.join(" ", jvm)));
        line("");
        line("| state | resident memory |");
        line("|---|---|");
        try (EventSink sink = new EventSink(); KessaiProcess kessai = kessai("footprint", Map.of(), sink)) {
            HttpClient client = OpenLoad.client();
            waitQuiet(Duration.ofSeconds(10));
            line("| idle, 10 s after ready | " + rssMiB(kessai.pid()) + " MiB |");
            OpenLoad.run(client, 100, Duration.ofSeconds(20), i -> pay(kessai, cardOrder()), null, Duration.ofSeconds(60));
            line("| after 20 s of 100 GMO card payments/s (built-in sandbox, limit 5) | " + rssMiB(kessai.pid()) + " MiB |");
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private KessaiProcess kessai(String name, Map<String, String> settings, EventSink sink) {
        Map<String, String> all = new LinkedHashMap<>(settings);
        all.put("kessai.events.uri", sink.uri());
        return new KessaiProcess("bench-" + name, work.resolve(name + "-" + System.nanoTime()), all, jvm).start();
    }

    private List<String> stores() {
        String s = args.getOrDefault("--store", "both");
        return s.equals("both") ? List.of("h2", "postgres") : List.of(s);
    }

    private TestDatabases.Db database(String store) {
        if (store.equals("postgres")) {
            return TestDatabases.postgres();
        }
        Path dir = work.resolve("h2-" + System.nanoTime());
        return new TestDatabases.Db("jdbc:h2:file:" + dir.resolve("kessai") + ";WRITE_DELAY=0;AUTO_SERVER=TRUE", "sa", "");
    }

    private static void warmUp(HttpClient client, KessaiProcess kessai) {
        OpenLoad.run(client, 100, Duration.ofSeconds(10), i -> pay(kessai, cardOrder()), null, Duration.ofSeconds(60));
    }

    private static String cardOrder() {
        return Orders.gmoCard("tok_visa").toString();
    }

    private static HttpRequest pay(KessaiProcess kessai, String order) {
        return HttpRequest.newBuilder(URI.create(kessai.baseUrl() + "/payments"))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(order)).build();
    }

    /** Each answered payment's end-to-end time less the time its upstream attempts took (as Kessai recorded them). */
    private static long[] added(TestDatabases.Db db, OpenLoad.Result r, Map<Integer, String> paymentIds) throws SQLException {
        Map<String, Long> upstreamMillis = new HashMap<>();
        try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
             PreparedStatement s = c.prepareStatement(
                     "SELECT payment_id, SUM(latency_ms) FROM upstream_attempts GROUP BY payment_id");
             ResultSet rs = s.executeQuery()) {
            while (rs.next()) {
                upstreamMillis.put(rs.getString(1), rs.getLong(2));
            }
        }
        return r.byIndex().entrySet().stream().filter(e -> paymentIds.containsKey(e.getKey()))
                .mapToLong(e -> e.getValue() - upstreamMillis.getOrDefault(paymentIds.get(e.getKey()), 0L) * 1000)
                .toArray();
    }

    private static List<String> hostedCheckouts(HttpClient client, KessaiProcess kessai, int n) throws Exception {
        List<String> ids = java.util.Collections.synchronizedList(new ArrayList<>());
        ClosedLoad.Result r = ClosedLoad.run(client, 16, n, () -> {
            ObjectNode order = JSON.createObjectNode().put("orderId", Orders.newOrderId()).put("amount", "1000")
                    .put("currency", "JPY").put("description", "bench");
            order.putObject("method").put("type", "hosted_checkout");
            order.putObject("customer").put("name", "Taro Yamada").put("email", "taro@example.jp");
            order.putObject("returnUrls").put("success", "https://shop.example/ok").put("cancel", "https://shop.example/cancel");
            return pay(kessai, order.toString());
        }, answer -> ids.add(text(answer.body(), "paymentId")));
        if (ids.size() != n) {
            throw new IllegalStateException("hosted checkouts: " + r.statuses());
        }
        return ids;
    }

    private static String providerPaymentId(HttpClient client, KessaiProcess kessai, String paymentId) throws Exception {
        HttpResponse<String> answer = client.send(HttpRequest.newBuilder(
                URI.create(kessai.baseUrl() + "/payments/" + paymentId)).GET().build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(answer.body()).path("providerRef").path("id").asText();
    }

    private static int count(TestDatabases.Db db, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
             ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static String text(String json, String field) {
        try {
            JsonNode node = JSON.readTree(json);
            return node.path(field).asText(null);
        } catch (IOException e) {
            return null;
        }
    }

    static long cpuMillis(long pid) throws IOException {
        String[] f = Files.readString(Path.of("/proc", String.valueOf(pid), "stat")).split("\\)\\s+", 2)[1].split("\\s+");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        return ticks * 1000 / 100;
    }

    static long rssMiB(long pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("\\D", "")) / 1024;
            }
        }
        return -1;
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    private static void waitQuiet(Duration d) throws InterruptedException {
        TimeUnit.MILLISECONDS.sleep(d.toMillis());
    }

    private static double median(List<Double> values) {
        return OpenLoad.Percentiles.median(values);
    }

    private int integer(String key, int fallback) {
        return Integer.parseInt(args.getOrDefault(key, String.valueOf(fallback)));
    }

    private static List<Integer> ints(String csv) {
        return Arrays.stream(csv.split(",")).map(String::trim).map(Integer::parseInt).toList();
    }

    private void line(String s) {
        System.out.println(s);
        report.add(s);
    }
}
