package io.kessai.crash;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Kessai as a child process, killed with SIGKILL twice in the middle of a stream of card payments (once a few
 * milliseconds after a request left, once right after a 201) and started again on the same store, while the GMO
 * sandbox and the event sink live on in this JVM. A client retries every request with the same Idempotency-Key
 * on 5xx and connection errors until it has a final answer. Once every payment is settled, nothing may have
 * been charged twice, sent under a second key, lost after it was answered, left pending, or reported differently
 * from GMO, and every status change must have reached the sink exactly under one eventId with one content.
 * The subclasses run it on the embedded H2 default store and on PostgreSQL.
 */
abstract class KillNineFlows {
    static final int PAYMENTS = 160;

    @TempDir
    Path dir;

    /** The store keys for the child (none: the default H2 file store under its working directory). */
    abstract Map<String, String> store(Path workDir);

    /** The same store, to read it once Kessai has stopped. */
    abstract TestDatabases.Db storeToRead(Path workDir);

    @Test
    void killedTwiceMidStreamKessaiLosesNoAnswerChargesNothingTwiceAndPublishesEveryChangeOnce() {
        Path workDir = dir.resolve("kessai");
        Map<String, String> store = store(workDir);
        GmoSandbox gmo = new GmoSandbox(GmoSandbox.Settings.defaults("tshop00000001", "sandbox-pass")).start();
        EventSink sink = new EventSink();
        Map<String, String> settings = new LinkedHashMap<>(KessaiProcess.gmoSettings(gmo));
        settings.putAll(KessaiProcess.fastSchedules());
        settings.putAll(store);
        settings.put("kessai.events.uri", sink.uri());
        settings.put("kessai.providers.gmo-pg.response-timeout-ms", "5000");
        // a charge whose sender was killed is reconciled by the janitor soon after the restart
        settings.put("kessai.janitor.in-flight-grace-ms", "3000");
        settings.put("kessai.scheduler.name", "kessai-kill9-" + getClass().getSimpleName());
        try (gmo; sink; KessaiProcess kessai = new KessaiProcess(getClass().getSimpleName(), workDir, settings)) {
            kessai.start();
            CrashStream.Report report = new CrashStream(kessai, gmo, sink, storeToRead(workDir),
                    new CrashStream.Settings(PAYMENTS, 4, 2,
                            List.of(new CrashStream.KillInFlight(PAYMENTS / 4), new CrashStream.KillAfterCreated(PAYMENTS * 3 / 5)),
                            Duration.ofMinutes(3), Duration.ofMinutes(2)),
                    line -> System.out.println(getClass().getSimpleName() + ": " + line)).run();
            System.out.println(getClass().getSimpleName() + "\n" + report.table() + report.details(20));

            SoftAssertions soft = new SoftAssertions();
            soft.assertThat(report.kills).as("SIGKILLs").hasSize(2);
            soft.assertThat(report.answered).as("payments answered 200/201").isPositive();
            report.failures().forEach((name, offending) -> soft.assertThat(offending).as(name).isEmpty());
            soft.assertAll();
        }
    }
}
