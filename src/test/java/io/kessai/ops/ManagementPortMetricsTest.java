package io.kessai.ops;

import io.kessai.model.ErrorCode;
import io.kessai.provider.ProviderOperation;
import io.kessai.support.KessaiInstance;
import io.kessai.support.KessaiInstance.Answer;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code GET /observe/metrics} on the management port: after a payment, a retry, a decline, PAY.JP's 429 and a
 * webhook of each verdict, the Prometheus scrape names each of them, with Camel's route metrics beside Kessai's, and
 * no label carries a payment id, an order id, a provider's id or a secret.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ManagementPortMetricsTest {
    private static final String PAYJP_TOKEN_HEADER = "X-Payjp-Webhook-Token";
    private static final Set<String> PROVIDERS = Set.of("gmo-pg", "payjp");
    KessaiInstance kessai;

    @BeforeAll
    void start() {
        kessai = KessaiInstance.start(TestDatabases.h2(), Map.of(
                "kessai.management.enabled", "true",
                "kessai.providers.enabled", String.join(",", PROVIDERS),
                // PAY.JP's sandbox answers 429 over_capacity past one request per second
                "kessai.sandbox.payjp.rate-per-second", "1",
                "kessai.sandbox.payjp.rate-burst", "1",
                "kessai.providers.payjp.retry.max-redeliveries", "1"));
    }

    @AfterAll
    void stop() {
        if (kessai != null) {
            kessai.close();
        }
    }

    @Test
    void theScrapeNamesPaymentsRetriesRateLimitsAndWebhookVerdictsWithoutAnyIdInALabel() {
        List<Answer> answers = new ArrayList<>();
        Answer paid = kessai.post("/payments", Orders.gmoCard("tok_visa").toString());
        assertThat(paid.status()).as(paid.body()).isEqualTo(201);
        answers.add(paid);
        Answer retried = kessai.post("/payments", Orders.gmoCard("tok_flaky_visa").toString());
        assertThat(retried.status()).as("the sandbox's first answer is 502, the retry succeeds: " + retried.body()).isEqualTo(201);
        answers.add(retried);
        Answer declined = kessai.post("/payments", Orders.gmoCard("tok_decline").toString());
        assertThat(declined.status()).as(declined.body()).isEqualTo(402);
        answers.add(declined);
        for (int i = 0; i < 3; i++) {
            answers.add(kessai.post("/payments", Orders.payjpCard("tok_rate_" + i).toString()));
        }
        assertThat(kessai.payjpSandbox().tooManyRequestsAnswered()).as("PAY.JP's sandbox answered 429").isPositive();

        String event = "evnt_" + UUID.randomUUID().toString().replace("-", "");
        String body = "{\"id\":\"" + event + "\",\"type\":\"customer.created\",\"data\":{\"object\":\"customer\",\"id\":\"cus_m1\"}}";
        assertThat(payjpWebhook(body, "whook_sandbox").status()).isEqualTo(200);
        assertThat(payjpWebhook(body, "whook_sandbox").status()).as("a copy").isEqualTo(200);
        assertThat(payjpWebhook(body, "not-the-token").status()).isEqualTo(401);
        assertThat(payjpWebhook("{\"id\":\"" + event + "\"}", "whook_sandbox").status()).as("no type").isEqualTo(400);

        Scrape scrape = await().atMost(Duration.ofSeconds(20)).until(this::scrape,
                s -> s.value("kessai_provider_operations_total", "provider", "gmo-pg", "operation", "charge", "outcome", "ok") >= 2
                        && s.value("kessai_store_reachable") == 1);

        assertThat(scrape.value("kessai_provider_operations_total", "provider", "gmo-pg", "operation", "charge",
                "outcome", "card_declined")).isEqualTo(1);
        assertThat(scrape.find("kessai_provider_operation_seconds_bucket", "provider", "gmo-pg", "operation", "charge"))
                .as("a latency histogram per provider and operation").hasSizeGreaterThan(5);
        assertThat(scrape.value("kessai_upstream_retries_total", "provider", "gmo-pg", "endpoint", "/credit/charge"))
                .isGreaterThanOrEqualTo(1);
        assertThat(scrape.value("kessai_upstream_attempts_total", "provider", "gmo-pg", "endpoint", "/credit/charge",
                "result", "retryable")).isGreaterThanOrEqualTo(1);
        assertThat(scrape.find("kessai_upstream_attempt_seconds_bucket", "provider", "gmo-pg", "endpoint", "/credit/charge"))
                .isNotEmpty();
        assertThat(scrape.value("kessai_upstream_rate_limited_total", "provider", "payjp", "endpoint", "/charges"))
                .isGreaterThanOrEqualTo(1);
        // (the PAY.JP sandbox sends its own charge events too: accepted, and a copy when it sends one again)
        for (String verdict : List.of("accepted", "duplicate")) {
            assertThat(scrape.value("kessai_webhooks_received_total", "provider", "payjp", "verdict", verdict))
                    .as(verdict).isGreaterThanOrEqualTo(1);
        }
        for (String verdict : List.of("forged", "malformed")) {
            assertThat(scrape.value("kessai_webhooks_received_total", "provider", "payjp", "verdict", verdict))
                    .as(verdict).isEqualTo(1);
        }
        assertThat(scrape.value("kessai_upstream_in_flight", "provider", "gmo-pg", "group", "/credit/charge")).isZero();
        assertThat(scrape.value("kessai_upstream_in_flight_limit", "provider", "gmo-pg", "group", "/credit/charge")).isEqualTo(5);
        for (String gauge : List.of("kessai_outbox_lag_seconds", "kessai_outbox_undelivered", "kessai_inbox_pending",
                "kessai_janitor_due", "kessai_captures_due")) {
            assertThat(scrape.value(gauge)).as(gauge).isNotNaN().isGreaterThanOrEqualTo(0);
        }
        for (String state : List.of("started", "unknown", "unresolved")) {
            assertThat(scrape.find("kessai_operations_open", "provider", "gmo-pg", "state", state)).as(state).hasSize(1);
        }
        assertThat(scrape.find("camel_exchanges_total", "routeId", "gmo-pg-charge")).as("Camel's route metrics").isNotEmpty();
        assertThat(scrape.find("jvm_memory_used_bytes")).as("the JVM's").isNotEmpty();

        // No id, key or secret anywhere in the scrape; Kessai's labels take bounded values only.
        List<String> ids = new ArrayList<>(List.of(event, "whook_sandbox", "sandbox-pass", "sk_test_kessai_sandbox"));
        for (Answer a : answers) {
            if (a.body().startsWith("{")) {
                for (String field : List.of("paymentId", "orderId")) {
                    if (a.text(field) != null) {
                        ids.add(a.text(field));
                    }
                }
                a.json().path("providerRef").forEach(v -> ids.add(v.asText()));
            }
        }
        assertThat(ids).hasSizeGreaterThan(8);
        for (String id : ids) {
            assertThat(scrape.text()).as("the scrape holds no %s", id).doesNotContain(id);
        }
        assertThat(scrape.text()).doesNotContain("pay_").doesNotContain("ORD-").doesNotContain("ch_");
        Set<String> operations = Arrays.stream(ProviderOperation.values()).map(ProviderOperation::wire).collect(Collectors.toSet());
        Set<String> outcomes = Arrays.stream(ErrorCode.values()).map(ErrorCode::wire).collect(Collectors.toSet());
        outcomes.add("ok");
        for (Scrape.Sample s : scrape.samples()) {
            if (!s.name().startsWith("kessai_")) {
                continue;
            }
            s.labels().forEach((label, value) -> {
                switch (label) {
                    case "provider" -> assertThat(PROVIDERS).as(s.toString()).contains(value);
                    case "operation" -> assertThat(operations).as(s.toString()).contains(value);
                    case "outcome" -> assertThat(outcomes).as(s.toString()).contains(value);
                    case "endpoint", "group" -> assertThat(value).as(s.toString()).matches("(/([A-Za-z][A-Za-z-]*[0-9]?|\\{id}))+");
                    case "verdict" -> assertThat(KessaiMetrics.VERDICTS).as(s.toString()).contains(value);
                    case "state" -> assertThat(value).as(s.toString()).isIn(s.name().startsWith("kessai_circuit")
                            ? Arrays.stream(io.github.resilience4j.circuitbreaker.CircuitBreaker.State.values())
                                    .map(st -> st.name().toLowerCase(java.util.Locale.ROOT)).toArray()
                            : new Object[] {"started", "unknown", "unresolved"});
                    case "kind" -> assertThat(value).as(s.toString()).isIn("successful", "failed");
                    case "from", "to" -> assertThat(PROVIDERS).as(s.toString()).contains(value);
                    case "method" -> assertThat(value).as(s.toString()).matches("[a-z_]+");
                    case "result" -> assertThat(value).as(s.toString()).isIn("answered", "retryable", "not_sent",
                            "refused", "unknown", "no_answer", "not_processed");
                    case "le" -> assertThat(value).as(s.toString()).matches("[0-9.]+|\\+Inf");
                    default -> throw new AssertionError("unexpected label " + label + " in " + s);
                }
            });
        }
    }

    @Test
    void metersRegisteredOnMicrometersGlobalRegistryShowInTheSameScrape() {
        io.micrometer.core.instrument.Counter counter = io.micrometer.core.instrument.Metrics.globalRegistry
                .counter("ops.test.global.meter", "provider", "gmo-pg");
        try {
            counter.increment(3);
            Scrape scrape = scrape();
            assertThat(scrape.value("ops_test_global_meter_total", "provider", "gmo-pg")).isEqualTo(3);
        } finally {
            io.micrometer.core.instrument.Metrics.globalRegistry.remove(counter);
        }
    }

    @Test
    void upstreamPathsBecomeEndpointLabelsWithEveryIdReplaced() {
        assertThat(KessaiMetrics.endpoint("/credit/charge")).isEqualTo("/credit/charge");
        assertThat(KessaiMetrics.endpoint("/tds2/finalizeCharge")).isEqualTo("/tds2/finalizeCharge");
        assertThat(KessaiMetrics.endpoint("/payment/check-validity")).isEqualTo("/payment/check-validity");
        assertThat(KessaiMetrics.endpoint("/charges/ch_8f2a91c0/capture")).isEqualTo("/charges/{id}/capture");
        assertThat(KessaiMetrics.endpoint("/platform/transfers/pf_tr_1a/transfers?limit=100&offset=0"))
                .isEqualTo("/platform/transfers/{id}/transfers");
        assertThat(KessaiMetrics.endpoint("/order/b3efae40dcf2607ef6e2b603dbf04ab9")).isEqualTo("/order/{id}");
        assertThat(KessaiMetrics.endpoint("/payments/pay_01M83ESAAYFRQWPVPJAS58R2FY")).isEqualTo("/payments/{id}");
        assertThat(KessaiMetrics.endpoint(null)).isEqualTo("/");
    }

    private Scrape scrape() {
        Answer a = kessai.get(kessai.managementUrl() + "/observe/metrics");
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        assertThat(a.contentType()).startsWith("text/plain");
        return Scrape.parse(a.body());
    }

    private Answer payjpWebhook(String body, String token) {
        return kessai.send(HttpRequest.newBuilder(URI.create(kessai.baseUrl() + "/webhooks/payjp"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .header(PAYJP_TOKEN_HEADER, token).POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }
}
