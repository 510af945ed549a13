package io.kessai.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.fuzz.JsonJunk.Mutation;
import io.kessai.sandbox.gmo.GmoSandbox;
import io.kessai.support.KessaiInstance;
import io.kessai.support.KessaiInstance.Answer;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
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
 * Property-based fuzzing of {@code POST /payments} (contract sections 2, 3 and 5): valid orders, mutated field by
 * field (wrong types, missing and unknown fields, huge and strange strings, amounts that are not money, bad
 * currencies, nested nulls, deep nesting), and raw bodies that are not one JSON object. Whatever arrives, Kessai
 * answers a 4xx RFC 9457 problem (a 400 names the fields in {@code errors}) or takes the order; it never answers
 * 5xx, and nothing reaches a provider for an order it refused.
 */
class PaymentOrderFuzzTest {
    private static KessaiInstance kessai;

    @BeforeContainer
    static void start() {
        kessai = KessaiInstance.start(TestDatabases.h2(), Map.of(
                // an order the fuzzer makes valid may carry a test-card word: keep those fast and unambiguous
                "kessai.sandbox.gmo-pg.slow-ms", "50",
                "kessai.providers.gmo-pg.response-timeout-ms", "20000",
                // open payments the fuzzer created are not polled while it counts upstream requests
                "kessai.janitor.schedule", "1h"));
    }

    @AfterContainer
    static void stop() {
        if (kessai != null) {
            kessai.close();
        }
    }

    // ------------------------------------------------------------------ properties

    @Property(tries = 120, shrinking = ShrinkingMode.BOUNDED, edgeCases = EdgeCasesMode.NONE)
    void mutatedOrderIsRefusedWithAProblemOrTakenNeverAServerError(@ForAll("mutatedOrders") MutatedOrder order) {
        String orderId = order.json().path("orderId").isTextual() ? order.json().path("orderId").asText() : null;
        Answer answer = whileCountingUpstream(() -> kessai.post("/payments", order.json().toString()), orderId);
        assertThat(answer.status()).as("answer to %s: %s", order, abbreviated(answer.body()))
                .isIn(200, 201, 400, 402, 404, 409, 413, 415, 422);
    }

    /**
     * Text longer than a stored order can hold, in any text field of any kind of order, with any billing country
     * (GMO bounds Japanese addresses only): refused with the field named, never a store failure.
     */
    @Property(tries = 60, shrinking = ShrinkingMode.BOUNDED, edgeCases = EdgeCasesMode.NONE)
    void hugeTextInAnyFieldIsRefusedNamingTheField(@ForAll("anyKindOfOrder") String kind,
                                                   @ForAll("hugeText") String text,
                                                   @ForAll("countries") String country,
                                                   @ForAll long pick) {
        ObjectNode order = validOrder(kind);
        ((ObjectNode) order.get("billingAddress")).put("country", country);
        order.set("shippingAddress", order.get("billingAddress").deepCopy());
        List<String> textFields = JsonJunk.paths(order).stream()
                .filter(p -> !p.equals("orderId") && textAt(order, p)).toList();
        String path = textFields.get((int) Math.floorMod(pick, (long) textFields.size()));
        new Mutation(path, "set", JsonJunk.JSON.getNodeFactory().textNode(text)).applyTo(order);
        Answer answer = whileCountingUpstream(() -> kessai.post("/payments", order.toString()), order.get("orderId").asText());
        assertThat(answer.status()).as("%s = %s: %s", path, abbreviated(text), abbreviated(answer.body())).isIn(400, 413, 422);
        if (answer.status() == 400) {
            assertThat(answer.json().path("errors")).extracting(e -> e.path("field").asText())
                    .as("%s = %s: %s", path, abbreviated(text), abbreviated(answer.body()))
                    .anyMatch(f -> f.equals(path.replaceAll("\\[(\\d+)]", "[$1]")) || f.isEmpty());
        }
    }

    private static boolean textAt(ObjectNode order, String path) {
        JsonNode node = order;
        for (String part : path.split("\\.")) {
            int bracket = part.indexOf('[');
            node = bracket < 0 ? node.path(part) : node.path(part.substring(0, bracket)).path(
                    Integer.parseInt(part.substring(bracket + 1, part.length() - 1)));
        }
        return node.isTextual();
    }

    @Provide
    Arbitrary<String> anyKindOfOrder() {
        return Arbitraries.of("gmo-card", "gmo-card-manual", "gmo-konbini", "jp-konbini", "jp-ewallet-usd", "gmo-onfile");
    }

