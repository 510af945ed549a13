package io.kessai.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.sandbox.gmo.GmoSandbox;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import static org.awaitility.Awaitility.await;

/**
 * A stream of GMO card payments (authorize then capture, and immediate captures) sent to a {@link KessaiProcess}
 * by a client that retries every request with the same Idempotency-Key on 5xx, 504 and connection errors until
 * it gets a final answer, while Kessai is killed with SIGKILL (and its database restarted) at chosen points and
 * started again on the same store. Then it waits until every payment is settled and counts, at the GMO sandbox
 * and at the event sink, what a crash must never do: see {@link Report}.
 *
 * <p>Used by the kill -9 tests (a few hundred payments) and by the soak (thousands, {@code bench/soak.sh}).
 */
public final class CrashStream {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> CHAIN = List.of("pending", "authorized", "captured", "refunded");

    /** What happens once the client has had this many final answers. */
    public sealed interface Disruption permits KillInFlight, KillAfterCreated, KillReplicaInFlight, Action {
        int afterAnswers();
    }

    /** SIGKILL 5 ms after the next request (payment or capture) has been sent: its answer is not back yet. */
    public record KillInFlight(int afterAnswers) implements Disruption {
    }

    /** SIGKILL at once when the next {@code 201 Created} arrives: the answer the client just got must survive. */
    public record KillAfterCreated(int afterAnswers) implements Disruption {
    }

    /**
     * Several replicas: SIGKILL the replica the next request went to, 5 ms after sending, and leave it dead: the
     * client's retries and everything that replica had started are the other replicas' work from then on.
     */
    public record KillReplicaInFlight(int afterAnswers) implements Disruption {
    }

    /** Anything else, while the stream goes on (e.g. restart the database). */
    public record Action(int afterAnswers, String label, Runnable action) implements Disruption {
    }

    /**
     * @param payments       how many payments (orders)
     * @param workers        concurrent clients
     * @param manualEvery    every n-th payment authorizes and is captured by a second request (others capture at once)
     * @param disruptions    in the order of their thresholds, each below {@code payments}
     * @param requestGiveUp  how long the client keeps retrying one request
     * @param settleTimeout  how long to wait for every payment to be settled and every event delivered
     * @param scheduledEvery every n-th payment (index mod n == 1, not a manual one) is captured by the schedule at
     *                       {@code scheduledAfter} from its request (0: none)
     * @param webhookEvery   every n-th payment (index mod n == 2) gets, once answered, GMO's "ask me" notification
     *                       (CASH_PAID) at every replica at once, as a provider's copies arrive; each must be stored once
     *                       and confirmed (0: none; needs a store readable while Kessai runs: PostgreSQL)
     */
    public record Settings(int payments, int workers, int manualEvery, List<Disruption> disruptions,
                           Duration requestGiveUp, Duration settleTimeout, int scheduledEvery, Duration scheduledAfter,
                           int webhookEvery) {
        public Settings(int payments, int workers, int manualEvery, List<Disruption> disruptions,
                        Duration requestGiveUp, Duration settleTimeout) {
            this(payments, workers, manualEvery, disruptions, requestGiveUp, settleTimeout, 0, Duration.ZERO, 0);
        }
    }

    /** The replicas the client spreads its requests over, as a load balancer would (one: a single Kessai). */
    private final List<KessaiProcess> replicas;
    private final GmoSandbox gmo;
    private final EventSink sink;
    private final TestDatabases.Db db;
    private final Settings settings;
    private final Consumer<String> progress;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    private final Map<String, Track> tracks = new ConcurrentHashMap<>();
    private final AtomicInteger answered = new AtomicInteger();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong connectionErrors = new AtomicLong();
    private final AtomicLong webhooksSent = new AtomicLong();
    private final Map<Integer, AtomicLong> retriedStatuses = new ConcurrentHashMap<>();
    private final AtomicBoolean killInFlightArmed = new AtomicBoolean();
    private final AtomicBoolean killAfterCreatedArmed = new AtomicBoolean();
    private final ConcurrentLinkedQueue<String> killed = new ConcurrentLinkedQueue<>();
    private final List<String> disruptionLog = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService killer = Executors.newSingleThreadScheduledExecutor();
    /** When a replica was killed and left dead (System.nanoTime), 0: none. */
    private volatile long killedAt;

    /**
     * @param db the store Kessai runs on, read after the run to compare its status history with the events
     *           (for H2 the file of the default store in the child's working directory)
     */
    public CrashStream(KessaiProcess kessai, GmoSandbox gmo, EventSink sink, TestDatabases.Db db, Settings settings,
                       Consumer<String> progress) {
        this(List.of(kessai), gmo, sink, db, settings, progress);
    }

