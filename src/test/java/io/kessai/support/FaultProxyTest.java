package io.kessai.support;

import com.sun.net.httpserver.HttpServer;
import io.kessai.support.FaultProxy.Connections;
import io.kessai.support.FaultProxy.Fault;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static io.kessai.support.FaultProxy.path;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The fault proxy does what each fault says, seen from a raw client socket and from the target: whether the
 * target processed the request, and exactly which bytes (or which end of the connection) the client got.
 */
class FaultProxyTest {
    private static final String BODY = "{\"answer\":\"0123456789abcdefghijklmnopqrstuvwxyz\"}";

    private HttpServer target;
    private final AtomicInteger processed = new AtomicInteger();
    private FaultProxy proxy;

    @BeforeEach
    void start() throws IOException {
        target = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        target.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            processed.incrementAndGet();
            byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(201, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        target.start();
        proxy = FaultProxy.to("http://127.0.0.1:" + target.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        proxy.close();
        target.stop(0);
    }

    /** What a client got for one POST: the bytes until the end of the connection, and how it ended. */
    private record Outcome(String received, IOException failure) {
    }

    private Outcome post(String target) throws IOException {
        return post(target, Duration.ofSeconds(5));
    }

    private Outcome post(String target, Duration readTimeout) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", proxy.port())) {
            socket.setSoTimeout((int) readTimeout.toMillis());
            String body = "{\"orderId\":\"ORD-1\"}";
            socket.getOutputStream().write(("POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Idempotency-Key: key-1\r\nConnection: close\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.ISO_8859_1));
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[256];
            try {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    received.write(buffer, 0, n);
                }
                return new Outcome(received.toString(StandardCharsets.ISO_8859_1), null);
            } catch (IOException e) {
                return new Outcome(received.toString(StandardCharsets.ISO_8859_1), e);
            }
        }
    }

    @Test
    void passThroughRelaysTheTargetsAnswerAndRecordsTheExactRequest() throws IOException {
        Outcome outcome = post("/credit/charge?x=1");
        assertThat(outcome.failure()).isNull();
        assertThat(outcome.received()).startsWith("HTTP/1.1 201").endsWith(BODY);
        assertThat(processed).hasValue(1);
        FaultProxy.Request request = proxy.seen().get(0).request();
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.target()).isEqualTo("/credit/charge?x=1");
        assertThat(request.path()).isEqualTo("/credit/charge");
        assertThat(request.query()).isEqualTo("x=1");
        assertThat(request.header("Idempotency-Key")).isEqualTo("key-1");
        assertThat(request.bodyText()).isEqualTo("{\"orderId\":\"ORD-1\"}");
        assertThat(proxy.seen().get(0).upstreamStatus()).isEqualTo(201);
    }

    @Test
    void aPlanAppliesToTheNextMatchingRequestsOnlyThenPassesThrough() throws IOException {
        proxy.plan(path("/order/capture"), 1, Fault.resetBeforeForwarding());
        assertThat(post("/credit/charge").failure()).isNull();
        assertThat(post("/order/capture").received()).isEmpty();
        assertThat(post("/order/capture").received()).startsWith("HTTP/1.1 201");
        assertThat(processed).hasValue(2);
    }

    @Test
    void resetBeforeForwardingNeverReachesTheTarget() throws IOException {
        proxy.plan(FaultProxy.any(), 1, Fault.resetBeforeForwarding());
        Outcome outcome = post("/x");
        assertThat(outcome.received()).isEmpty();
        assertThat(outcome.failure()).hasMessageContaining("reset");
        assertThat(processed).hasValue(0);
    }

    @Test
    void resetAfterForwardingReachesTheTargetAndLosesItsAnswer() throws IOException {
        proxy.plan(FaultProxy.any(), 1, Fault.resetAfterForwarding());
        Outcome outcome = post("/x");
        assertThat(outcome.received()).isEmpty();
        assertThat(outcome.failure()).hasMessageContaining("reset");
        assertThat(processed).hasValue(1);
    }

