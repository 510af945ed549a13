package io.kessai.sandbox;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A JDK {@link HttpServer} of a built-in sandbox: it listens on {@code 127.0.0.1} only, and serves every path with
 * one handler on a fixed pool of daemon threads.
 */
public final class LoopbackHttpServer implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService pool;
    private final String baseUrl;

    private LoopbackHttpServer(HttpServer server, ExecutorService pool) {
        this.server = server;
        this.pool = pool;
        this.baseUrl = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /**
     * The JDK server flushes the status line/headers and the body in two writes; with Nagle's algorithm and the
     * client's delayed ACK every answer would take ~40 ms more. The property is read once per JVM, when the first
     * {@code com.sun.net.httpserver} server is created, so it is only set when nobody chose a value. A sandbox calls
     * this from its static initializer.
     */
    public static void preferNoDelay() {
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    /**
     * Starts a server on {@code 127.0.0.1}.
     *
     * @param threadName the prefix of the pool's thread names ({@code threadName-1}, ...)
     * @param port       the port; 0 = ephemeral
     * @param backlog    the socket backlog
     * @param threads    the number of threads answering requests
     * @param handler    the handler of every path
     * @throws IOException the port cannot be bound
     */
    public static LoopbackHttpServer start(String threadName, int port, int backlog, int threads, HttpHandler handler)
            throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), backlog);
        AtomicInteger threadNo = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, threadName + "-" + threadNo.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(pool);
        server.createContext("/", handler);
        server.start();
        return new LoopbackHttpServer(server, pool);
    }

    /** {@code http://127.0.0.1:<port>}. */
    public String baseUrl() {
        return baseUrl;
    }

    /**
     * Stops listening at once, lets the answers in progress finish for up to two seconds (a sandbox that keeps its
     * state in Kessai's database must not be interrupted in a write: H2 closes a file channel whose writing
     * thread is interrupted), then interrupts what is left.
     */
    @Override
    public void close() {
        server.stop(0);
        pool.shutdown();
        try {
            if (!pool.awaitTermination(2, java.util.concurrent.TimeUnit.SECONDS)) {
                pool.shutdownNow();
            }
        } catch (InterruptedException e) {
            pool.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Reads a request's body, at most {@code limit} bytes, and closes it.
     *
     * @return the body, or {@code null} when it is longer than {@code limit}
     * @throws IOException the body cannot be read
     */
    public static byte[] readBody(HttpExchange exchange, int limit) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] body = in.readNBytes(limit + 1);
            return body.length > limit ? null : body;
        }
    }

    /**
     * {@link #respond}, then closes the exchange; an answer the client did not take (it went away, e.g. it timed out
     * on a slow answer) is only logged at DEBUG as {@code "<what>: answer not delivered: <exception class>"}.
     */
    public static void respondAndClose(HttpExchange exchange, int status, byte[] body, System.Logger log, String what) {
        try {
            respond(exchange, status, body);
        } catch (IOException e) {
            log.log(System.Logger.Level.DEBUG, what + ": answer not delivered: " + e.getClass().getName());
        } finally {
            exchange.close();
        }
    }

    /**
     * Sends the status line, the headers already set on the exchange and the body (not for {@code HEAD}, and no
     * body at all when it is empty). The caller closes the exchange.
     */
    public static void respond(HttpExchange exchange, int status, byte[] body) throws IOException {
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, body.length == 0 || head ? -1 : body.length);
        if (body.length > 0 && !head) {
            try (OutputStream os = exchange.getResponseBody()) {
                os.write(body);
            }
        }
    }
}