    @Provide
    Arbitrary<String> hugeText() {
        return Combinators.combine(Arbitraries.of("x", "山", "😀", "\u0000", "ab-"), Arbitraries.integers().between(66_000, 130_000))
                .as((unit, n) -> unit.repeat(n / unit.length()));
    }

    @Provide
    Arbitrary<String> countries() {
        return Arbitraries.of("JP", "US", "XX");
    }

    @Property(tries = 80, shrinking = ShrinkingMode.BOUNDED, edgeCases = EdgeCasesMode.FIRST)
    void bodyThatIsNotOneJsonObjectIsRefusedWith400(@ForAll("junkBodies") byte[] body) {
        Answer answer = whileCountingUpstream(() -> kessai.send(HttpRequest.newBuilder(URI.create(kessai.baseUrl() + "/payments"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build()), null);
        assertThat(answer.status()).as("answer to %s", abbreviated(new String(body, java.nio.charset.StandardCharsets.UTF_8)))
                .isIn(400, 413, 415);
    }

    @Property(tries = 30, shrinking = ShrinkingMode.BOUNDED, edgeCases = EdgeCasesMode.FIRST)
    void strangeIdempotencyKeyIsRefusedOrHonouredNeverAServerError(@ForAll("idempotencyKeys") String key) {
        ObjectNode order = Orders.gmoCard("tok_visa");
        String orderId = order.get("orderId").asText();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(kessai.baseUrl() + "/payments"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(order.toString()));
        try {
            request.header("Idempotency-Key", key);
        } catch (IllegalArgumentException notAHeaderValue) {
            return;   // the client cannot even send it
        }
        Answer answer = whileCountingUpstream(() -> kessai.send(request.build()), orderId);
        boolean valid = key.matches("[A-Za-z0-9_-]{1,64}");
        if (valid) {
            // the same generated key may come again with another order: that is a conflict, not an error
            assertThat(answer.status()).as("answer for key %s: %s", key, answer.body()).isIn(201, 409);
            if (answer.status() == 409) {
                assertThat(answer.text("title")).isEqualTo("idempotency_conflict");
            }
        } else {
            assertThat(answer.status()).as("answer for key %s: %s", key, answer.body()).isEqualTo(400);
            assertThat(answer.json().path("errors").get(0).path("field").asText()).isEqualTo("Idempotency-Key");
        }
    }

    /**
     * Junk bodies of capture, cancel and refund, on payments in a final state (refunded, canceled): refused or
     * answered with the payment as it is, never a server error, never an upstream call.
     */
    @Property(tries = 40, shrinking = ShrinkingMode.BOUNDED, edgeCases = EdgeCasesMode.NONE)
    void junkOperationBodyIsRefusedOrAnsweredNeverAServerError(@ForAll("operations") String operation,
                                                               @ForAll("finalPayments") String paymentId,
                                                               @ForAll("operationBodies") byte[] body) {
        String before = kessai.get("/payments/" + paymentId).body();
        Answer answer = whileCountingUpstream(() -> kessai.send(HttpRequest.newBuilder(
                        URI.create(kessai.baseUrl() + "/payments/" + paymentId + "/" + operation))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build()), null);
        assertThat(answer.status()).as("%s with %s: %s", operation,
                abbreviated(new String(body, java.nio.charset.StandardCharsets.UTF_8)), abbreviated(answer.body()))
                .isIn(200, 400, 409, 413, 415, 422);
        assertThat(kessai.get("/payments/" + paymentId).body()).as("the payment").isEqualTo(before);
    }

    private static final List<String> FINAL_PAYMENTS = new java.util.ArrayList<>();

    @Provide
    Arbitrary<String> finalPayments() {
        synchronized (FINAL_PAYMENTS) {
            if (FINAL_PAYMENTS.isEmpty()) {
                Answer refunded = kessai.post("/payments", Orders.gmoCard("tok_visa").toString());
                kessai.post("/payments/" + refunded.text("paymentId") + "/refund", null);
                Answer canceled = kessai.post("/payments", Orders.manual(Orders.gmoCard("tok_visa")).toString());
                kessai.post("/payments/" + canceled.text("paymentId") + "/cancel", null);
                assertThat(kessai.get("/payments/" + refunded.text("paymentId")).text("status")).isEqualTo("refunded");
                assertThat(kessai.get("/payments/" + canceled.text("paymentId")).text("status")).isEqualTo("canceled");
                FINAL_PAYMENTS.add(refunded.text("paymentId"));
                FINAL_PAYMENTS.add(canceled.text("paymentId"));
            }
            return Arbitraries.of(List.copyOf(FINAL_PAYMENTS));
        }
    }

    @Provide
    Arbitrary<String> operations() {
        return Arbitraries.of("capture", "cancel", "refund");
    }

    @Provide
    Arbitrary<byte[]> operationBodies() {
        return Arbitraries.oneOf(
                JsonJunk.amounts().map(a -> JsonJunk.JSON.createObjectNode().put("amount", a).toString()),
                JsonJunk.anyValue().map(v -> JsonJunk.JSON.createObjectNode().set("amount", v).toString()),
                JsonJunk.anyValue().map(JsonNode::toString),
                Arbitraries.of("", " ", "{}", "{\"amount\":null}", "{\"amount\":\"1\",\"extra\":1}"))
                .map(s -> s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    // ------------------------------------------------------------------ the checks every answer passes

    /**
     * Sends, then checks the answer's shape and that a refusal called no provider: no new GMO or Japan Payment request
     * except the inquiries the janitor may make, and no charge at GMO for that orderId.
     */
    private static Answer whileCountingUpstream(Supplier<Answer> send, String orderId) {
        GmoSandbox gmo = kessai.gmoSandbox();
        long gmoBefore = upstreamCalls(gmo);
        int japanBefore = kessai.japanPaymentSandbox().requests().size();
        Answer answer = send.get();
        assertThat(answer.status()).as("never a server error: %s", abbreviated(answer.body())).isLessThan(500);
        if (answer.status() >= 400) {
            assertProblem(answer);
            assertThat(upstreamCalls(gmo)).as("GMO requests after refusing %s", abbreviated(answer.body()))
                    .isEqualTo(gmoBefore);
            assertThat(kessai.japanPaymentSandbox().requests()).as("Japan Payment requests").hasSize(japanBefore);
            if (orderId != null) {
                assertThat(gmo.authorizations(orderId)).isZero();
            }
        }
        return answer;
    }

    static void assertProblem(Answer answer) {
        assertThat(answer.contentType()).as("content type of %s", abbreviated(answer.body()))
                .startsWith("application/problem+json");
        JsonNode problem = answer.json();
        assertThat(problem.path("status").asInt()).isEqualTo(answer.status());
        assertThat(problem.path("title").asText()).matches("[a-z_]+");
        assertThat(problem.path("type").asText()).startsWith("https://");
        assertThat(problem.path("errors").isArray()).as("errors of %s", abbreviated(answer.body())).isTrue();
        if (answer.status() == 400) {
            assertThat(problem.path("title").asText()).isEqualTo("invalid_request");
            assertThat(problem.path("errors")).as("a 400 names what is wrong: %s", abbreviated(answer.body())).isNotEmpty();
            for (JsonNode error : problem.path("errors")) {
                assertThat(error.path("field").isTextual()).as("field of %s", error).isTrue();
                assertThat(error.path("code").asText()).as("code of %s", error).matches("[a-z_]+");
                assertThat(error.path("message").asText()).as("message of %s", error).isNotBlank();
            }
        }
    }

    private static long upstreamCalls(GmoSandbox gmo) {
        return gmo.requests().stream().filter(r -> !r.path().equals("/order/inquiry")).count();
    }

    static String abbreviated(String text) {
        return text == null || text.length() <= 600 ? text : text.substring(0, 600) + "...(" + text.length() + " chars)";
    }

    // ------------------------------------------------------------------ generators

    /** A valid order (GMO card, GMO konbini or Japan Payment) with one to four mutations. */
    record MutatedOrder(ObjectNode json, List<Mutation> mutations) {
        @Override
        public String toString() {
            return mutations + " of " + abbreviated(json.toString());
        }
    }

    @Provide
    Arbitrary<MutatedOrder> mutatedOrders() {
        Arbitrary<ObjectNode> bases = Arbitraries.of("gmo-card", "gmo-card-manual", "gmo-konbini", "jp-konbini",
                "jp-ewallet-usd", "gmo-onfile").map(PaymentOrderFuzzTest::validOrder);
        return bases.flatMap(base -> mutation(base).list().ofMinSize(1).ofMaxSize(4).map(mutations -> {
            ObjectNode order = base.deepCopy();
            mutations.forEach(m -> m.applyTo(order));
            return new MutatedOrder(order, mutations);
        }));
    }

    private static Arbitrary<Mutation> mutation(ObjectNode base) {
        List<String> paths = new java.util.ArrayList<>(JsonJunk.paths(base));
        paths.addAll(List.of("provider", "capture.mode", "capture.at", "items", "metadata", "platformFee",
                "billingAddress", "shippingAddress", "description", "customer.userAgent", "method.tokenType",
                "billingAddress.line1", "billingAddress.country", "metadata.cartId", "colour", "method.extra"));
        Arbitrary<String> anyPath = Arbitraries.of(paths);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, anyPath.map(p -> new Mutation(p, "remove", null))),
                net.jqwik.api.Tuple.of(8, Combinators.combine(anyPath, JsonJunk.anyValue())
                        .as((p, v) -> new Mutation(p, "set", v))),
                net.jqwik.api.Tuple.of(4, Combinators.combine(Arbitraries.of("amount", "items[0].unitPrice", "platformFee"),
                        JsonJunk.amounts()).as((p, v) -> new Mutation(p, "set", JsonJunk.JSON.getNodeFactory().textNode(v)))),
                net.jqwik.api.Tuple.of(2, JsonJunk.currencies()
                        .map(v -> new Mutation("currency", "set", JsonJunk.JSON.getNodeFactory().textNode(v)))),
                net.jqwik.api.Tuple.of(4, Combinators.combine(anyPath, JsonJunk.strangeStrings())
                        .as((p, v) -> new Mutation(p, "set", JsonJunk.JSON.getNodeFactory().textNode(v)))),
                net.jqwik.api.Tuple.of(2, Combinators.combine(Arbitraries.of("metadata", "items", "customer", "method",
                        "billingAddress", "returnUrls", "capture"), JsonJunk.anyValue()).as((p, v) -> new Mutation(p, "set", v))),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(21, 200).map(n -> {
                    ObjectNode many = JsonJunk.JSON.createObjectNode();
                    for (int i = 0; i < n; i++) {
                        many.put("k" + i, "v" + i);
                    }
                    return new Mutation("metadata", "set", many);
                })));
    }

    static ObjectNode validOrder(String kind) {
        ObjectNode order = switch (kind) {
            case "gmo-card" -> Orders.gmoCard("tok_visa");
            case "gmo-card-manual" -> Orders.manual(Orders.gmoCard("tok_visa"));
            case "gmo-onfile" -> {
                ObjectNode o = Orders.gmoCard("unused");
                ((ObjectNode) o.get("method")).remove("token");
                ((ObjectNode) o.get("method")).put("memberId", "member-001").put("cardId", "0");
                yield o;
            }
            case "gmo-konbini" -> {
                ObjectNode o = Orders.gmoCard("unused");
                o.putObject("method").put("type", "konbini").put("brand", "LAWSON");
                o.put("provider", "gmo-pg");
                yield o;
            }
            case "jp-konbini" -> Orders.japanPayment("JPY", "1000", "konbini", "FAMILYMART");
            case "jp-ewallet-usd" -> Orders.japanPayment("USD", "4.99", "ewallet", "AU_PAY");
            default -> throw new IllegalArgumentException(kind);
        };
        order.putArray("items").addObject().put("name", "Digital Product").put("quantity", 1)
                .put("unitPrice", order.get("amount").asText()).put("type", "DIGITAL");
        order.putObject("billingAddress").put("name", "山田 太郎").put("line1", "1-2-3 Shinjuku").put("city", "Shinjuku-ku")
                .put("state", "Tokyo").put("postalCode", "1600022").put("country", "JP");
        order.putObject("metadata").put("cartId", "c-77");
        order.put("description", "Digital Product");
        return order;
    }

    @Provide
    Arbitrary<byte[]> junkBodies() {
        return JsonJunk.junkBodies(validOrder("gmo-card").toString());
    }

    @Provide
    Arbitrary<String> idempotencyKeys() {
        return Arbitraries.oneOf(
                Arbitraries.strings().withCharRange('a', 'z').numeric().withChars('-', '_').ofMinLength(1).ofMaxLength(64),
                Arbitraries.strings().withCharRange('a', 'z').ofMinLength(65).ofMaxLength(300),
                Arbitraries.strings().ascii().ofMinLength(1).ofMaxLength(80),
                Arbitraries.strings().withCharRange('\u3000', '\u30ff').ofMinLength(1).ofMaxLength(10),
                Arbitraries.of(" ", "key with space", "k\u0000", "../x", "k;k", "ｋｅｙ"));
    }
}