    @Test
    void blackholeNeverAnswersNorForwards() throws IOException {
        proxy.plan(FaultProxy.any(), 1, Fault.blackhole());
        Outcome outcome = post("/x", Duration.ofMillis(500));
        assertThat(outcome.failure()).isInstanceOf(SocketTimeoutException.class);
        assertThat(outcome.received()).isEmpty();
        assertThat(processed).hasValue(0);
    }

    @Test
    void droppedAnswerIsAnEmptyEndAfterTheTargetProcessedTheRequest() throws IOException {
        proxy.plan(FaultProxy.any(), 1, Fault.dropAnswer());
        Outcome outcome = post("/x");
        assertThat(outcome.failure()).isNull();
        assertThat(outcome.received()).isEmpty();
        assertThat(processed).hasValue(1);
    }

    @Test
    void truncatedAnswerEndsHalfWayThroughItsBody() throws IOException {
        proxy.plan(FaultProxy.any(), 1, Fault.truncatedAnswer());
        Outcome outcome = post("/x");
        assertThat(outcome.received()).startsWith("HTTP/1.1 201").containsIgnoringCase("content-length: " + BODY.length())
                .endsWith(BODY.substring(0, BODY.length() / 2));
        assertThat(processed).hasValue(1);
    }

    @Test
    void notHttpAnswerIsGarbageAfterTheTargetProcessedTheRequest() throws IOException {
        proxy.plan(FaultProxy.any(), 1, Fault.notHttp());
        Outcome outcome = post("/x");
        assertThat(outcome.received()).isNotEmpty().doesNotStartWith("HTTP/");
        assertThat(processed).hasValue(1);
    }

    @Test
    void replacedAnswerIsWhatTheClientGetsWhileTheTargetProcessedTheRequest() throws IOException {
        proxy.plan(FaultProxy.any(), 1, Fault.replaceAnswer(200, "application/json", "{}"));
        Outcome outcome = post("/x");
        assertThat(outcome.received()).startsWith("HTTP/1.1 200").endsWith("\r\n\r\n{}");
        assertThat(processed).hasValue(1);
    }

    @Test
    void answerWithoutForwardingNeverReachesTheTarget() throws IOException {
        proxy.plan(FaultProxy.any(), 1, Fault.answerWithoutForwarding(500, "text/plain", "boom"));
        Outcome outcome = post("/x");
        assertThat(outcome.received()).startsWith("HTTP/1.1 500").endsWith("boom");
        assertThat(processed).hasValue(0);
    }

    @Test
    void slowDripDeliversTheWholeAnswerOneByteAtATime() throws IOException {
        proxy.plan(FaultProxy.any(), 1, Fault.slowDrip(Duration.ofMillis(2)));
        long started = System.nanoTime();
        Outcome outcome = post("/x");
        assertThat(outcome.failure()).isNull();
        assertThat(outcome.received()).startsWith("HTTP/1.1 201").endsWith(BODY);
        // at least one pause per byte
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThan(Duration.ofMillis(2L * BODY.length()));
    }

    @Test
    void refusingAndBlackholedPortsMeetNewConnectionsAsTheirNamesSay() throws IOException {
        proxy.connections(Connections.REFUSE);
        assertThatThrownBy(() -> new Socket("127.0.0.1", proxy.port()).close()).isInstanceOf(ConnectException.class);
        proxy.connections(Connections.BLACKHOLE);
        try (Socket socket = new Socket()) {
            assertThatThrownBy(() -> socket.connect(new InetSocketAddress("127.0.0.1", proxy.port()), 300))
                    .isInstanceOf(SocketTimeoutException.class);
        }
        proxy.connections(Connections.ACCEPT);
        assertThat(post("/x").received()).startsWith("HTTP/1.1 201");
    }
}
