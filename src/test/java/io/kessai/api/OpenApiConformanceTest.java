package io.kessai.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.model.ErrorCode;
import io.kessai.support.HttpRecorder;
import io.kessai.support.HttpRecorder.Recorded;
import io.kessai.support.KessaiInstance;
import io.kessai.support.KessaiInstance.Answer;
import io.kessai.support.OpenApiContract;
import io.kessai.support.Orders;
import io.kessai.support.RawHttp;
import io.kessai.support.TestDatabases;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 13 item 4: Kessai's API description (docs/openapi.yaml, served at GET /openapi.yaml) cannot drift from what
 * Kessai does. A broad run of real requests through the test clients the suite uses ({@link KessaiInstance},
 * {@link RawHttp}), recording each request and answer, covers every path of the document and every problem shape a
 * test can provoke; each exchange is then validated against the document with its own schemas: an undocumented
 * status, content type, header, member or value fails, and so does a request Kessai accepted that the document
 * would not allow.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenApiConformanceTest {
    private static final int MAX_BODY = 8 * 1024;
    private static final int MAX_REQUEST_LINE = 2048;
    private static final int MAX_HEADERS = 4096;

    private final OpenApiContract contract = OpenApiContract.load();
    private KessaiInstance kessai;
    private HttpRecorder recorder;
    private RawHttp raw;

    @BeforeAll
    void start() {
        kessai = KessaiInstance.start(TestDatabases.h2(), Map.of(
                "kessai.http.max-body-bytes", String.valueOf(MAX_BODY),
                "kessai.webhooks.max-body-bytes", String.valueOf(MAX_BODY),
                "kessai.http.max-request-line-bytes", String.valueOf(MAX_REQUEST_LINE),
                "kessai.http.max-header-bytes", String.valueOf(MAX_HEADERS)));
        recorder = kessai.record();
        raw = RawHttp.to(kessai);
    }

    @AfterAll
    void stop() {
        if (kessai != null) {
            kessai.close();
        }
    }

    @Test
    void everyRequestAndAnswerOfABroadRunIsWhatTheDocumentSays() {
        paymentsAndReplays();
        operationsOnPayments();
        refusalsByProviders();
        redirectsAndCallbacks();
        badRequestsAtTheDoor();
        webhooks();
        Answer doc = kessai.get("/openapi.yaml");
        assertThat(doc.status()).isEqualTo(200);

        List<Recorded> recorded = recorder.recorded();
        assertConforms(recorded);

        // The run covered every operation of the document, and every status but Kessai's own failures (500) and
        // those of a misconfigured or overloaded provider (502, 503: provokedByAMisconfiguredProvider below).
        Set<String> covered = recorded.stream().map(r -> operationOf(r) + " " + r.status()).collect(Collectors.toSet());
        assertThat(recorded.stream().map(this::operationOf).collect(Collectors.toSet()))
                .as("every operation of the document was called").containsAll(operations());
        assertThat(covered).contains("POST /payments 201", "POST /payments 200", "POST /payments 400",
                "POST /payments 402", "POST /payments 409", "POST /payments 413", "POST /payments 415",
                "POST /payments 422", "POST /payments 502", "POST /payments 504", "GET /payments 200", "GET /payments 400",
                "GET /payments 404", "GET /payments/{paymentId} 200", "GET /payments/{paymentId} 404",
                "GET /payments/{paymentId} 414", "GET /payments/{paymentId} 431",
                "POST /payments/{paymentId}/capture 200", "POST /payments/{paymentId}/capture 409",
                "POST /payments/{paymentId}/capture 422", "POST /payments/{paymentId}/cancel 200",
                "POST /payments/{paymentId}/cancel 400", "POST /payments/{paymentId}/refund 200",
                "POST /payments/{paymentId}/refund 409", "POST /payments/{paymentId}/refund 415",
                "POST /webhooks/{provider} 200", "POST /webhooks/{provider} 400", "POST /webhooks/{provider} 401",
                "POST /webhooks/{provider} 404", "POST /webhooks/{provider} 413", "POST /webhooks/{provider} 415",
                "GET /callbacks/{provider} 302", "GET /callbacks/{provider} 404", "GET /openapi.yaml 200",
                "DELETE /payments 405", "GET (no path) 404");
    }

    @Test
    void provokedByAMisconfiguredProvider() {
        // GMO refuses Kessai's shop password (502 provider_auth_failed); PAY.JP over its rate without retries (503).
        try (KessaiInstance wrong = KessaiInstance.start(TestDatabases.h2(), Map.of(
                "kessai.providers.gmo-pg.shop-pass", "not-the-password",
                "kessai.sandbox.gmo-pg.shop-pass", "the-password",
                "kessai.providers.enabled", "gmo-pg,payjp",
                "kessai.sandbox.payjp.rate-per-second", "0.001",
                "kessai.sandbox.payjp.rate-burst", "1",
                "kessai.providers.payjp.retry.max-redeliveries", "0"))) {
            HttpRecorder recorded = wrong.record();
            Answer refused = wrong.post("/payments", Orders.gmoCard("tok_visa").toString());
            assertThat(refused.status()).as(refused.body()).isEqualTo(502);
            assertThat(refused.text("title")).isEqualTo("provider_auth_failed");
            List<Answer> payjp = new ArrayList<>();
            for (int i = 0; i < 4 && payjp.stream().noneMatch(a -> a.status() == 503); i++) {
                payjp.add(wrong.post("/payments", Orders.payjpCard(token()).toString()));
            }
            assertThat(payjp).as("PAY.JP over its rate").anyMatch(a -> a.status() == 503
                    && "provider_unavailable".equals(a.text("title")));
            assertConforms(recorded.recorded());
        }
    }

    @Test
    void theServedDocumentIsDocsOpenApiYamlAsApplicationYaml() throws Exception {
        Answer served = kessai.get("/openapi.yaml");
        assertThat(served.status()).isEqualTo(200);
        assertThat(served.contentType()).startsWith("application/yaml");
        assertThat(served.body()).isEqualTo(Files.readString(Path.of("docs/openapi.yaml"), StandardCharsets.UTF_8));
        assertThat(contract.document().path("openapi").asText()).isEqualTo("3.1.0");
    }

    @Test
    void everyErrorCodeOfTheContractIsDocumentedWithItsStatus() {
        Map<String, Set<Integer>> codes = new LinkedHashMap<>();
        for (ErrorCode code : ErrorCode.values()) {
            codes.put(code.wire(), Set.of(code.httpStatus()));
        }
        // contract section 5, the transport and webhook titles
        codes.put("unauthorized", Set.of(401));
        codes.put("method_not_allowed", Set.of(405));
        codes.put("payload_too_large", Set.of(413, 414, 431));
        codes.put("unsupported_media_type", Set.of(415));
        codes.put("store_unavailable", Set.of(503));

        JsonNode doc = contract.document();
        Set<String> enumerated = new HashSet<>();
        doc.at("/components/schemas/ErrorCode/enum").forEach(n -> enumerated.add(n.asText()));
        doc.at("/components/schemas/TransportErrorCode/enum").forEach(n -> enumerated.add(n.asText()));
        assertThat(enumerated).as("the document's title enums are the contract's codes").isEqualTo(codes.keySet());

        // Each code is the title of a response the document gives with the contract's status.
        Map<String, Set<Integer>> documented = new LinkedHashMap<>();
        doc.path("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(op ->
                op.getValue().path("responses").fields().forEachRemaining(response -> {
                    for (String title : titles(response.getValue())) {
                        documented.computeIfAbsent(title, t -> new TreeSet<>()).add(Integer.parseInt(response.getKey()));
                    }
                })));
        titles(doc.at("/components/responses/MethodNotAllowed")).forEach(t ->
                documented.computeIfAbsent(t, x -> new TreeSet<>()).add(405));
        codes.forEach((code, statuses) -> assertThat(documented.getOrDefault(code, Set.of()))
                .as("statuses at which the document answers %s", code).containsAll(statuses));
        documented.forEach((code, statuses) -> assertThat(codes.get(code))
                .as("the contract's statuses of %s (the document answers it with %s)", code, statuses)
                .isNotNull().containsAll(statuses));
    }

    // ------------------------------------------------------------------ the run

    private String paymentId;

    private void paymentsAndReplays() {
        ObjectNode order = Orders.gmoCard("tok_visa");
        Answer created = kessai.post("/payments", order.toString(), "oa-key-" + order.get("orderId").asText());
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        paymentId = created.text("paymentId");
        Answer replay = kessai.post("/payments", order.toString(), "oa-key-" + order.get("orderId").asText());
        assertThat(replay.status()).isEqualTo(200);
        Answer conflict = kessai.post("/payments", order.put("amount", "1001").toString(),
                "oa-key-" + order.get("orderId").asText());
        assertThat(conflict.status()).isEqualTo(409);
        assertThat(kessai.get("/payments/" + paymentId).status()).isEqualTo(200);
        assertThat(kessai.get("/payments?orderId=" + created.text("orderId")).status()).isEqualTo(200);
        assertThat(kessai.get("/payments?orderId=ORD-none").status()).isEqualTo(404);
        assertThat(kessai.get("/payments").status()).isEqualTo(400);
        assertThat(kessai.get("/payments/pay_01AAAAAAAAAAAAAAAAAAAAAAAA").status()).isEqualTo(404);
        // every member a PaymentOrder may carry
        ObjectNode full = Orders.manual(Orders.payjpCard(token()));
        full.putObject("billingAddress").put("name", "Taro Yamada").put("line1", "1-2-3 Shinjuku").putNull("line2")
                .put("city", "Shinjuku-ku").put("state", "Tokyo").put("postalCode", "1600022").put("country", "JP");
        full.putNull("shippingAddress");
        full.putArray("items").addObject().put("name", "Digital Product").put("quantity", 1).put("unitPrice", "1000")
                .put("type", "DIGITAL");
        assertThat(kessai.post("/payments", full.toString()).status()).isEqualTo(201);
        // a konbini payment waits for the customer (pay_offline); a scheduled capture there is unsupported
        assertThat(kessai.post("/payments", Orders.japanPayment("JPY", "1000", "konbini", "LAWSON").toString())
                .text("status")).isEqualTo("requires_action");
        ObjectNode scheduled = Orders.japanPayment("JPY", "1000", "konbini", "LAWSON");
        scheduled.putObject("capture").put("mode", "manual");
        assertThat(kessai.post("/payments", scheduled.toString()).status()).isEqualTo(422);
        // no answer in time: 504 (the payment stays pending until the janitor learns the outcome)
        Answer slow = kessai.post("/payments", Orders.gmoCard("tok_slow").toString());
        assertThat(slow.status()).as(slow.body()).isEqualTo(504);
    }

    private void operationsOnPayments() {
        // GMO: capture (with a key, and its replay), a second capture, a partial refund GMO does not offer, refund
        String gmo = kessai.post("/payments", Orders.manual(Orders.gmoCard("tok_visa")).toString()).text("paymentId");
        assertThat(post("/payments/" + gmo + "/capture", null, "cap-" + gmo).status()).isEqualTo(200);
        assertThat(post("/payments/" + gmo + "/capture", null, "cap-" + gmo).status()).isEqualTo(200);
        assertThat(post("/payments/" + gmo + "/capture", null, null).status()).isEqualTo(409);
        assertThat(post("/payments/" + gmo + "/refund", "{\"amount\":\"100\"}", null).status()).isEqualTo(422);
        assertThat(post("/payments/" + gmo + "/refund", null, null).status()).isEqualTo(200);
        assertThat(post("/payments/" + gmo + "/refund", null, null).status()).isEqualTo(409);
        // partial capture unsupported at GMO; cancel takes no amount; cancel voids
        String auth = kessai.post("/payments", Orders.manual(Orders.gmoCard("tok_visa")).toString()).text("paymentId");
        assertThat(post("/payments/" + auth + "/capture", "{\"amount\":\"10\"}", null).status()).isEqualTo(422);
        assertThat(post("/payments/" + auth + "/cancel", "{\"amount\":\"10\"}", null).status()).isEqualTo(400);
        assertThat(post("/payments/" + auth + "/cancel", null, null).status()).isEqualTo(200);
        // PAY.JP: partial capture and partial refund
        String pj = kessai.post("/payments", Orders.manual(Orders.payjpCard(token())).toString()).text("paymentId");
        assertThat(post("/payments/" + pj + "/capture", "{\"amount\":\"600\"}", null).status()).isEqualTo(200);
        Answer partial = post("/payments/" + pj + "/refund", "{\"amount\":\"100\"}", "ref-" + pj);
        assertThat(partial.status()).as(partial.body()).isEqualTo(200);
        assertThat(post("/payments/" + pj + "/refund", "{\"amount\":\"200\"}", "ref-" + pj).status()).isEqualTo(409);
        assertThat(raw.post("/payments/" + pj + "/refund", "text/plain", "100".getBytes(StandardCharsets.UTF_8))
                .status()).isEqualTo(415);
        assertThat(post("/payments/pay_01AAAAAAAAAAAAAAAAAAAAAAAA/capture", null, null).status()).isEqualTo(404);
    }

    private void refusalsByProviders() {
        for (String token : List.of("tok_decline", "tok_insufficient", "tok_limit")) {
            Answer refused = kessai.post("/payments", Orders.gmoCard(token).toString());
            assertThat(refused.status()).as(refused.body()).isEqualTo(402);
        }
        assertThat(kessai.post("/payments", Orders.payjpCard("tok_declined_" + token()).toString()).status()).isEqualTo(402);
        // PAY.JP refuses a token used before: 502 provider_error, nothing happened
        String used = token();
        assertThat(kessai.post("/payments", Orders.payjpCard(used).toString()).status()).isEqualTo(201);
        assertThat(kessai.post("/payments", Orders.payjpCard(used).toString()).status()).isEqualTo(502);
    }

    private void redirectsAndCallbacks() {
        Answer tds = kessai.post("/payments", Orders.gmoCard("tok_tds").toString());
        assertThat(tds.text("status")).isEqualTo("requires_action");
        Answer acs = kessai.get(tds.json().path("nextAction").path("url").asText() + "?result=success");
        assertThat(acs.status()).isEqualTo(302);
        Answer callback = kessai.get(acs.location());
        assertThat(callback.status()).as(callback.body()).isEqualTo(302);
        assertThat(kessai.get("/callbacks/nope").status()).isEqualTo(404);
        assertThat(kessai.get("/callbacks/gmo-pg?p=not-base64-json").status()).isBetween(400, 401);
        // ITO-Japan hosted checkout: requires_action with a redirect
        ObjectNode hosted = Orders.gmoCard("unused");
        hosted.putObject("method").put("type", "hosted_checkout");
        hosted.put("currency", "USD").put("amount", "10.50");
        assertThat(kessai.post("/payments", hosted.toString()).status()).isBetween(201, 201);
    }

    private void badRequestsAtTheDoor() {
        ObjectNode invalid = Orders.gmoCard("tok_visa").put("orderId", "ORD 1").put("amount", 1000);
        ((ObjectNode) invalid.get("customer")).remove("name");
        assertThat(kessai.post("/payments", invalid.toString()).status()).isEqualTo(400);
        assertThat(kessai.post("/payments", "{\"orderId\":").status()).isEqualTo(400);
        assertThat(kessai.post("/payments", "{} {}").status()).isEqualTo(400);
        assertThat(kessai.post("/payments", Orders.gmoCard("tok_visa").toString(), "not a key!").status()).isEqualTo(400);
        byte[] order = Orders.gmoCard("tok_visa").toString().getBytes(StandardCharsets.UTF_8);
        assertThat(raw.post("/payments", null, order).status()).isEqualTo(415);
        assertThat(raw.post("/payments", "text/plain", order).status()).isEqualTo(415);
        assertThat(raw.post("/payments", "application/json", Orders.gmoCard("tok_visa").toString()
                .getBytes(StandardCharsets.UTF_16)).status()).isEqualTo(415);
        assertThat(raw.post("/payments", "application/json", new byte[MAX_BODY + 100]).status()).isEqualTo(413);
        assertThat(raw.send("GET", "/payments/" + "x".repeat(MAX_REQUEST_LINE), Map.of(), null).status()).isEqualTo(414);
        assertThat(raw.send("GET", "/payments/pay_x", Map.of("X-Big", "y".repeat(MAX_HEADERS)), null).status())
                .isEqualTo(431);
        assertThat(raw.send("DELETE", "/payments", Map.of(), null).status()).isEqualTo(405);
        assertThat(raw.send("PUT", "/payments/pay_x/capture", Map.of(), null).status()).isEqualTo(405);
        assertThat(raw.send("POST", "/openapi.yaml", Map.of("Content-Length", "0"), null).status()).isEqualTo(405);
        assertThat(kessai.get("/nope").status()).isEqualTo(404);
    }

    private void webhooks() {
        ObjectNode konbini = Orders.gmoCard("unused");
        konbini.putObject("method").put("type", "konbini").put("brand", "LAWSON");
        konbini.put("provider", "gmo-pg");
        Answer created = kessai.post("/payments", konbini.toString());
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String accessId = created.json().path("providerRef").path("id").asText();
        String csrf = kessai.store().find(created.text("paymentId")).orElseThrow().csrfToken();
        String paid = "{\"accessId\":\"" + accessId + "\",\"event\":\"CASH_PAID\",\"csrfToken\":\"" + csrf + "\"}";
        assertThat(kessai.webhook("gmo-pg", paid).status()).isEqualTo(200);
        assertThat(kessai.webhook("gmo-pg", paid).status()).isEqualTo(200);
        assertThat(kessai.webhook("gmo-pg", paid.replace(csrf, "not-the-token")).status()).isEqualTo(401);
        assertThat(kessai.webhook("gmo-pg", "{\"accessId\":").status()).isEqualTo(400);
        assertThat(kessai.webhook("nope", paid).status()).isEqualTo(404);
        assertThat(raw.post("/webhooks/gmo-pg", "text/plain", paid.getBytes(StandardCharsets.UTF_8)).status())
                .isEqualTo(415);
        assertThat(raw.post("/webhooks/gmo-pg", "application/json", new byte[MAX_BODY + 1]).status()).isEqualTo(413);
        Answer payjp = kessai.send(HttpRequest.newBuilder(URI.create(kessai.baseUrl() + "/webhooks/payjp"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .header("X-Payjp-Webhook-Token", "whook_wrong")
                .POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"evnt_1\",\"type\":\"charge.succeeded\"}")).build());
        assertThat(payjp.status()).isEqualTo(401);
    }

    // ------------------------------------------------------------------ helpers

    /** A fresh PAY.JP test token (PAY.JP refuses a token used before: token_already_used). */
    private static String token() {
        return "tok_visa_" + java.util.UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    private Answer post(String path, String json, String key) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(kessai.baseUrl() + path)).timeout(Duration.ofSeconds(30));
        if (json != null) {
            b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        } else {
            b.POST(HttpRequest.BodyPublishers.noBody());
        }
        if (key != null) {
            b.header("Idempotency-Key", key);
        }
        return kessai.send(b.build());
    }

    private void assertConforms(List<Recorded> recorded) {
        assertThat(recorded).as("recorded exchanges").isNotEmpty();
        List<String> violations = new ArrayList<>();
        for (Recorded r : recorded) {
            List<String> v = contract.violations(r);
            if (!v.isEmpty()) {
                violations.add(r + "\n    " + String.join("\n    ", v));
            }
        }
        assertThat(violations).as("exchanges that break docs/openapi.yaml").isEmpty();
    }

    /** "METHOD /template" of the document's operation for this exchange, or "METHOD (no path)". */
    private String operationOf(Recorded r) {
        JsonNode paths = contract.document().path("paths");
        Iterator<String> keys = paths.fieldNames();
        String best = null;
        while (keys.hasNext()) {
            String key = keys.next();
            if (r.path().matches(key.replaceAll("\\{[^/]+}", "[^/]+")) && (best == null || !key.contains("{"))) {
                best = key;
            }
        }
        return r.method() + " " + (best == null ? "(no path)" : best);
    }

    private Set<String> operations() {
        Set<String> ops = new TreeSet<>();
        contract.document().path("paths").fields().forEachRemaining(p -> p.getValue().fieldNames().forEachRemaining(m -> {
            if (!m.equals("parameters")) {
                ops.add(m.toUpperCase() + " " + p.getKey());
            }
        }));
        return ops;
    }

    /** The titles a response allows (its problem schema's title const or enum), following $ref. */
    private Set<String> titles(JsonNode response) {
        JsonNode doc = contract.document();
        while (response.has("$ref")) {
            response = doc.at(response.get("$ref").asText().substring(1));
        }
        Set<String> titles = new TreeSet<>();
        JsonNode schema = response.at("/content/application~1problem+json/schema");
        for (JsonNode part : schema.path("allOf")) {
            JsonNode title = part.at("/properties/title");
            if (title.has("const")) {
                titles.add(title.get("const").asText());
            }
            title.path("enum").forEach(t -> titles.add(t.asText()));
        }
        return titles;
    }
}
