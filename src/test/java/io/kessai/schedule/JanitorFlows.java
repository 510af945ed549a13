package io.kessai.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.events.OutboxEvent;
import io.kessai.sandbox.gmo.GmoSandbox;
import io.kessai.store.PaymentStore;
import io.kessai.support.KessaiInstance;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The janitor (quartz, every 100 ms here) on one store: it resolves payments whose outcome is open by inquiry,
 * expires what stays open too long and authorizations past their capture deadline, and its pass only looks at
 * open payments. The subclasses run the same behaviour on H2 and on PostgreSQL.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class JanitorFlows {
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * The first look at an open payment comes after the charge call can no longer be in flight (response timeout
     * 2.5 s), as with the production defaults (1 min after a 30 s timeout); then every 200 ms. An open payment
     * older than 500 ms is given up (expired).
     */
    private static final Map<String, String> SETTINGS = Map.of(
            "kessai.janitor.schedule", "3000ms,200ms",
            "kessai.janitor.max-age", "500ms");
    private static final Set<String> OPEN = Set.of("pending", "requires_action", "authorized");

    KessaiInstance kessai;
    GmoSandbox gmo;

    abstract TestDatabases.Db database();

    @BeforeAll
    void start() {
        kessai = KessaiInstance.start(database(), SETTINGS);
        gmo = kessai.gmoSandbox();
    }

    @AfterAll
    void stop() {
        if (kessai != null) {
            kessai.close();
        }
    }

    private String status(String id) {
        return kessai.get("/payments/" + id).text("status");
    }

    private List<JsonNode> events(String id) {
        List<JsonNode> events = new ArrayList<>();
        for (OutboxEvent e : kessai.outbox().events(id)) {
            try {
                events.add(JSON.readTree(e.payload()));
            } catch (IOException ex) {
                throw new IllegalStateException(ex);
            }
        }
        return events;
    }

    private long requests(String path) {
        return gmo.requests().stream().filter(r -> r.path().equals(path)).count();
    }

    @Test
    void timedOutChargeIsResolvedByTheJanitorsInquiryWithoutAClientRetry() {
        ObjectNode order = Orders.gmoCard("tok_slow");
        String orderId = order.get("orderId").asText();
        long chargesBefore = requests("/credit/charge");
        var timedOut = kessai.post("/payments", Orders.json(order));
        assertThat(timedOut.status()).as(timedOut.body()).isEqualTo(504);
        assertThat(timedOut.text("title")).isEqualTo("provider_timeout");
        String id = timedOut.text("paymentId");
        assertThat(status(id)).isEqualTo("pending");

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> "captured".equals(status(id)));
        assertThat(kessai.get("/payments/" + id).text("capturedAmount")).isEqualTo("1000");
        assertThat(gmo.authorizations(orderId)).isEqualTo(1);
        // The sandbox records a request when it has answered it (the slow one after 4 s).
        await().atMost(Duration.ofSeconds(5)).until(() -> requests("/credit/charge") == chargesBefore + 1);
        assertThat(requests("/credit/charge")).as("the charge was sent once, never again").isEqualTo(chargesBefore + 1);
        assertThat(kessai.store().transitions(id)).filteredOn(PaymentStore.TransitionRow::applied)
                .extracting(t -> t.to() + "/" + t.source()).containsExactly("pending/api", "captured/poll");
        List<JsonNode> events = events(id);
        assertThat(events).extracting(e -> e.path("type").asText())
                .containsExactly("payment.pending", "payment.captured");
        assertThat(events.get(1).path("source").asText()).isEqualTo("poll");
        assertThat(events.get(1).path("status").asText()).isEqualTo("captured");
    }

    @Test
    void abandonedThreeDSecurePaymentIsExpiredAfterTheMaximumAge() {
        var created = kessai.post("/payments", Orders.json(Orders.gmoCard("tok_tds")));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.text("status")).isEqualTo("requires_action");
        String id = created.text("paymentId");
        // The customer never comes back from 3-D Secure.

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> "expired".equals(status(id)));
        var expired = kessai.get("/payments/" + id);
        Duration age = Duration.between(OffsetDateTime.parse(expired.text("createdAt")),
                OffsetDateTime.parse(expired.text("updatedAt")));
        assertThat(age).isGreaterThanOrEqualTo(Duration.ofMillis(500));
        List<JsonNode> events = events(id);
        assertThat(events).extracting(e -> e.path("type").asText())
                .containsExactly("payment.pending", "payment.requires_action", "payment.expired");
        assertThat(events.get(2).path("source").asText()).isEqualTo("poll");
        assertThat(kessai.store().dueChecks(OffsetDateTime.now(ZoneOffset.UTC).plusYears(100), 1000))
                .extracting(PaymentStore.DueCheck::paymentId).doesNotContain(id);
    }

    /**
     * GMO's capture deadline is the 60th day after the authorization, and the janitor asks GMO before it expires an
     * authorization (GMO's answer carries the deadline). So the time is simulated at the provider: the sandbox
     * authorizes "61 days ago", which puts the deadline Kessai stores in the past. The janitor then looks at the
     * authorization at once (its next check is its deadline), confirms it with an inquiry, and expires it.
     */
    @Test
    void authorizationPastItsCaptureDeadlineIsExpired() throws Exception {
        long inquiriesBefore = requests("/order/inquiry");
        KessaiInstance.Answer created;
        providerClock(Clock.offset(Clock.systemUTC(), Duration.ofDays(-61)));
        try {
            created = kessai.post("/payments", Orders.json(Orders.manual(Orders.gmoCard("tok_visa"))));
        } finally {
            providerClock(Clock.systemUTC());
        }
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.text("status")).isEqualTo("authorized");
        OffsetDateTime deadline = OffsetDateTime.parse(created.json().path("capture").path("expiresAt").asText());
        assertThat(deadline).isBefore(OffsetDateTime.now());
        String id = created.text("paymentId");

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> "expired".equals(status(id)));
        assertThat(OffsetDateTime.parse(kessai.get("/payments/" + id).json().path("capture").path("expiresAt").asText()))
                .isEqualTo(deadline);
        assertThat(requests("/order/inquiry")).as("confirmed with GMO first").isGreaterThan(inquiriesBefore);
        assertThat(kessai.store().transitions(id)).filteredOn(PaymentStore.TransitionRow::applied)
                .extracting(t -> t.to() + "/" + t.source()).containsExactly("pending/api", "authorized/api", "expired/poll");
        List<JsonNode> events = events(id);
        assertThat(events).extracting(e -> e.path("type").asText())
                .containsExactly("payment.pending", "payment.authorized", "payment.expired");
        assertThat(events.get(2).path("source").asText()).isEqualTo("poll");
        assertThat(events.get(2).path("status").asText()).isEqualTo("expired");
        assertThat(kessai.store().dueChecks(OffsetDateTime.now(ZoneOffset.UTC).plusYears(100), 1000))
                .extracting(PaymentStore.DueCheck::paymentId).doesNotContain(id);
    }

    /**
     * Only Kessai's row in the past (plain JDBC), GMO still within its 60 days: the janitor asks GMO at the
     * simulated deadline, takes GMO's deadline, and the authorization stays valid until then.
     */
    @Test
    void authorizationThatGmoStillHoldsIsNotExpiredOnKessaisDeadlineAlone() throws SQLException {
        var created = kessai.post("/payments", Orders.json(Orders.manual(Orders.gmoCard("tok_visa"))));
        assertThat(created.text("status")).isEqualTo("authorized");
        String id = created.text("paymentId");
        OffsetDateTime gmoDeadline = OffsetDateTime.parse(created.json().path("capture").path("expiresAt").asText());
        long inquiriesBefore = requests("/order/inquiry");
        OffsetDateTime past = OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(1);
        try (Connection c = kessai.store().database().dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement(
                     "UPDATE payments SET capture_expires_at = ?, next_check_at = ? WHERE payment_id = ?")) {
            ps.setObject(1, past);
            ps.setObject(2, past);
            ps.setString(3, id);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }

        // The janitor asks, keeps GMO's deadline, and sets its next look at that deadline (the last step of its pass).
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> requests("/order/inquiry") > inquiriesBefore
                        && OffsetDateTime.parse(kessai.get("/payments/" + id).json().path("capture").path("expiresAt")
                        .asText()).isEqual(gmoDeadline)
                        && kessai.store().dueChecks(OffsetDateTime.now(ZoneOffset.UTC).plusDays(1), 1000).stream()
                        .noneMatch(d -> d.paymentId().equals(id)));
        assertThat(status(id)).isEqualTo("authorized");
        assertThat(events(id)).extracting(e -> e.path("type").asText())
                .containsExactly("payment.pending", "payment.authorized");
    }

    /** The sandbox's clock (its package-private test hook): when it authorizes, and so its capture deadlines. */
    private void providerClock(Clock clock) throws ReflectiveOperationException {
        Method hook = GmoSandbox.class.getDeclaredMethod("clock", Clock.class);
        hook.setAccessible(true);
        hook.invoke(gmo, clock);
    }

    @Test
    void pollingPassLooksOnlyAtOpenPaymentsAndAuthorizations() throws Exception {
        List<String> settled = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(5);
        try {
            List<Future<KessaiInstance.Answer>> answers = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                answers.add(pool.submit(() -> kessai.post("/payments", Orders.json(Orders.gmoCard("tok_visa")))));
            }
            for (Future<KessaiInstance.Answer> a : answers) {
                assertThat(a.get().text("status")).isEqualTo("captured");
                settled.add(a.get().text("paymentId"));
            }
        } finally {
            pool.shutdownNow();
        }
        var open = kessai.post("/payments", Orders.json(Orders.gmoCard("tok_tds")));
        assertThat(open.text("status")).isEqualTo("requires_action");
        var authorized = kessai.post("/payments", Orders.json(Orders.manual(Orders.gmoCard("tok_visa"))));
        assertThat(authorized.text("status")).isEqualTo("authorized");

        List<PaymentStore.DueCheck> due = kessai.store().dueChecks(OffsetDateTime.now(ZoneOffset.UTC).plusYears(100), 1000);
        assertThat(due).extracting(PaymentStore.DueCheck::paymentId)
                .contains(open.text("paymentId"), authorized.text("paymentId"))
                .doesNotContainAnyElementsOf(settled);
        assertThat(due).extracting(d -> kessai.store().find(d.paymentId()).orElseThrow().status().wire())
                .allMatch(OPEN::contains);
        try (Connection c = kessai.store().database().dataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM payments WHERE next_check_at IS NOT NULL"
                     + " AND status NOT IN ('pending', 'requires_action', 'authorized')");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            assertThat(rs.getInt(1)).as("settled payments with a next check").isZero();
        }
    }
}
