package io.kessai.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.support.KessaiInstance;
import io.kessai.support.KessaiInstance.Answer;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Property-based fuzzing of the doors providers and browsers use (contract sections 2 and 6): {@code POST
 * /webhooks/gmo-pg}, {@code POST /webhooks/japan-payment}, a webhook for a provider Kessai does not have, and the
 * 3-D Secure return {@code GET /callbacks/gmo-pg?p=...}. Forged, mangled and random input is refused with a 4xx
 * problem, never a 5xx; no notification is stored, no payment changes, no event is written and no provider is
 * called. The junk aims at real payments: it carries their accessIds and orderNos, only never their secrets.
 */
class WebhookAndCallbackFuzzTest {
    private static KessaiInstance kessai;
    /** The fixture payments: an authorization, a captured charge, a 3-D Secure charge waiting, a konbini payment, a Japan Payment collection. */
    private static final Map<String, String> PAYMENTS = new LinkedHashMap<>();
    private static final List<String> ACCESS_IDS = new ArrayList<>();
    private static final Map<String, String> CSRF_BY_ACCESS_ID = new LinkedHashMap<>();
    private static String japanOrderId;
    private static String japanOrderNo;
    private static Snapshot before;

    @BeforeContainer
    static void start() {
        kessai = KessaiInstance.start(TestDatabases.h2(), Map.of(
                // the fixture's open payments are not polled: every upstream request would be the fuzzer's doing
                "kessai.janitor.schedule", "1h",
                "kessai.providers.gmo-pg.response-timeout-ms", "20000"));
        gmo("authorized", Orders.manual(Orders.gmoCard("tok_visa")));
        gmo("captured", Orders.gmoCard("tok_visa"));
        gmo("requires_action", Orders.gmoCard("tok_tds"));
        ObjectNode konbini = Orders.gmoCard("unused");
        konbini.putObject("method").put("type", "konbini").put("brand", "LAWSON");
        konbini.put("provider", "gmo-pg");
        gmo("requires_action", konbini);
        ObjectNode collection = Orders.japanPayment("JPY", "1000", "konbini", "LAWSON");
        Answer created = kessai.post("/payments", collection.toString());
        assertThat(created.text("status")).as(created.body()).isEqualTo("requires_action");
        PAYMENTS.put(created.text("paymentId"), "requires_action");
        japanOrderId = created.text("orderId");
        japanOrderNo = created.json().path("providerRef").path("id").asText();
        before = Snapshot.take();
    }

    private static void gmo(String expected, ObjectNode order) {
        Answer created = kessai.post("/payments", order.toString());
        assertThat(created.text("status")).as(created.body()).isEqualTo(expected);
        String id = created.text("paymentId");
        String accessId = created.json().path("providerRef").path("id").asText();
        PAYMENTS.put(id, expected);
        ACCESS_IDS.add(accessId);
        CSRF_BY_ACCESS_ID.put(accessId, kessai.store().find(id).orElseThrow().csrfToken());
    }

    @AfterContainer
    static void stop() {
        if (kessai != null) {
            kessai.close();
        }
    }

    // ------------------------------------------------------------------ properties

    @Property(tries = 120, shrinking = ShrinkingMode.BOUNDED, edgeCases = EdgeCasesMode.NONE)
    void forgedOrMangledGmoWebhookIsRefusedAndChangesNothing(@ForAll("gmoWebhookBodies") byte[] body) {
        Answer answer = post("/webhooks/gmo-pg", body);
        assertRefused(answer, body, 400, 401, 413, 415);
    }

    @Property(tries = 80, shrinking = ShrinkingMode.BOUNDED, edgeCases = EdgeCasesMode.NONE)
    void forgedOrMangledJapanPaymentWebhookIsRefusedAndChangesNothing(@ForAll("japanPaymentWebhookBodies") byte[] body) {
        Answer answer = post("/webhooks/japan-payment", body);
        assertRefused(answer, body, 400, 401, 413, 415);
    }

