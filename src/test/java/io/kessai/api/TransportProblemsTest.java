package io.kessai.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kessai.support.KessaiInstance;
import io.kessai.support.RawHttp;
import io.kessai.support.TestDatabases;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every error answer of every path is an RFC 9457 problem with a canonical title of contract section 5, also
 * the ones the HTTP server gives by itself: unknown path 404 {@code not_found}, wrong method 405
 * {@code method_not_allowed} with {@code Allow}, body, URI and headers over the configured limits 413, 414 and
 * 431 {@code payload_too_large}. Webhook bodies, chunked or not, are read or refused promptly. Requests are
 * sent raw on a socket; none of them reaches GMO.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TransportProblemsTest {
    private static final String PROBLEM_JSON = "application/problem+json";
    private static final int MAX_BODY = 16 * 1024;
    private static final int MAX_REQUEST_LINE = 2048;
    private static final int MAX_HEADERS = 4096;
    private static final Duration BODY_TIMEOUT = Duration.ofMillis(1500);
    /** Far below the 30 s a client would wait: an answer this fast was not a hang. */
    private static final Duration PROMPT = Duration.ofSeconds(10);

    private KessaiInstance kessai;
    private RawHttp raw;

    @BeforeAll
    void start() {
        kessai = KessaiInstance.start(TestDatabases.h2(), Map.of(
                "kessai.http.max-body-bytes", String.valueOf(MAX_BODY),
                "kessai.webhooks.max-body-bytes", String.valueOf(MAX_BODY),
                "kessai.http.max-request-line-bytes", String.valueOf(MAX_REQUEST_LINE),
                "kessai.http.max-header-bytes", String.valueOf(MAX_HEADERS),
                "kessai.http.body-timeout-ms", String.valueOf(BODY_TIMEOUT.toMillis())));
        raw = RawHttp.to(kessai);
    }

    @AfterAll
    void stop() {
        if (kessai != null) {
            kessai.close();
        }
    }

    @BeforeEach
    void forgetUpstreamTraffic() {
        kessai.gmoSandbox().reset();
    }

    // ------------------------------------------------------------------ helpers

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, String> headers(String... nameValues) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            map.put(nameValues[i], nameValues[i + 1]);
        }
        return map;
    }

    /** {@code size} bytes of body as chunks of 4 KiB, without the last (empty) chunk when {@code finished} is false. */
    private static byte[] chunked(int size, boolean finished) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] chunk = "a".repeat(4096).getBytes(StandardCharsets.US_ASCII);
        for (int sent = 0; sent < size; sent += chunk.length) {
            out.writeBytes(utf8(Integer.toHexString(chunk.length) + "\r\n"));
            out.writeBytes(chunk);
            out.writeBytes(utf8("\r\n"));
        }
        if (finished) {
            out.writeBytes(utf8("0\r\n\r\n"));
        }
        return out.toByteArray();
    }

    private static byte[] chunk(String text) {
        byte[] bytes = utf8(text);
        return utf8(Integer.toHexString(bytes.length) + "\r\n" + text + "\r\n0\r\n\r\n");
    }

    /** An RFC 9457 problem with the members of contract section 2, this status and title; nothing reached GMO. */
    private JsonNode assertProblem(RawHttp.Answer answer, int status, String title) {
        assertThat(answer.status()).as("status of %s", answer.body()).isEqualTo(status);
        assertThat(answer.contentType()).as("content type of %s", answer.body()).startsWith(PROBLEM_JSON);
        JsonNode problem = answer.json();
        assertThat(problem.path("type").asText()).startsWith("https://kessai.io/problems/").endsWith(title);
        assertThat(problem.path("title").asText()).isEqualTo(title);
        assertThat(problem.path("status").asInt()).isEqualTo(status);
        assertThat(problem.path("detail").asText()).isNotBlank();
        assertThat(problem.has("instance")).as("instance member").isTrue();
        assertThat(problem.path("errors").isArray()).as("errors member").isTrue();
        assertThat(kessai.gmoSandbox().requests()).as("requests that reached the GMO sandbox").isEmpty();
        return problem;
    }

    private static List<String> errorsOf(JsonNode problem) {
        List<String> list = new ArrayList<>();
        problem.path("errors").forEach(e -> list.add(e.path("field").asText() + " " + e.path("code").asText()));
        return list;
    }

    // ------------------------------------------------------------------ 404 and 405

    @Test
    void unknownPathIsANotFoundProblem() {
        for (String method : List.of("GET", "POST", "DELETE")) {
            JsonNode problem = assertProblem(raw.send(method, "/nothing/here", Map.of(), null), 404, "not_found");
            assertThat(problem.path("instance").asText()).isEqualTo("/nothing/here");
        }
        assertProblem(raw.post("/paymentz", "application/json", utf8("{}")), 404, "not_found");
        assertProblem(raw.send("GET", "/payments/pay_x/capture/again", Map.of(), null), 404, "not_found");
    }

    @Test
    void unknownCallbackPathIsANotFoundProblemNotHtml() {
        RawHttp.Answer answer = raw.send("GET", "/callbacks/nope?p=abc", Map.of(), null);
        assertProblem(answer, 404, "not_found");
        assertThat(answer.body()).doesNotContain("<html");
        assertProblem(raw.send("GET", "/callbacks/", Map.of(), null), 404, "not_found");
    }

    @Test
    void knownPathWithAWrongMethodIsMethodNotAllowedWithAllow() {
        RawHttp.Answer payments = raw.send("DELETE", "/payments", Map.of(), null);
        assertProblem(payments, 405, "method_not_allowed");
        assertThat(payments.header("Allow")).isEqualTo("GET, POST");

        RawHttp.Answer capture = raw.send("PUT", "/payments/pay_x/capture", Map.of(), null);
        assertProblem(capture, 405, "method_not_allowed");
        assertThat(capture.header("Allow")).isEqualTo("POST");

        RawHttp.Answer payment = raw.post("/payments/pay_x", "application/json", utf8("{}"));
        assertProblem(payment, 405, "method_not_allowed");
        assertThat(payment.header("Allow")).isEqualTo("GET");

        RawHttp.Answer callback = raw.send("POST", "/callbacks/gmo-pg", headers("Content-Length", "0"), new byte[0]);
        assertProblem(callback, 405, "method_not_allowed");
        assertThat(callback.header("Allow")).isEqualTo("GET");

        RawHttp.Answer webhook = raw.send("GET", "/webhooks/gmo-pg", Map.of(), null);
        assertProblem(webhook, 405, "method_not_allowed");
        assertThat(webhook.header("Allow")).isEqualTo("POST");
    }

    // ------------------------------------------------------------------ 413, 414, 431

    @Test
    void bodyDeclaredOverTheLimitIsPayloadTooLargeBeforeItIsSent() {
        RawHttp.Answer answer = raw.send("POST", "/payments",
                headers("Content-Type", "application/json", "Content-Length", "100000000"), utf8("{\"orderId\":"));
        JsonNode problem = assertProblem(answer, 413, "payload_too_large");
        assertThat(errorsOf(problem)).contains("body max_size");
        assertThat(answer.took()).isLessThan(PROMPT);
    }

    @Test
    void bodyOverTheLimitIsPayloadTooLarge() {
        byte[] order = utf8("{\"orderId\":\"" + "A".repeat(MAX_BODY) + "\"}");
        assertProblem(raw.post("/payments", "application/json", order), 413, "payload_too_large");
        byte[] justUnder = utf8("{\"orderId\":\"" + "A".repeat(MAX_BODY - 100) + "\"}");
        JsonNode taken = assertProblem(raw.post("/payments", "application/json", justUnder), 400, "invalid_request");
        assertThat(errorsOf(taken)).contains("orderId pattern");
    }

    @Test
    void chunkedBodyOverTheLimitIsRefusedBeforeItEnds() {
        // The body never ends (no last chunk): only a server that counts while it reads can answer 413.
        RawHttp.Answer answer = raw.send("POST", "/payments",
                headers("Content-Type", "application/json", "Transfer-Encoding", "chunked"), chunked(MAX_BODY + 8192, false));
        assertProblem(answer, 413, "payload_too_large");
        assertThat(answer.took()).isLessThan(PROMPT);
    }

    @Test
    void oversizedFormBodyIsAProblemNotPlainText() {
        byte[] form = utf8("a=" + "b".repeat(MAX_BODY / 2));
        RawHttp.Answer media = raw.post("/payments", "application/x-www-form-urlencoded", form);
        assertProblem(media, 415, "unsupported_media_type");
        byte[] many = utf8("a=b&".repeat(MAX_BODY / 8));
        assertProblem(raw.post("/payments", "application/x-www-form-urlencoded", many), 415, "unsupported_media_type");
        byte[] over = utf8("a=" + "b".repeat(MAX_BODY * 2));
        assertProblem(raw.post("/payments", "application/x-www-form-urlencoded", over), 413, "payload_too_large");
        assertProblem(raw.post("/webhooks/gmo-pg", "application/x-www-form-urlencoded", over), 413, "payload_too_large");
    }

    @Test
    void uriOverTheLimitIsA414Problem() {
        RawHttp.Answer answer = raw.send("GET", "/payments/" + "p".repeat(MAX_REQUEST_LINE), Map.of(), null);
        assertProblem(answer, 414, "payload_too_large");
        assertThat(answer.json().path("detail").asText()).contains(String.valueOf(MAX_REQUEST_LINE));
        // Under the configured limit the same request is served.
        assertProblem(raw.send("GET", "/payments/pay_" + "p".repeat(MAX_REQUEST_LINE - 100), Map.of(), null),
                404, "not_found");
        assertProblem(raw.send("GET", "/callbacks/gmo-pg?p=" + "A".repeat(MAX_REQUEST_LINE), Map.of(), null),
                414, "payload_too_large");
    }

    @Test
    void headersOverTheLimitAreA431Problem() {
        RawHttp.Answer answer = raw.send("GET", "/payments/pay_x", headers("X-Padding", "x".repeat(MAX_HEADERS)), null);
        assertProblem(answer, 431, "payload_too_large");
        RawHttp.Answer many = raw.send("POST", "/webhooks/gmo-pg", headers("Content-Type", "application/json",
                "Content-Length", "2", "X-A", "a".repeat(MAX_HEADERS / 2), "X-B", "b".repeat(MAX_HEADERS / 2)), utf8("{}"));
        assertProblem(many, 431, "payload_too_large");
        // Under the configured limit the same request is served.
        assertProblem(raw.send("GET", "/payments/pay_x", headers("X-Padding", "x".repeat(MAX_HEADERS - 500)), null),
                404, "not_found");
    }

    // ------------------------------------------------------------------ webhooks

    @Test
    void chunkedWebhookIsReadPromptly() {
        // Chunk-encoded and verified: GMO knows no payment with this accessId, so it is refused as forged.
        String notice = "{\"accessId\":\"" + "a".repeat(32) + "\",\"event\":\"CASH_PAID\",\"csrfToken\":\"x\"}";
        RawHttp.Answer answer = raw.send("POST", "/webhooks/gmo-pg",
                headers("Content-Type", "application/json", "Transfer-Encoding", "chunked"), chunk(notice));
        JsonNode problem = assertProblem(answer, 401, "unauthorized");
        assertThat(problem.path("detail").asText()).contains("accessId");
        assertThat(answer.took()).isLessThan(PROMPT);
    }

    @Test
    void chunkedWebhookWithAPlainBodyIsRefusedPromptly() {
        // Transfer-Encoding: chunked, but the body is sent as it is: the server waits for a chunk size line
        // that never ends, so it refuses once the body timeout has passed.
        String notice = "{\"accessId\":\"" + "a".repeat(32) + "\",\"event\":\"CASH_PAID\",\"csrfToken\":\"x\"}";
        RawHttp.Answer answer = raw.send("POST", "/webhooks/gmo-pg",
                headers("Content-Type", "application/json", "Transfer-Encoding", "chunked"), utf8(notice));
        JsonNode problem = assertProblem(answer, 400, "invalid_request");
        assertThat(errorsOf(problem)).contains("body incomplete");
        assertThat(answer.took()).isLessThan(PROMPT);

        // A plain body longer than a chunk size line may be breaks the framing at once.
        String longer = "{\"accessId\":\"" + "a".repeat(32) + "\",\"pad\":\"" + "p".repeat(MAX_REQUEST_LINE * 2) + "\"}";
        RawHttp.Answer broken = raw.send("POST", "/webhooks/gmo-pg",
                headers("Content-Type", "application/json", "Transfer-Encoding", "chunked"), utf8(longer));
        assertThat(errorsOf(assertProblem(broken, 400, "invalid_request"))).contains("body framing");
        assertThat(broken.took()).isLessThan(PROMPT);
    }

    @Test
    void chunkedWebhookOverTheLimitIsRefusedPromptlyWithoutReadingItAll() {
        RawHttp.Answer answer = raw.send("POST", "/webhooks/gmo-pg",
                headers("Content-Type", "application/json", "Transfer-Encoding", "chunked"), chunked(MAX_BODY * 4, false));
        assertProblem(answer, 413, "payload_too_large");
        assertThat(answer.took()).isLessThan(PROMPT);
    }

    @Test
    void webhookInAnotherMediaTypeOrEncodingIsUnsupportedMediaType() {
        String notice = "{\"accessId\":\"" + "a".repeat(32) + "\",\"event\":\"CASH_PAID\",\"csrfToken\":\"x\"}";
        assertProblem(raw.post("/webhooks/gmo-pg", "text/plain", utf8(notice)), 415, "unsupported_media_type");
        assertProblem(raw.post("/webhooks/gmo-pg", null, utf8(notice)), 415, "unsupported_media_type");
        assertProblem(raw.post("/webhooks/gmo-pg", "application/json", notice.getBytes(StandardCharsets.UTF_16)),
                415, "unsupported_media_type");
    }

    @Test
    void webhookWithTrailingContentOrAnUnknownProviderIsAProblem() {
        String notice = "{\"accessId\":\"" + "a".repeat(32) + "\",\"event\":\"CASH_PAID\",\"csrfToken\":\"x\"}";
        JsonNode trailing = assertProblem(raw.post("/webhooks/gmo-pg", "application/json", utf8(notice + notice)),
                400, "invalid_request");
        assertThat(errorsOf(trailing)).contains(" trailing_content");
        assertProblem(raw.post("/webhooks/nope", "application/json", utf8(notice)), 404, "not_found");
    }
}
