package io.kessai.cluster;

import io.kessai.sandbox.gmo.GmoSandbox;
import io.kessai.support.CrashStream;
import io.kessai.support.EventSink;
import io.kessai.support.KessaiProcess;
import io.kessai.support.TestDatabases;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Two Kessai replicas (child JVMs, as {@code java -jar target/kessai.jar} runs them) on one PostgreSQL database and
 * one shared GMO sandbox and event sink in this JVM, as two replicas behind a load balancer talk to one provider and
 * one consumer. A client spreads a stream of card payments over both (immediate captures, authorizations it captures
 * itself, and scheduled captures that the replicas' clustered schedules capture), retrying every request with the
 * same Idempotency-Key on the other replica when one fails; for every third payment GMO's "ask me" notification
 * arrives at both replicas at once. One replica is killed with SIGKILL while a request it was
 * sent is in flight and stays dead. Then: nothing charged or captured twice at the sandbox, no operation under two
 * keys, no answered payment lost, every payment settled (scheduled captures done), every notification stored once
 * and confirmed, every status change delivered
 * under one eventId in order, at most the one event that was in flight at the dead replica delivered twice, and the
 * dead replica's work (its requests, schedules, claimed events) taken over by the survivor within a bound.
 */
class ReplicaFailoverTest {
    private static final int PAYMENTS = 30;
    /** The dead replica's leases and claims expire after this; its scheduler is recovered after the check-in. */
    private static final Duration LEASE = Duration.ofSeconds(3);
    private static final Duration TAKEOVER_BOUND = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void replicaKilledMidStreamChargesNothingTwiceLosesNothingAndItsWorkIsTakenOver() {
        TestDatabases.Db db = TestDatabases.postgres();
        GmoSandbox gmo = new GmoSandbox(GmoSandbox.Settings.defaults("tshop00000001", "sandbox-pass")).start();
        EventSink sink = new EventSink();
        Map<String, String> settings = new LinkedHashMap<>(KessaiProcess.gmoSettings(gmo));
        settings.putAll(KessaiProcess.fastSchedules());
        settings.putAll(KessaiProcess.dbSettings(db));
        settings.put("kessai.events.uri", sink.uri());
        settings.put("kessai.providers.gmo-pg.response-timeout-ms", "5000");
        settings.put("kessai.janitor.in-flight-grace-ms", "3000");
        settings.put("kessai.scheduler.name", "kessai-replicas");
        settings.put("kessai.scheduler.checkin-interval-ms", "1000");
        settings.put("kessai.cluster.lease-ms", String.valueOf(LEASE.toMillis()));
        settings.put("kessai.cluster.replicas", "2");
        List<KessaiProcess> replicas = new ArrayList<>();
        for (String name : List.of("replica-a", "replica-b")) {
            Map<String, String> own = new LinkedHashMap<>(settings);
            own.put("kessai.cluster.node-id", name);
            replicas.add(new KessaiProcess(name, dir.resolve(name), own));
        }
        try (gmo; sink; KessaiProcess a = replicas.get(0); KessaiProcess b = replicas.get(1)) {
            // both at once: the second replica migrates nothing (Flyway's lock) and joins the scheduler cluster
            CompletableFuture.allOf(CompletableFuture.runAsync(a::start), CompletableFuture.runAsync(b::start)).join();
            CrashStream.Report report = new CrashStream(replicas, gmo, sink, db,
                    new CrashStream.Settings(PAYMENTS, 4, 3, List.of(new CrashStream.KillReplicaInFlight(PAYMENTS / 3)),
                            Duration.ofMinutes(1), Duration.ofSeconds(45), 3, Duration.ofSeconds(5), 3),
                    line -> System.out.println("ReplicaFailoverTest: " + line)).run();
            System.out.println("ReplicaFailoverTest\n" + report.table() + report.details(20));

            SoftAssertions soft = new SoftAssertions();
            soft.assertThat(report.kills).as("SIGKILLs").hasSize(1);
            soft.assertThat(report.answered).as("payments answered 200/201").isEqualTo(PAYMENTS);
            soft.assertThat(report.scheduled).as("scheduled captures in the stream").isPositive();
            soft.assertThat(report.webhooksSent).as("notification copies sent").isPositive();
            report.failures().forEach((name, offending) -> soft.assertThat(offending).as(name).isEmpty());
            soft.assertThat(report.eventsReceived - report.distinctEvents)
                    .as("events delivered twice (only the one in flight at the killed replica may be)").isLessThanOrEqualTo(1);
            soft.assertThat(report.takeoverSeconds).as("seconds from the end of the stream until the survivor settled all")
                    .isLessThan(TAKEOVER_BOUND.toSeconds());
            soft.assertAll();
        }
    }
}