    /**
     * Several replicas on one store: request n of a payment goes to replica (payment + n) mod replicas, skipping
     * dead ones, so that a payment's requests and retries are spread over all of them.
     */
    public CrashStream(List<KessaiProcess> replicas, GmoSandbox gmo, EventSink sink, TestDatabases.Db db, Settings settings,
                       Consumer<String> progress) {
        this.replicas = List.copyOf(replicas);
        this.gmo = gmo;
        this.sink = sink;
        this.db = db;
        this.settings = settings;
        this.progress = progress;
    }

    /** What the client knows about one payment. */
    private static final class Track {
        final int index;
        final String orderId;
        final String key;
        final boolean manual;
        /** capture.mode scheduled: the scheduled captures capture it, not the client */
        final boolean scheduled;
        final boolean webhook;
        /** GMO's accessId, once answered */
        volatile String accessId;
        final String body;
        volatile String paymentId;
        /** The most advanced status a 200/201 answered (null: never answered with a payment). */
        volatile String answeredStatus;
        volatile boolean gaveUp;
        final List<String> finalAnswers = new CopyOnWriteArrayList<>();

        Track(int index, ObjectNode order, boolean manual, boolean scheduled, boolean webhook) {
            this.index = index;
            this.orderId = order.path("orderId").asText();
            this.key = "key-" + orderId;
            this.manual = manual;
            this.scheduled = scheduled;
            this.webhook = webhook;
            this.body = order.toString();
        }

        void answered(String status) {
            String before = answeredStatus;
            if (before == null || rank(status) > rank(before)) {
                answeredStatus = status;
            }
        }
    }

    /** Runs the stream, the disruptions and the settling; stops Kessai at the end and counts. */
    public Report run() {
        return run(true);
    }

    /** As {@link #run()}, leaving the replicas running (a warm-up before a measured run). */
    public Report runWithoutStopping() {
        return run(false);
    }

    private Report run(boolean stopAtEnd) {
        long begin = System.nanoTime();
        List<Track> plan = new ArrayList<>();
        for (int i = 0; i < settings.payments(); i++) {
            ObjectNode order = Orders.gmoCard("tok_visa").put("amount", String.valueOf(100 + i % 900));
            boolean manual = settings.manualEvery() > 0 && i % settings.manualEvery() == 0;
            boolean scheduled = !manual && settings.scheduledEvery() > 0 && i % settings.scheduledEvery() == 1;
            if (scheduled) {
                // the capture time is set when the order is sent (drive): scheduledAfter from then
                order.putObject("capture").put("mode", "scheduled");
            }
            boolean webhook = settings.webhookEvery() > 0 && i % settings.webhookEvery() == 2;
            Track t = new Track(i, manual ? Orders.manual(order) : order, manual, scheduled, webhook);
            plan.add(t);
            tracks.put(t.orderId, t);
        }
        ConcurrentLinkedQueue<Track> queue = new ConcurrentLinkedQueue<>(plan);
        ExecutorService workers = Executors.newFixedThreadPool(settings.workers());
        List<Future<?>> running = new ArrayList<>();
        for (int w = 0; w < settings.workers(); w++) {
            running.add(workers.submit(() -> {
                for (Track t = queue.poll(); t != null; t = queue.poll()) {
                    drive(t);
                }
            }));
        }
        try {
            for (Disruption d : settings.disruptions()) {
                await().atMost(Duration.ofMinutes(30)).pollInterval(Duration.ofMillis(10))
                        .until(() -> answered.get() >= d.afterAnswers() || running.stream().allMatch(Future::isDone));
                if (answered.get() < d.afterAnswers()) {
                    throw new IllegalStateException("the stream ended before " + d);
                }
                disrupt(d);
            }
            for (Future<?> f : running) {
                f.get(30, TimeUnit.MINUTES);
            }
        } catch (Exception e) {
            throw new IllegalStateException("the payment stream failed", e);
        } finally {
            workers.shutdownNow();
            killer.shutdownNow();
        }
        long streamed = System.nanoTime();
        progress.accept("stream done: " + answered.get() + " final answers, " + requests.get() + " requests");

        Map<String, JsonNode> settled = settle();
        long settledAt = System.nanoTime();
        Report report = count(settled);
        if (killedAt > 0) {
            report.takeoverSeconds = (settledAt - Math.max(killedAt, streamed)) / 1e9;
            report.sinceKillSeconds = (settledAt - killedAt) / 1e9;
        }
        if (stopAtEnd) {
            replicas.forEach(KessaiProcess::stop);
        }
        compareWithStore(report);
        report.streamSeconds = (streamed - begin) / 1e9;
        report.settleSeconds = (settledAt - streamed) / 1e9;
        return report;
    }