    @Property(tries = 40, shrinking = ShrinkingMode.BOUNDED, edgeCases = EdgeCasesMode.NONE)
    void webhookForAProviderKessaiDoesNotHaveIsNotFound(@ForAll("unknownProviders") String provider,
                                                         @ForAll("gmoWebhookBodies") byte[] body) {
        Answer answer = post("/webhooks/" + provider, body);
        assertRefused(answer, body, 404, 413, 415);
    }

    @Property(tries = 120, shrinking = ShrinkingMode.BOUNDED, edgeCases = EdgeCasesMode.NONE)
    void forgedOrMangledBrowserReturnIsRefusedAndChangesNothing(@ForAll("callbackParameters") String p) {
        Answer answer = kessai.get("/callbacks/gmo-pg?p=" + URLEncoder.encode(p, StandardCharsets.UTF_8));
        assertRefusedWith(answer, p.getBytes(StandardCharsets.UTF_8), true, 400, 404);
    }

    @Property(tries = 30, shrinking = ShrinkingMode.BOUNDED, edgeCases = EdgeCasesMode.NONE)
    void browserReturnWithStrangeQueryIsRefusedAndChangesNothing(@ForAll("rawQueries") String query) {
        Answer answer = kessai.send(HttpRequest.newBuilder(URI.create(kessai.baseUrl() + "/callbacks/gmo-pg" + query))
                .timeout(Duration.ofSeconds(30)).GET().build());
        assertRefusedWith(answer, query.getBytes(StandardCharsets.UTF_8), true, 400, 404);
    }

    // ------------------------------------------------------------------ checks

