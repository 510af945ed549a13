package io.kessai.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kessai.support.KessaiInstance;
import io.kessai.support.Orders;
import io.kessai.support.RawHttp;
import io.kessai.support.TestDatabases;
import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
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
 * A POST body of the API is exactly one JSON document in UTF-8 sent as {@code application/json} (contract
 * sections 2 and 5): another media type, a missing Content-Type, another charset, or a UTF-16/UTF-32 body is
 * {@code 415 unsupported_media_type}; anything after the document, a second document, bytes that are not
 * UTF-8 or a repeated key is {@code 400 invalid_request} naming the body. Each request is sent raw, as a
 * client library would not, and none of them reaches GMO.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StrictInputTest {
    private static final String PROBLEM_JSON = "application/problem+json";

    private KessaiInstance kessai;
    private RawHttp raw;

    @BeforeAll
    void start() {
        // Generous upstream timeout and a janitor that waits: the payments made here as controls settle at
        // once, so that any request at GMO during a test was caused by that test's input.
        kessai = KessaiInstance.start(TestDatabases.h2(), Map.of(
                "kessai.providers.gmo-pg.response-timeout-ms", "10000",
                "kessai.janitor.schedule", "1h"));
        raw = RawHttp.to(kessai);
    }

    @AfterAll
    void stop() {
        if (kessai != null) {
            kessai.close();
        }
    }

    /** GMO requests made by a test's own set-up (a payment to capture or refund). */
    private int setUpRequests;

    @BeforeEach
    void forgetUpstreamTraffic() {
        kessai.gmoSandbox().reset();
        setUpRequests = 0;
    }

    // ------------------------------------------------------------------ helpers

    private static String order() {
        return Orders.gmoCard("tok_valid_card").toString();
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** The problem's status, content type, title and one error for that field and rule; nothing reached GMO. */
    private JsonNode assertProblem(RawHttp.Answer answer, int status, String title, String field, String code) {
        assertThat(answer.status()).as("status of %s", answer.body()).isEqualTo(status);
        assertThat(answer.contentType()).as("content type").startsWith(PROBLEM_JSON);
        JsonNode problem = answer.json();
        assertThat(problem.path("title").asText()).isEqualTo(title);
        assertThat(problem.path("status").asInt()).isEqualTo(status);
        assertThat(problem.path("type").asText()).endsWith("/" + title);
        assertThat(problem.path("detail").asText()).isNotBlank();
        assertThat(errorsOf(problem)).as("errors of %s", answer.body()).contains(field + " " + code);
        assertNothingUpstream();
        return problem;
    }

    private JsonNode assertUnsupportedMediaType(RawHttp.Answer answer, String field, String code) {
        return assertProblem(answer, 415, "unsupported_media_type", field, code);
    }

    private JsonNode assertInvalidBody(RawHttp.Answer answer, String code) {
        return assertProblem(answer, 400, "invalid_request", "", code);
    }

    private static List<String> errorsOf(JsonNode problem) {
        List<String> list = new ArrayList<>();
        problem.path("errors").forEach(e -> list.add(e.path("field").asText() + " " + e.path("code").asText()));
        return list;
    }

    private void assertNothingUpstream() {
        var requests = kessai.gmoSandbox().requests();
        assertThat(requests.subList(setUpRequests, requests.size())).as("requests that reached the GMO sandbox").isEmpty();
    }

    private String authorizedPayment() {
        return payment(Orders.manual(Orders.gmoCard("tok_valid_card")).toString(), "authorized");
    }

    private String capturedPayment() {
        return payment(Orders.gmoCard("tok_valid_card").toString(), "captured");
    }

    private String payment(String order, String status) {
        KessaiInstance.Answer answer = kessai.post("/payments", order);
        assertThat(answer.status()).as("answer %s", answer.body()).isEqualTo(201);
        assertThat(answer.text("status")).isEqualTo(status);
        setUpRequests = kessai.gmoSandbox().requests().size();
        return answer.text("paymentId");
    }

    private String statusOf(String paymentId) {
        return kessai.get("/payments/" + paymentId).text("status");
    }

    // ------------------------------------------------------------------ media type: 415

    @Test
    void orderWithoutContentTypeIsUnsupportedMediaType() {
        assertUnsupportedMediaType(raw.post("/payments", null, utf8(order())), "Content-Type", "required");
    }

    @Test
    void orderDeclaredAsAnotherMediaTypeIsUnsupportedMediaType() {
        for (String type : List.of("text/plain", "application/xml", "application/x-json", "text/json",
                "application/json-patch+json")) {
            assertUnsupportedMediaType(raw.post("/payments", type, utf8(order())), "Content-Type", "media_type");
        }
    }

    @Test
    void orderSentAsAFormIsUnsupportedMediaType() {
        byte[] form = utf8("orderId=ORD-1&amount=1000&currency=JPY");
        assertUnsupportedMediaType(raw.post("/payments", "application/x-www-form-urlencoded", form),
                "Content-Type", "media_type");
        byte[] multipart = utf8("--b\r\nContent-Disposition: form-data; name=\"order\"\r\n\r\n" + order() + "\r\n--b--\r\n");
        assertUnsupportedMediaType(raw.post("/payments", "multipart/form-data; boundary=b", multipart),
                "Content-Type", "media_type");
    }

    @Test
    void orderWithACharsetOtherThanUtf8IsUnsupportedMediaType() {
        for (String type : List.of("application/json; charset=ISO-8859-1", "application/json; charset=utf-16",
                "application/json;charset=Shift_JIS", "application/json; charset=")) {
            assertUnsupportedMediaType(raw.post("/payments", type, utf8(order())), "Content-Type", "charset");
        }
    }

    @Test
    void orderInUtf16OrUtf32IsUnsupportedMediaType() {
        String order = order();
        List<byte[]> bodies = List.of(
                order.getBytes(StandardCharsets.UTF_16),              // big-endian with a byte order mark
                order.getBytes(StandardCharsets.UTF_16LE),            // no byte order mark: NUL bytes
                order.getBytes(StandardCharsets.UTF_16BE),
                order.getBytes(Charset.forName("UTF-32")),
                concat(new byte[] {(byte) 0xFF, (byte) 0xFE}, order.getBytes(StandardCharsets.UTF_16LE)));
        for (byte[] body : bodies) {
            assertUnsupportedMediaType(raw.post("/payments", "application/json", body), "body", "encoding");
        }
    }

    @Test
    void orderWithUtf8CharsetIsTaken() {
        for (String type : List.of("application/json; charset=utf-8", "Application/JSON; Charset=\"UTF-8\"")) {
            RawHttp.Answer answer = raw.post("/payments", type, utf8(order()));
            assertThat(answer.status()).as(answer.body()).isEqualTo(201);
            assertThat(answer.json().path("status").asText()).isEqualTo("captured");
        }
    }

    // ------------------------------------------------------------------ one JSON document in UTF-8: 400

    @Test
    void trailingGarbageAfterTheOrderIsInvalid() {
        for (String tail : List.of("xyz", "}", "]", ",", "null", "\"more\"", " 1")) {
            assertInvalidBody(raw.post("/payments", "application/json", utf8(order() + tail)), "trailing_content");
        }
    }

    @Test
    void twoOrdersBackToBackAreInvalid() {
        assertInvalidBody(raw.post("/payments", "application/json", utf8(order() + order())), "trailing_content");
        assertInvalidBody(raw.post("/payments", "application/json", utf8(order() + "\n" + order())), "trailing_content");
    }

    @Test
    void whitespaceAfterTheOrderIsAllowed() {
        RawHttp.Answer answer = raw.post("/payments", "application/json", utf8(" \r\n" + order() + "\n\t \r\n"));
        assertThat(answer.status()).as(answer.body()).isEqualTo(201);
    }

    @Test
    void malformedUtf8IsInvalid() {
        String order = order();
        int name = order.indexOf("山田");
        List<byte[]> bodies = List.of(
                concat(utf8(order.substring(0, name)), new byte[] {(byte) 0xC3, (byte) 0x28}, utf8(order.substring(name))),
                concat(utf8(order.substring(0, name)), new byte[] {(byte) 0xE5, (byte) 0xB1}, utf8(order.substring(name + 1))),
                concat(utf8(order.substring(0, name)), new byte[] {(byte) 0xFF}, utf8(order.substring(name))),
                concat(utf8(order.substring(0, name)), new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                        utf8(order.substring(name))));
        for (byte[] body : bodies) {
            assertInvalidBody(raw.post("/payments", "application/json", body), "encoding");
        }
    }

    @Test
    void utf8ByteOrderMarkIsInvalid() {
        byte[] body = concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, utf8(order()));
        assertInvalidBody(raw.post("/payments", "application/json", body), "encoding");
    }

    @Test
    void repeatedKeyIsStillRefused() {
        String order = order();
        String twice = "{\"amount\":\"1\"," + order.substring(1);
        assertInvalidBody(raw.post("/payments", "application/json", utf8(twice)), "malformed_json");
    }

    // ------------------------------------------------------------------ capture, cancel and refund bodies

    @Test
    void captureWithoutBodyOrContentTypeCapturesTheWholeAmount() {
        String paymentId = authorizedPayment();
        RawHttp.Answer answer = raw.send("POST", "/payments/" + paymentId + "/capture",
                Map.of("Content-Length", "0"), new byte[0]);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(answer.json().path("status").asText()).isEqualTo("captured");
        assertThat(answer.json().path("capturedAmount").asText()).isEqualTo("1000");
    }

    @Test
    void refundWithAnEmptyChunkedBodyRefundsTheWholeAmount() {
        String paymentId = capturedPayment();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Transfer-Encoding", "chunked");
        RawHttp.Answer answer = raw.send("POST", "/payments/" + paymentId + "/refund", headers, utf8("0\r\n\r\n"));
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(answer.json().path("status").asText()).isEqualTo("refunded");
    }

    @Test
    void captureWithAnAmountButNoContentTypeIsUnsupportedAndChangesNothing() {
        String paymentId = authorizedPayment();
        assertUnsupportedMediaType(raw.post("/payments/" + paymentId + "/capture", null, utf8("{\"amount\":\"1000\"}")),
                "Content-Type", "required");
        assertUnsupportedMediaType(raw.post("/payments/" + paymentId + "/cancel", "text/plain", utf8("{}")),
                "Content-Type", "media_type");
        assertThat(statusOf(paymentId)).isEqualTo("authorized");
        assertNothingUpstream();
    }

    @Test
    void refundInUtf16IsUnsupportedAndChangesNothing() {
        String paymentId = capturedPayment();
        assertUnsupportedMediaType(raw.post("/payments/" + paymentId + "/refund", "application/json",
                "{\"amount\":\"1000\"}".getBytes(StandardCharsets.UTF_16)), "body", "encoding");
        assertThat(statusOf(paymentId)).isEqualTo("captured");
    }

    @Test
    void refundWithTrailingContentOrTwoDocumentsIsInvalidAndChangesNothing() {
        String paymentId = capturedPayment();
        String path = "/payments/" + paymentId + "/refund";
        assertInvalidBody(raw.post(path, "application/json", utf8("{\"amount\":\"1000\"}garbage")), "trailing_content");
        assertInvalidBody(raw.post(path, "application/json", utf8("{\"amount\":\"500\"}{\"amount\":\"500\"}")),
                "trailing_content");
        assertInvalidBody(raw.post(path, "application/json", utf8("{\"amount\":\"1000\",\"amount\":\"1\"}")),
                "malformed_json");
        assertThat(statusOf(paymentId)).isEqualTo("captured");
        assertNothingUpstream();
    }
}