    // ---- the client ------------------------------------------------------------------------------

    private void drive(Track t) {
        String body = t.body;
        if (t.scheduled) {
            ObjectNode order = (ObjectNode) parse(t.body);
            ((ObjectNode) order.path("capture")).put("at", java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(
                    java.time.OffsetDateTime.now(java.time.ZoneOffset.ofHours(9)).plus(settings.scheduledAfter())
                            .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
            body = order.toString();
        }
        Answer created = call(t, "POST", "/payments", body, t.key, true);
        if (created == null) {
            t.gaveUp = true;
            answered.incrementAndGet();
            return;
        }
        t.finalAnswers.add("pay " + created.status);
        if (created.status / 100 == 2) {
            t.paymentId = created.json.path("paymentId").asText();
            t.accessId = created.json.path("providerRef").path("id").asText(null);
            t.answered(created.json.path("status").asText());
            if (t.webhook && t.accessId != null) {
                notifyEveryReplica(t);
            }
        }
        if (t.manual && "authorized".equals(t.answeredStatus)) {
            Answer captured = call(t, "POST", "/payments/" + t.paymentId + "/capture", null, "capture-" + t.key, false);
            if (captured == null) {
                t.gaveUp = true;
            } else {
                t.finalAnswers.add("capture " + captured.status);
                if (captured.status / 100 == 2) {
                    t.answered(captured.json.path("status").asText());
                }
            }
        }
        answered.incrementAndGet();
    }

    private record Answer(int status, JsonNode json) {
    }

    /**
     * Sends one request until its answer is final: 2xx, 4xx, or a 5xx about a payment that is no longer waiting
     * for this request (a payment that failed answers its failure again on every retry). Null: gave up.
     */
    private Answer call(Track t, String method, String path, String body, String key, boolean create) {
        long giveUp = System.nanoTime() + settings.requestGiveUp().toNanos();
        long backoff = 50;
        for (int attempt = 0; ; attempt++) {
            if (attempt > 0) {
                retries.incrementAndGet();
                awaitKessaiAnswering(backoff, giveUp);
                backoff = Math.min(1000, backoff * 2);
            }
            if (System.nanoTime() > giveUp) {
                return null;
            }
            KessaiProcess target = replica(t.index + attempt);
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(target.baseUrl() + path))
                    .timeout(Duration.ofSeconds(60)).header("Idempotency-Key", key);
            b = body == null ? b.POST(HttpRequest.BodyPublishers.noBody())
                    : b.header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
            if (killInFlightArmed.compareAndSet(true, false)) {
                killer.schedule(() -> killNow(target, "in flight: 5 ms after sending " + (create ? "the payment " : "the capture ")
                        + t.orderId + (replicas.size() > 1 ? " to " + target.baseUrl() : "")), 5, TimeUnit.MILLISECONDS);
            }
            HttpResponse<String> r;
            requests.incrementAndGet();
            try {
                r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                connectionErrors.incrementAndGet();
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            long receivedAt = System.nanoTime();
            JsonNode json = parse(r.body());
            if (r.statusCode() == 201 && killAfterCreatedArmed.compareAndSet(true, false)) {
                killNow(String.format("%.1f ms after the 201 of %s (%s)",
                        (System.nanoTime() - receivedAt) / 1e6, t.orderId, json.path("status").asText()));
            }
            if (r.statusCode() < 500) {
                return new Answer(r.statusCode(), json);
            }
            retriedStatuses.computeIfAbsent(r.statusCode(), s -> new AtomicLong()).incrementAndGet();
            String paymentId = json.hasNonNull("paymentId") ? json.path("paymentId").asText() : t.paymentId;
            if (paymentId != null && !paymentId.isEmpty()) {
                t.paymentId = paymentId;
                String now = currentStatus(paymentId);
                if (now != null && (create ? !"pending".equals(now) : !"authorized".equals(now))) {
                    return new Answer(r.statusCode(), json);
                }
            }
        }
    }

    /**
     * GMO's "ask me" notification about the payment, one copy to every replica alive at once (a provider's copies
     * and retries land wherever the load balancer sends them); each copy is re-sent until a replica answers 2xx.
     */
    private void notifyEveryReplica(Track t) {
        String csrf = csrfToken(t.paymentId);
        String body = "{\"accessId\":\"" + t.accessId + "\",\"event\":\"CASH_PAID\",\"csrfToken\":\"" + csrf + "\"}";
        List<java.util.concurrent.CompletableFuture<Void>> copies = new ArrayList<>();
        for (int i = 0; i < replicas.size(); i++) {
            int first = i;
            copies.add(java.util.concurrent.CompletableFuture.runAsync(() -> deliverWebhook(first, body)));
        }
        copies.forEach(java.util.concurrent.CompletableFuture::join);
        webhooksSent.addAndGet(copies.size());
    }

    private void deliverWebhook(int first, String body) {
        long giveUp = System.nanoTime() + settings.requestGiveUp().toNanos();
        for (int attempt = 0; System.nanoTime() < giveUp; attempt++) {
            if (attempt > 0) {
                awaitKessaiAnswering(100, giveUp);
            }
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(replica(first + attempt).baseUrl()
                                + "/webhooks/gmo-pg")).timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() / 100 == 2) {
                    return;
                }
            } catch (IOException e) {
                connectionErrors.incrementAndGet();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private String csrfToken(String paymentId) {
        try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
             PreparedStatement ps = c.prepareStatement("SELECT csrf_token FROM payments WHERE payment_id = ?")) {
            ps.setString(1, paymentId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : "";
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read Kessai's store " + db.url(), e);
        }
    }

    /** Per accessId notified: how many notifications are stored, and how many of them are confirmed. */
    private Map<String, int[]> storedWebhooks() {
        Map<String, int[]> stored = new HashMap<>();
        try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
             PreparedStatement ps = c.prepareStatement("SELECT provider_ref_id, processed_at FROM webhook_inbox"
                     + " WHERE provider = 'gmo-pg'")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    int[] n = stored.computeIfAbsent(rs.getString(1), k -> new int[2]);
                    n[0]++;
                    if (rs.getObject(2) != null) {
                        n[1]++;
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read Kessai's store " + db.url(), e);
        }
        return stored;
    }

    private List<Track> notified() {
        return tracks.values().stream().filter(t -> t.webhook && t.accessId != null).toList();
    }

    private String currentStatus(String paymentId) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(replica(0).baseUrl() + "/payments/" + paymentId))
                    .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? parse(r.body()).path("status").asText() : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // ---- disruptions -----------------------------------------------------------------------------

    private void disrupt(Disruption d) throws InterruptedException {
        int before = killed.size();
        if (d instanceof Action a) {
            long t0 = System.nanoTime();
            a.action().run();
            note(String.format("%s at %d answers (%.1f s)", a.label(), answered.get(), (System.nanoTime() - t0) / 1e9));
            return;
        }
        (d instanceof KillAfterCreated ? killAfterCreatedArmed : killInFlightArmed).set(true);
        await().atMost(Duration.ofMinutes(10)).pollInterval(Duration.ofMillis(5)).until(() -> killed.size() > before);
        if (d instanceof KillReplicaInFlight) {
            killedAt = System.nanoTime();
            note(String.format("kill -9 %s, at %d answers; left dead", lastKill(), answered.get()));
            return;
        }
        long t0 = System.nanoTime();
        replicas.get(0).start();
        note(String.format("kill -9 %s, at %d answers; restarted in %.1f s", lastKill(), answered.get(),
                (System.nanoTime() - t0) / 1e9));
    }

    private String lastKill() {
        String last = null;
        for (String k : killed) {
            last = k;
        }
        return last;
    }

    private void killNow(String why) {
        killNow(replicas.get(0), why);
    }

    private void killNow(KessaiProcess which, String why) {
        which.kill();
        killed.add(why);
    }

    /** The replica for the n-th request: n mod replicas, or the next one alive (a load balancer's health check). */
    private KessaiProcess replica(int n) {
        for (int i = 0; i < replicas.size(); i++) {
            KessaiProcess p = replicas.get(Math.floorMod(n + i, replicas.size()));
            if (p.alive()) {
                return p;
            }
        }
        return replicas.get(Math.floorMod(n, replicas.size()));
    }

    private void note(String line) {
        disruptionLog.add(line);
        progress.accept(line);
    }

    // ---- settling --------------------------------------------------------------------------------

    /** Waits until every order has a payment that is not pending and every status of it has its event. */
    private Map<String, JsonNode> settle() {
        Map<String, JsonNode> current = new ConcurrentHashMap<>();
        try {
            await().atMost(settings.settleTimeout()).pollInterval(Duration.ofMillis(500)).until(() -> {
                for (Track t : tracks.values()) {
                    JsonNode p = current.get(t.orderId);
                    if (p != null && settled(t, p)) {
                        continue;
                    }
                    JsonNode now = find(t.orderId);
                    if (now != null) {
                        current.put(t.orderId, now);
                    }
                }
                return tracks.values().stream().allMatch(t -> current.containsKey(t.orderId)
                        && settled(t, current.get(t.orderId)));
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            progress.accept("not settled within " + settings.settleTimeout() + ": counting what there is");
        }
        // Refresh every payment once more (a payment may have moved on since it was first seen settled).
        for (Track t : tracks.values()) {
            JsonNode now = find(t.orderId);
            if (now != null) {
                current.put(t.orderId, now);
            } else {
                current.remove(t.orderId);
            }
        }
        try {
            await().atMost(settings.settleTimeout()).pollInterval(Duration.ofMillis(500)).until(() ->
                    current.values().stream().allMatch(p -> eventStatuses(p.path("paymentId").asText())
                            .containsAll(expectedChain(p))));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            progress.accept("events not all delivered within " + settings.settleTimeout() + ": counting what there is");
        }
        if (!notified().isEmpty()) {
            try {
                await().atMost(settings.settleTimeout()).pollInterval(Duration.ofMillis(500)).until(() -> {
                    Map<String, int[]> stored = storedWebhooks();
                    return notified().stream().allMatch(t -> stored.containsKey(t.accessId)
                            && stored.get(t.accessId)[1] == stored.get(t.accessId)[0]);
                });
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                progress.accept("notifications not all confirmed within " + settings.settleTimeout() + ": counting what there is");
            }
        }
        return current;
    }

    /** Not pending any more, and a scheduled capture no longer waiting to be done. */
    private static boolean settled(Track t, JsonNode payment) {
        String status = payment.path("status").asText();
        return !"pending".equals(status) && !(t.scheduled && "authorized".equals(status));
    }

    private JsonNode find(String orderId) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(replica(0).baseUrl() + "/payments?orderId=" + orderId))
                    .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 404) {
                return null;
            }
            if (r.statusCode() != 200) {
                throw new IllegalStateException("GET /payments?orderId=" + orderId + " answered " + r.statusCode() + " " + r.body());
            }
            return parse(r.body());
        } catch (IOException e) {
            throw new IllegalStateException("GET /payments?orderId=" + orderId + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The statuses a payment must have gone through, from how the client drove it and where it ended. */
    private List<String> expectedChain(JsonNode payment) {
        String status = payment.path("status").asText();
        Track t = tracks.get(payment.path("orderId").asText());
        List<String> chain = new ArrayList<>();
        chain.add("pending");
        if ("captured".equals(status) && t != null && (t.manual || t.scheduled)) {
            chain.add("authorized");
        }
        if (!"pending".equals(status)) {
            chain.add(status);
        }
        return chain;
    }

    private List<String> eventStatuses(String paymentId) {
        return sink.receivedFor(paymentId).stream().map(e -> e.path("status").asText()).distinct().toList();
    }

    // ---- counting --------------------------------------------------------------------------------

    private Report count(Map<String, JsonNode> settled) {
        Report r = new Report();
        r.payments = tracks.size();
        r.manual = (int) tracks.values().stream().filter(t -> t.manual).count();
        r.scheduled = (int) tracks.values().stream().filter(t -> t.scheduled).count();
        r.requests = requests.get();
        r.retries = retries.get();
        r.connectionErrors = connectionErrors.get();
        retriedStatuses.forEach((s, n) -> r.retriedStatuses.put(s, n.get()));
        r.kills = new ArrayList<>(killed);
        r.disruptions = new ArrayList<>(disruptionLog);
        r.sandboxRequests = gmo.requests().size();
        r.webhooksSent = webhooksSent.get();
        if (!notified().isEmpty()) {
            Map<String, int[]> stored = storedWebhooks();
            for (Track t : notified()) {
                int[] n = stored.getOrDefault(t.accessId, new int[2]);
                if (n[0] != 1) {
                    r.webhooksNotStoredOnce.add(t.orderId + " " + t.accessId + ": " + replicas.size()
                            + " copies sent, " + n[0] + " stored");
                }
                if (n[1] != n[0]) {
                    r.webhooksUnconfirmed.add(t.orderId + " " + t.accessId + ": " + (n[0] - n[1]) + " never confirmed");
                }
            }
        }

        // at the client: what was answered is still there, with that status or a later one
        for (Track t : tracks.values()) {
            JsonNode p = settled.get(t.orderId);
            String status = p == null ? null : p.path("status").asText();
            if (t.gaveUp) {
                r.gaveUp.add(t.orderId + " (" + t.finalAnswers + ", now " + status + ")");
            }
            if (t.answeredStatus != null) {
                r.answered++;
                if (p == null) {
                    r.lostAnswers.add(t.orderId + " answered " + t.answeredStatus + ", now 404");
                } else if (!sameOrLater(t.answeredStatus, status)) {
                    r.lostAnswers.add(t.orderId + " answered " + t.answeredStatus + ", now " + status);
                }
            }
            if (p == null) {
                if (t.answeredStatus == null) {
                    r.neverCreated.add(t.orderId + " (" + t.finalAnswers + ")");
                }
                continue;
            }
            r.statuses.merge(status, 1, Integer::sum);
            if ("pending".equals(status)) {
                r.unsettled.add(t.orderId + " " + p.path("paymentId").asText() + " pending, error "
                        + p.path("error").path("code").asText(null));
            }
            if ((t.manual || t.scheduled) && "authorized".equals(status)) {
                r.uncaptured.add(t.orderId + " " + p.path("paymentId").asText() + " authorized (capture answers "
                        + t.finalAnswers + ")");
            }
        }

        // at the sandbox: one charge per order, one key per operation, and the provider agrees with Kessai
        Map<String, Set<String>> keysPerOperation = new TreeMap<>();
        for (GmoSandbox.RecordedRequest q : gmo.requests()) {
            if (q.idempotencyKey() != null && q.orderId() != null && !q.path().equals("/order/inquiry")) {
                keysPerOperation.computeIfAbsent(q.orderId() + " " + q.path(), k -> new LinkedHashSet<>()).add(q.idempotencyKey());
            }
        }
        keysPerOperation.forEach((op, keys) -> {
            if (keys.size() > 1) {
                r.operationsUnderTwoKeys.add(op + " sent under " + keys.size() + " keys");
            }
        });
        Map<String, String> gmoStatuses = gmoStatuses();
        for (Track t : tracks.values()) {
            int charges = gmo.authorizations(t.orderId);
            JsonNode p = settled.get(t.orderId);
            String status = p == null ? "404" : p.path("status").asText();
            if (charges > 1) {
                r.doubleCharges.add(t.orderId + " charged " + charges + " times, Kessai says " + status);
            }
            String atGmo = charges == 0 ? "none" : gmoStatuses.get(t.orderId);
            String expected = switch (atGmo) {
                case "AUTH" -> "authorized";
                case "CAPTURE", "SALES" -> "captured";
                case "CANCEL" -> "canceled";
                case "none" -> null;
                default -> "?" + atGmo;
            };
            boolean agrees = expected == null
                    ? !status.equals("authorized") && !status.equals("captured")
                    : expected.equals(status);
            if (!agrees) {
                r.providerDisagrees.add(t.orderId + " GMO " + atGmo + ", Kessai " + status
                        + (p == null ? "" : " " + p.path("error").path("code").asText("") + " "
                        + p.path("error").path("providerCode").asText("")));
            }
        }

        // at the event sink: every status change has its event, one eventId per change, one content per eventId
        Map<String, Set<String>> contentsById = new HashMap<>();
        for (JsonNode e : sink.received()) {
            contentsById.computeIfAbsent(e.path("eventId").asText(), k -> new HashSet<>()).add(e.toString());
            r.eventsReceived++;
        }
        r.distinctEvents = contentsById.size();
        contentsById.forEach((id, contents) -> {
            if (contents.size() > 1) {
                r.conflictingEventIds.add(id + " delivered with " + contents.size() + " different contents");
            }
        });
        for (JsonNode p : settled.values()) {
            String paymentId = p.path("paymentId").asText();
            List<JsonNode> events = sink.receivedFor(paymentId);
            Map<String, String> idByStatus = new LinkedHashMap<>();
            for (JsonNode e : events) {
                String status = e.path("status").asText();
                String previous = idByStatus.putIfAbsent(status, e.path("eventId").asText());
                if (previous != null && !previous.equals(e.path("eventId").asText())) {
                    r.changesUnderTwoEventIds.add(paymentId + " " + status + " published as " + previous + " and "
                            + e.path("eventId").asText());
                }
            }
            List<String> expected = expectedChain(p);
            List<String> missing = expected.stream().filter(s -> !idByStatus.containsKey(s)).toList();
            if (!missing.isEmpty()) {
                r.lostEvents.add(paymentId + " (" + p.path("orderId").asText() + ", " + p.path("status").asText()
                        + ") has no event for " + missing);
            } else if (!new ArrayList<>(idByStatus.keySet()).equals(expected)) {
                r.eventsOutOfOrder.add(paymentId + " events " + idByStatus.keySet() + ", expected " + expected);
            }
            r.expectedEvents += expected.size();
        }
        r.settled = settled;
        return r;
    }

    /** GMO's status of every order it charged (its inquiry, a few at a time as its order endpoints allow). */
    private Map<String, String> gmoStatuses() {
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(8, gmo.settings().orderConcurrencyLimit()));
        try {
            Map<String, Future<String>> asked = new HashMap<>();
            for (Track t : tracks.values()) {
                if (gmo.authorizations(t.orderId) > 0) {
                    asked.put(t.orderId, pool.submit(() -> gmoStatus(t.orderId)));
                }
            }
            Map<String, String> statuses = new HashMap<>();
            for (Map.Entry<String, Future<String>> e : asked.entrySet()) {
                statuses.put(e.getKey(), e.getValue().get(2, TimeUnit.MINUTES));
            }
            return statuses;
        } catch (Exception e) {
            throw new IllegalStateException("GMO inquiry failed", e);
        } finally {
            pool.shutdownNow();
        }
    }

    private String gmoStatus(String orderId) {
        ObjectNode body = JSON.createObjectNode().put("orderId", orderId);
        String basic = Base64.getEncoder().encodeToString((gmo.settings().shopId() + ":" + gmo.settings().shopPass())
                .getBytes(StandardCharsets.UTF_8));
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(gmo.baseUrl() + "/order/inquiry"))
                    .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                    .header("Authorization", "Basic " + basic)
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? parse(r.body()).path("orderReference").path("status").asText() : "HTTP " + r.statusCode();
        } catch (IOException e) {
            throw new IllegalStateException("GMO inquiry failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Kessai's own history (applied transitions, read once it has stopped) against the events delivered. */
    private void compareWithStore(Report r) {
        Map<String, List<String>> history = new HashMap<>();
        try (Connection c = DriverManager.getConnection(db.url(), db.user(), db.password());
             PreparedStatement ps = c.prepareStatement("SELECT t.payment_id, t.to_status FROM payment_transitions t"
                     + " WHERE t.applied = TRUE ORDER BY t.id")) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    history.computeIfAbsent(rs.getString(1), k -> new ArrayList<>()).add(rs.getString(2));
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read Kessai's store " + db.url(), e);
        }
        for (JsonNode p : r.settled.values()) {
            String paymentId = p.path("paymentId").asText();
            List<String> changes = history.getOrDefault(paymentId, List.of());
            if (!changes.equals(expectedChain(p))) {
                r.unexpectedHistory.add(paymentId + " store history " + changes + ", expected " + expectedChain(p));
            }
            List<String> published = eventStatuses(paymentId);
            List<String> unpublished = changes.stream().filter(s -> !published.contains(s)).toList();
            if (!unpublished.isEmpty()) {
                r.lostEvents.add(paymentId + " stored changes " + unpublished + " without an event");
            }
        }
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static int rank(String status) {
        int i = CHAIN.indexOf(status);
        return i < 0 ? 100 : i;
    }

    /** The same status, or one further along pending → authorized → captured → refunded. */
    private static boolean sameOrLater(String answered, String now) {
        if (answered.equals(now)) {
            return true;
        }
        return CHAIN.contains(answered) && CHAIN.contains(now) && CHAIN.indexOf(now) > CHAIN.indexOf(answered);
    }

    private static JsonNode parse(String body) {
        try {
            JsonNode n = body == null || body.isEmpty() ? null : JSON.readTree(body);
            return n == null ? JSON.createObjectNode() : n;
        } catch (IOException e) {
            return JSON.createObjectNode().put("unparsed", body);
        }
    }

    /**
     * Before a retry: the client waits until Kessai answers HTTP again (it may be restarting after a kill), at its
     * backoff pace, and no longer than its give-up time.
     */
    private void awaitKessaiAnswering(long backoffMillis, long giveUpNanos) {
        long left = Math.max(1, (giveUpNanos - System.nanoTime()) / 1_000_000);
        try {
            org.awaitility.Awaitility.await().pollDelay(Duration.ofMillis(Math.min(backoffMillis, left)))
                    .pollInterval(Duration.ofMillis(backoffMillis)).atMost(Duration.ofMillis(left + backoffMillis))
                    .until(this::kessaiAnswers);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // the caller's give-up check decides
        }
    }

    private boolean kessaiAnswers() {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(replica(0).baseUrl() + "/payments/nope"))
                    .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode() > 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The counts of one run. The lists hold one line per offending payment, operation or event. */
    public static final class Report {
        public int payments;
        public int manual;
        public int scheduled;
        public int answered;
        public long requests;
        public long retries;
        public long connectionErrors;
        public final Map<Integer, Long> retriedStatuses = new TreeMap<>();
        public int sandboxRequests;
        public long webhooksSent;
        public int eventsReceived;
        public int distinctEvents;
        public int expectedEvents;
        public double streamSeconds;
        public double settleSeconds;
        /** Several replicas, one killed and left dead: from the end of the stream (or the kill) until all settled. */
        public double takeoverSeconds;
        public double sinceKillSeconds;
        public List<String> kills = List.of();
        public List<String> disruptions = List.of();
        public final Map<String, Integer> statuses = new TreeMap<>();
        Map<String, JsonNode> settled = Map.of();

        public final List<String> doubleCharges = new ArrayList<>();
        public final List<String> operationsUnderTwoKeys = new ArrayList<>();
        public final List<String> providerDisagrees = new ArrayList<>();
        public final List<String> lostAnswers = new ArrayList<>();
        public final List<String> unsettled = new ArrayList<>();
        public final List<String> uncaptured = new ArrayList<>();
        public final List<String> neverCreated = new ArrayList<>();
        public final List<String> gaveUp = new ArrayList<>();
        public final List<String> lostEvents = new ArrayList<>();
        public final List<String> conflictingEventIds = new ArrayList<>();
        public final List<String> changesUnderTwoEventIds = new ArrayList<>();
        public final List<String> eventsOutOfOrder = new ArrayList<>();
        public final List<String> unexpectedHistory = new ArrayList<>();
        public final List<String> webhooksNotStoredOnce = new ArrayList<>();
        public final List<String> webhooksUnconfirmed = new ArrayList<>();

        /** Every count that must be zero, by name. */
        public Map<String, List<String>> failures() {
            Map<String, List<String>> m = new LinkedHashMap<>();
            m.put("double charges (more than one /credit/charge authorized per orderId)", doubleCharges);
            m.put("operations sent under two keys", operationsUnderTwoKeys);
            m.put("payments whose Kessai status disagrees with GMO", providerDisagrees);
            m.put("answered payments lost or moved back after a restart", lostAnswers);
            m.put("payments never settled (still pending)", unsettled);
            m.put("authorizations never captured", uncaptured);
            m.put("orders the client sent that Kessai never stored", neverCreated);
            m.put("requests the client gave up on", gaveUp);
            m.put("status changes without their event (lost events)", lostEvents);
            m.put("eventIds delivered with different contents", conflictingEventIds);
            m.put("status changes published under two eventIds", changesUnderTwoEventIds);
            m.put("events out of order", eventsOutOfOrder);
            m.put("payments whose stored history is not what the client did", unexpectedHistory);
            m.put("notifications (sent to every replica) not stored exactly once", webhooksNotStoredOnce);
            m.put("stored notifications never confirmed", webhooksUnconfirmed);
            return m;
        }

        public Map<String, Integer> failureCounts() {
            Map<String, Integer> m = new LinkedHashMap<>();
            failures().forEach((k, v) -> m.put(k, v.size()));
            return m;
        }

        public String table() {
            StringBuilder b = new StringBuilder();
            row(b, "payments (authorize + capture / scheduled capture / immediate)", payments + " (" + manual + " / "
                    + scheduled + " / " + (payments - manual - scheduled) + ")");
            row(b, "answered 200/201", String.valueOf(answered));
            row(b, "final statuses", statuses.toString());
            row(b, "HTTP requests (retries, connection errors)", requests + " (" + retries + ", " + connectionErrors + ")");
            row(b, "5xx answers retried", retriedStatuses.toString());
            row(b, "requests at the GMO sandbox", String.valueOf(sandboxRequests));
            if (webhooksSent > 0) {
                row(b, "notification copies sent to the replicas", String.valueOf(webhooksSent));
            }
            row(b, "events received (distinct eventIds, status changes)", eventsReceived + " (" + distinctEvents + ", " + expectedEvents + ")");
            row(b, "stream / settle time", String.format("%.1f s / %.1f s", streamSeconds, settleSeconds));
            if (sinceKillSeconds > 0) {
                row(b, "replica killed: all settled after the kill / after the stream", String.format("%.1f s / %.1f s",
                        sinceKillSeconds, takeoverSeconds));
            }
            for (String d : disruptions) {
                row(b, "disruption", d);
            }
            failures().forEach((name, list) -> row(b, name, String.valueOf(list.size())));
            return b.toString();
        }

        /** The offending lines, at most {@code perCount} per count. */
        public String details(int perCount) {
            StringBuilder b = new StringBuilder();
            failures().forEach((name, list) -> {
                if (!list.isEmpty()) {
                    b.append(name).append(" (").append(list.size()).append("):\n");
                    list.stream().limit(perCount).forEach(l -> b.append("  ").append(l).append('\n'));
                }
            });
            return b.toString();
        }

        private static void row(StringBuilder b, String name, String value) {
            b.append(String.format("| %-70s | %s |%n", name, value));
        }

        @Override
        public String toString() {
            return table();
        }
    }
}