    private static Answer post(String path, byte[] body) {
        return kessai.send(HttpRequest.newBuilder(URI.create(kessai.baseUrl() + path))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    /** A webhook's refusal: a problem whose title the provider acts on (contract section 6). */
    private static void assertRefused(Answer answer, byte[] input, Integer... statuses) {
        assertRefusedWith(answer, input, false, statuses);
    }

    /**
     * A 4xx problem and nothing changed. {@code namesFields}: a 400 must list what is wrong in {@code errors} (the
     * browser return; webhook refusals carry a detail only).
     */
    private static void assertRefusedWith(Answer answer, byte[] input, boolean namesFields, Integer... statuses) {
        String sent = PaymentOrderFuzzTest.abbreviated(new String(input, StandardCharsets.UTF_8));
        assertThat(answer.status()).as("answer to %s: %s", sent, PaymentOrderFuzzTest.abbreviated(answer.body()))
                .isLessThan(500).isIn((Object[]) statuses);
        if (namesFields) {
            PaymentOrderFuzzTest.assertProblem(answer);
        } else {
            assertThat(answer.contentType()).as("content type of %s", answer.body()).startsWith("application/problem+json");
            JsonNode problem = answer.json();
            assertThat(problem.path("status").asInt()).isEqualTo(answer.status());
            assertThat(problem.path("title").asText()).isIn("invalid_request", "unauthorized", "not_found",
                    "payload_too_large", "unsupported_media_type");
            assertThat(problem.path("detail").asText()).isNotBlank();
        }
        assertThat(Snapshot.take()).as("payments, notifications, events and upstream calls after %s", sent)
                .isEqualTo(before);
    }

    /** What the fuzzer must not change: each fixture payment, the inbox, the outbox, the providers' traffic. */
    record Snapshot(Map<String, String> payments, int gmoInbox, int japanInbox, int gmoRequests, int japanRequests) {
        static Snapshot take() {
            Map<String, String> payments = new LinkedHashMap<>();
            for (String id : PAYMENTS.keySet()) {
                payments.put(id, kessai.store().find(id).orElseThrow().status().wire()
                        + " transitions=" + kessai.store().transitions(id).size()
                        + " events=" + kessai.outbox().events(id).size());
            }
            return new Snapshot(payments, kessai.inbox().count("gmo-pg"), kessai.inbox().count("japan-payment"),
                    kessai.gmoSandbox().requests().size(), kessai.japanPaymentSandbox().requests().size());
        }
    }

    // ------------------------------------------------------------------ generators

    /** A csrfToken that is not the one of the accessId it goes with. */
    private static Arbitrary<String> wrongCsrf(String accessId, Arbitrary<String> strange) {
        String real = CSRF_BY_ACCESS_ID.get(accessId);
        return Arbitraries.oneOf(
                Arbitraries.create(() -> UUID.randomUUID().toString()),
                Arbitraries.of(CSRF_BY_ACCESS_ID.values().stream().filter(c -> !c.equals(real)).toList()),
                Arbitraries.of(real.toUpperCase(), " " + real, real + " ", real.substring(1), real + "0", real + "\u0000",
                        real.replace('-', '_'), real.substring(0, real.length() - 1) + (real.endsWith("a") ? "b" : "a")),
                strange).filter(c -> !c.equals(real));
    }

    private static Arbitrary<ObjectNode> gmoNotices(Arbitrary<String> strange) {
        Arbitrary<String> accessIds = Arbitraries.oneOf(Arbitraries.of(ACCESS_IDS),
                Arbitraries.strings().withCharRange('a', 'f').numeric().ofLength(32), strange);
        Arbitrary<String> events = Arbitraries.oneOf(Arbitraries.of("CASH_PAID", "TDS_FINISHED", "TDS_CHARGE_FINISHED",
                "CASH_EXPIRED", ""), strange);
        return Combinators.combine(accessIds, events).flatAs((accessId, event) -> {
            Arbitrary<String> csrf = CSRF_BY_ACCESS_ID.containsKey(accessId) ? wrongCsrf(accessId, strange)
                    : Arbitraries.oneOf(Arbitraries.of(List.copyOf(CSRF_BY_ACCESS_ID.values())), strange);
            return csrf.map(c -> {
                ObjectNode notice = JsonJunk.JSON.createObjectNode().put("accessId", accessId).put("event", event)
                        .put("csrfToken", c);
                return notice;
            });
        });
    }

    @Provide
    Arbitrary<byte[]> gmoWebhookBodies() {
        Arbitrary<ObjectNode> notices = gmoNotices(JsonJunk.strangeStrings());
        Arbitrary<ObjectNode> mutated = notices.flatMap(n -> Combinators.combine(
                Arbitraries.of("accessId", "event", "csrfToken", "extra", "accessId.x"), JsonJunk.anyValue(),
                Arbitraries.of("set", "remove")).as((path, value, kind) -> {
                    ObjectNode copy = n.deepCopy();
                    new JsonJunk.Mutation(path, kind, value).applyTo(copy);
                    return copy;
                }));
        return Arbitraries.oneOf(
                notices.map(n -> n.toString().getBytes(StandardCharsets.UTF_8)),
                mutated.map(n -> n.toString().getBytes(StandardCharsets.UTF_8)),
                JsonJunk.anyValue().map(v -> v.toString().getBytes(StandardCharsets.UTF_8)),
                JsonJunk.junkBodies("{\"accessId\":\"" + ACCESS_IDS.get(0) + "\",\"event\":\"CASH_PAID\",\"csrfToken\":\"x\"}"));
    }

    @Provide
    Arbitrary<byte[]> japanPaymentWebhookBodies() {
        Arbitrary<String> signs = Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofSize(256).map(b -> java.util.Base64.getEncoder().encodeToString(b)),
                Arbitraries.of("", "====", "not base64!", "AAAA"),
                JsonJunk.strangeStrings());
        Arbitrary<ObjectNode> notices = Combinators.combine(
                Arbitraries.of(japanOrderId, "ORD-unknown", ""), Arbitraries.of(japanOrderNo, "6099999999999999"),
                Arbitraries.of(2, 3, 1, -1, 0, 99), signs).as((orderId, orderNo, status, sign) -> {
                    ObjectNode n = JsonJunk.JSON.createObjectNode().put("orderId", orderId).put("orderNo", orderNo)
                            .put("amount", "1000.00").put("actualAmount", "1000.00").put("fee", "25.00")
                            .put("status", status).put("payTime", "2026-11-23 10:00:00");
                    n.put("sign", sign);
                    return n;
                });
        Arbitrary<ObjectNode> mutated = notices.flatMap(n -> Combinators.combine(
                Arbitraries.of("orderId", "orderNo", "status", "sign", "amount", "extra"), JsonJunk.anyValue(),
                Arbitraries.of("set", "remove")).as((path, value, kind) -> {
                    ObjectNode copy = n.deepCopy();
                    new JsonJunk.Mutation(path, kind, value).applyTo(copy);
                    return copy;
                }));
        return Arbitraries.oneOf(
                notices.map(n -> n.toString().getBytes(StandardCharsets.UTF_8)),
                mutated.map(n -> n.toString().getBytes(StandardCharsets.UTF_8)),
                JsonJunk.anyValue().map(v -> v.toString().getBytes(StandardCharsets.UTF_8)),
                JsonJunk.junkBodies("{\"orderId\":\"" + japanOrderId + "\",\"orderNo\":\"" + japanOrderNo
                        + "\",\"status\":2,\"sign\":\"AAAA\"}"));
    }

    @Provide
    Arbitrary<String> unknownProviders() {
        return Arbitraries.oneOf(
                Arbitraries.strings().withCharRange('a', 'z').numeric().withChars('-', '_').ofMinLength(1).ofMaxLength(40),
                Arbitraries.of("ito-japan", "GMO-PG", "gmo_pg", "japan-payment-", "gmo-pg2", "payjp2", "payment-options"))
                .filter(id -> io.kessai.provider.ProviderModules.discover().stream().noneMatch(m -> m.id().equals(id)));
    }

    @Provide
    Arbitrary<String> callbackParameters() {
        Arbitrary<JsonNode> params = gmoNotices(JsonJunk.smallStrangeStrings()).flatMap(n -> Arbitraries.oneOf(
                Arbitraries.just((JsonNode) n),
                Combinators.combine(Arbitraries.of("accessId", "event", "csrfToken", "extra"), JsonJunk.anySmallValue(),
                        Arbitraries.of("set", "remove")).as((path, value, kind) -> {
                            ObjectNode copy = n.deepCopy();
                            new JsonJunk.Mutation(path, kind, value).applyTo(copy);
                            return (JsonNode) copy;
                        })));
        // URLs of a size browsers send: an over-long one is the transport's business (414), not the callback's
        return Arbitraries.oneOf(
                params.map(p -> JsonJunk.base64Url(p.toString().getBytes(StandardCharsets.UTF_8))),
                params.map(p -> java.util.Base64.getEncoder().encodeToString(p.toString().getBytes(StandardCharsets.UTF_8))),
                JsonJunk.anySmallValue().map(v -> JsonJunk.base64Url(v.toString().getBytes(StandardCharsets.UTF_8))),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(600).map(JsonJunk::base64Url),
                Arbitraries.strings().all().ofMaxLength(200),
                Arbitraries.of("", " ", "=", "====", "%", "%%", "eyJ", "e30", "W10", "bnVsbA", "eyJhY2Nlc3NJZCI6bnVsbH0"))
                .filter(p -> URLEncoder.encode(p, StandardCharsets.UTF_8).length() < 1500);
    }

    @Provide
    Arbitrary<String> rawQueries() {
        // URLs that an HTTP client can send; over-long ones are the transport's business (414)
        return Arbitraries.of("", "?", "?p", "?p=", "?p=%25", "?q=e30", "?p=e30&p=e30", "?p=e30;p=W10",
                "?p=" + "A".repeat(1200), "?%00=1", "?p=%00", "?p=e30%00", "?p=%F0%9F%98%80", "?p=%C3%28", "?p=%2B%2F%3D");
    }
}
