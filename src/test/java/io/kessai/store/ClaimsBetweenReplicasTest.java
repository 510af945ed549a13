package io.kessai.store;

import io.kessai.events.OutboxEvent;
import io.kessai.support.TestDatabases;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The leases and claims two replicas take in their shared database, on a clock the test moves: one holder at a
 * time, taken over once the holder stops renewing (it died) and not before, kept while it renews, free at once when
 * released; a payment's next event is never claimed while an earlier one is undelivered or claimed.
 */
class ClaimsBetweenReplicasTest {
    private static final Duration LEASE = Duration.ofSeconds(10);
    private static final Instant T0 = Instant.parse("2026-12-02T09:00:00Z");

    private Database db;
    private final MovingClock clock = new MovingClock();

    /** A clock both replicas read, moved by the test. */
    private static final class MovingClock extends Clock {
        private volatile Instant now = T0;

        void at(Duration sinceStart) {
            now = T0.plus(sinceStart);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @BeforeEach
    void open() {
        TestDatabases.Db h2 = TestDatabases.h2();
        db = new Database(h2.url(), h2.user(), h2.password(), 4);
    }

    @AfterEach
    void close() {
        db.close();
    }

    private KeyLeases leases(String owner) {
        return new KeyLeases(db, clock, new Claims(owner, LEASE));
    }

    @Test
    void aKeyLeaseHasOneHolderUntilReleasedOrUntilItsHolderStopsRenewing() {
        KeyLeases a = leases("replica-a");
        KeyLeases b = leases("replica-b");
        assertThat(a.tryAcquire("ORD-1")).isTrue();
        assertThat(b.tryAcquire("ORD-1")).as("held by A").isFalse();
        assertThat(b.tryAcquire("ORD-2")).as("another key").isTrue();

        clock.at(LEASE.dividedBy(2));
        a.renew();
        clock.at(LEASE.plusSeconds(1));
        assertThat(b.tryAcquire("ORD-1")).as("A renewed half-way: still A's").isFalse();

        clock.at(LEASE.multipliedBy(2));
        assertThat(b.tryAcquire("ORD-1")).as("A stopped renewing a whole lease ago (it died)").isTrue();
        assertThat(a.tryAcquire("ORD-1")).as("now B's").isFalse();

        b.release("ORD-1");
        assertThat(a.tryAcquire("ORD-1")).as("released: free at once").isTrue();
    }

    @Test
    void anOutboxEventIsClaimedByOneRelayAndAPaymentsNextEventWaitsForItsDelivery() throws Exception {
        OutboxStore a = new OutboxStore(db, clock, new Claims("replica-a", LEASE));
        OutboxStore b = new OutboxStore(db, clock, new Claims("replica-b", LEASE));
        write("evt_p1", "pay_p");
        write("evt_p2", "pay_p");
        write("evt_q1", "pay_q");

        assertThat(ids(a.due(10))).containsExactly("evt_p1", "evt_q1");
        assertThat(b.due(10)).as("both heads claimed by A").isEmpty();

        a.delivered(a.events("pay_p").get(0).seq());
        assertThat(ids(b.due(10))).as("pay_p's next event, after its first was delivered").containsExactly("evt_p2");

        clock.at(LEASE.dividedBy(2));
        b.renewClaims();
        clock.at(LEASE.plusSeconds(1));
        assertThat(ids(b.due(10))).as("A's claim on evt_q1 expired unrenewed (A died); B's renewed claim on evt_p2 holds")
                .containsExactly("evt_q1");
        assertThat(a.due(10)).as("evt_p2 and evt_q1 are B's now").isEmpty();
    }

    @Test
    void aStoredWebhookIsClaimedByOneReplicaAndItsCopiesAreNotStoredAgain() {
        InboxStore a = new InboxStore(db, clock, new Claims("replica-a", LEASE));
        InboxStore b = new InboxStore(db, clock, new Claims("replica-b", LEASE));
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        assertThat(a.store("gmo-pg", "acc:CASH_PAID", "acc", body)).isTrue();
        assertThat(b.store("gmo-pg", "acc:CASH_PAID", "acc", body)).as("a copy at the other replica").isFalse();

        List<InboxStore.StoredWebhook> mine = a.due(10);
        assertThat(mine).hasSize(1);
        assertThat(b.due(10)).as("claimed by A").isEmpty();
        a.renewClaims();
        a.retryLater(mine.get(0).id(), OffsetDateTime.now(clock), "not confirmed yet");
        assertThat(b.due(10)).as("A let it go").hasSize(1);
    }

    private void write(String eventId, String paymentId) throws Exception {
        db.inTransaction(c -> {
            OutboxStore.insert(c, new OutboxEvent(0, eventId, paymentId, "payment.pending", "{}", 0, null),
                    OffsetDateTime.now(clock));
            return null;
        });
    }

    private static List<String> ids(List<OutboxEvent> events) {
        return events.stream().map(OutboxEvent::eventId).toList();
    }
}
