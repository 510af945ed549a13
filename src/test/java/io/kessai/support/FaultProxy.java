package io.kessai.support;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A loopback TCP proxy between Kessai and a sandbox that breaks HTTP exchanges on purpose. It listens on
 * {@code 127.0.0.1:0}, reads each HTTP/1.1 request of a connection, and forwards it on a fresh connection to the
 * target (so the target sees exactly the bytes Kessai sent); what happens to the request and to its answer is
 * decided per request by a plan the test sets ({@link #plan}: "the next N requests that match: this fault").
 * Requests no rule matches are passed through untouched.
 *
 * <p>Every request is recorded ({@link #seen()}) with its request line, headers, body and the fault applied, so
 * that a test can count the sends of one operation and compare their keys, and read the exact request target
 * (path and query) the provider received.
 *
 * <p>Everything is bounded in time: connecting and reading upstream ({@link #UPSTREAM_TIMEOUT}), an idle
 * client connection ({@link #IDLE_TIMEOUT}), a blackhole ({@link #HOLD_LIMIT}); {@link #close()} closes every
 * socket and stops every thread at once.
 */
public final class FaultProxy implements AutoCloseable {
    public static final Duration UPSTREAM_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration IDLE_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration HOLD_LIMIT = Duration.ofSeconds(60);
    private static final int MAX_HEAD = 64 * 1024;
    private static final int MAX_BODY = 4 * 1024 * 1024;

    /** What the proxy does with one request and its answer. */
    public enum Kind {
        /** Forward and relay the answer untouched. */
        PASS,
        /** Wait {@link Fault#delay()} before forwarding, then relay the answer untouched. */
        LATENCY,
        /** Reset the connection (RST) as soon as the request was read: the target never sees it. */
        RESET_BEFORE_FORWARDING,
        /** Forward, wait for the target's whole answer (it processed the request), then reset the connection. */
        RESET_AFTER_FORWARDING,
        /** Read the request and never answer, never forward (until the client gives up or {@link #HOLD_LIMIT}). */
        BLACKHOLE,
        /** Forward, wait for the target's answer, then close the connection (FIN) without a byte of it. */
        DROP_ANSWER,
        /** Forward, then send the answer's status line, headers and half of its body, and close. */
        TRUNCATED_ANSWER,
        /** Forward, then answer bytes that are not HTTP at all, and close. */
        NOT_HTTP,
        /** Forward, then replace the target's answer with {@link Fault#status()} and {@link Fault#body()}. */
        REPLACE_ANSWER,
        /** Do not forward: answer {@link Fault#status()} and {@link Fault#body()} at once (the target never sees it). */
        ANSWER_WITHOUT_FORWARDING,
        /** Forward, then send the target's answer one byte at a time with {@link Fault#delay()} after each byte. */
        SLOW_DRIP
    }

    /** One fault, with its parameters. */
    public record Fault(Kind kind, Duration delay, int status, String contentType, byte[] body) {
        public Fault {
            Objects.requireNonNull(kind, "kind");
            delay = delay == null ? Duration.ZERO : delay;
            body = body == null ? new byte[0] : body;
        }

        private static Fault of(Kind kind) {
            return new Fault(kind, Duration.ZERO, 0, null, null);
        }

        public static Fault pass() {
            return of(Kind.PASS);
        }

        public static Fault latency(Duration delay) {
            return new Fault(Kind.LATENCY, delay, 0, null, null);
        }

        public static Fault resetBeforeForwarding() {
            return of(Kind.RESET_BEFORE_FORWARDING);
        }

        public static Fault resetAfterForwarding() {
            return of(Kind.RESET_AFTER_FORWARDING);
        }

        public static Fault blackhole() {
            return of(Kind.BLACKHOLE);
        }

        public static Fault dropAnswer() {
            return of(Kind.DROP_ANSWER);
        }

        public static Fault truncatedAnswer() {
            return of(Kind.TRUNCATED_ANSWER);
        }

        public static Fault notHttp() {
            return of(Kind.NOT_HTTP);
        }

        /** The request is processed by the target, but the client gets this answer instead of the target's. */
        public static Fault replaceAnswer(int status, String contentType, String body) {
            return new Fault(Kind.REPLACE_ANSWER, Duration.ZERO, status, contentType,
                    body.getBytes(StandardCharsets.UTF_8));
        }

        /** The target never sees the request; the client gets this answer. */
        public static Fault answerWithoutForwarding(int status, String contentType, String body) {
            return new Fault(Kind.ANSWER_WITHOUT_FORWARDING, Duration.ZERO, status, contentType,
                    body.getBytes(StandardCharsets.UTF_8));
        }

        public static Fault slowDrip(Duration pauseAfterEachByte) {
            return new Fault(Kind.SLOW_DRIP, pauseAfterEachByte, 0, null, null);
        }

        /** Whether the target may have processed a request that met this fault. */
        public boolean forwards() {
            return kind != Kind.RESET_BEFORE_FORWARDING && kind != Kind.BLACKHOLE
                    && kind != Kind.ANSWER_WITHOUT_FORWARDING;
        }

        @Override
        public String toString() {
            return kind + (delay.isZero() ? "" : "(" + delay.toMillis() + " ms)") + (status == 0 ? "" : "(" + status + ")");
        }
    }

    /**
     * One request as the proxy read it.
     *
     * @param method  the request method
     * @param target  the request target exactly as sent (path and query, e.g. {@code /credit/charge})
     * @param headers the headers, names lower-cased (the last value of a repeated header)
     * @param body    the body (de-chunked)
     */
    public record Request(String method, String target, Map<String, String> headers, byte[] body) {
        /** The path of the target (without the query). */
        public String path() {
            int q = target.indexOf('?');
            return q < 0 ? target : target.substring(0, q);
        }

        /** The raw query of the target, or null when it has none. */
        public String query() {
            int q = target.indexOf('?');
            return q < 0 ? null : target.substring(q + 1);
        }

        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        /** The request line and headers only: a body may carry a card token. */
        @Override
        public String toString() {
            return method + " " + target + " " + headers + " (" + body.length + " bytes of body)";
        }
    }

    /**
     * A request and what the proxy did with it.
     *
     * @param request        the request
     * @param fault          the fault applied
     * @param upstreamStatus the target's HTTP status, 0 when the request was not forwarded or got no answer
     */
    public record Seen(Request request, Fault fault, int upstreamStatus) {
    }

    private static final class Rule {
        final Predicate<Request> match;
        final Fault fault;
        int remaining;   // guarded by the rule list; Integer.MAX_VALUE = until cleared

        Rule(Predicate<Request> match, int remaining, Fault fault) {
            this.match = match;
            this.remaining = remaining;
            this.fault = fault;
        }
    }

    private record Answer(byte[] head, byte[] body, boolean closeAfter) {
        byte[] all() {
            byte[] all = Arrays.copyOf(head, head.length + body.length);
            System.arraycopy(body, 0, all, head.length, body.length);
            return all;
        }

        int status() {
            String line = new String(head, 0, Math.min(head.length, 64), StandardCharsets.ISO_8859_1);
            String[] parts = line.split(" ", 3);
            try {
                return parts.length > 1 ? Integer.parseInt(parts[1].trim()) : 0;
            } catch (NumberFormatException e) {
                return 0;
            }
        }
    }

    private final String targetHost;
    private final int targetPort;
    private final int port;
    private final List<Rule> rules = new ArrayList<>();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final List<Socket> fillers = new ArrayList<>();   // guarded by this
    private final AtomicInteger threads = new AtomicInteger();
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fault-proxy-" + threads.incrementAndGet());
        t.setDaemon(true);
        return t;
    });
    private volatile ServerSocket listener;
    private volatile boolean closed;

    private FaultProxy(String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.listener = listen(0, 128);
        this.port = listener.getLocalPort();
        acceptOn(listener);
    }

    /** A proxy in front of {@code http://host:port} (the base URL of a sandbox), accepting connections. */
    public static FaultProxy to(String baseUrl) {
        return to(baseUrl, Connections.ACCEPT);
    }

    /** A proxy in front of {@code http://host:port} whose port meets new connections as {@code mode} says. */
    public static FaultProxy to(String baseUrl, Connections mode) {
        URI uri = URI.create(baseUrl);
        FaultProxy proxy;
        try {
            proxy = new FaultProxy(uri.getHost(), uri.getPort());
        } catch (IOException e) {
            throw new IllegalStateException("the fault proxy cannot listen", e);
        }
        if (mode != Connections.ACCEPT) {
            proxy.connections(mode);
        }
        return proxy;
    }

    /** {@code http://127.0.0.1:<port>}: point a provider's base URL here. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    // ------------------------------------------------------------------ the plan

    /** Matches every request. */
    public static Predicate<Request> any() {
        return r -> true;
    }

    /** Matches requests to exactly this path (whatever the query). */
    public static Predicate<Request> path(String path) {
        return r -> r.path().equals(path);
    }

    /** Matches requests whose body contains this text (an orderId, an accessId). */
    public static Predicate<Request> bodyContains(String text) {
        return r -> r.bodyText().contains(text);
    }

    /** The next {@code times} requests that match meet {@code fault}; earlier rules are looked at first. */
    public void plan(Predicate<Request> match, int times, Fault fault) {
        if (times < 1) {
            throw new IllegalArgumentException("times must be at least 1");
        }
        synchronized (rules) {
            rules.add(new Rule(match, times, fault));
        }
    }

    /** Every request that matches meets {@code fault}, until {@link #clearPlan()}. */
    public void always(Predicate<Request> match, Fault fault) {
        synchronized (rules) {
            rules.add(new Rule(match, Integer.MAX_VALUE, fault));
        }
    }

    public void clearPlan() {
        synchronized (rules) {
            rules.clear();
        }
    }

    private Fault faultFor(Request request) {
        synchronized (rules) {
            for (var it = rules.iterator(); it.hasNext(); ) {
                Rule rule = it.next();
                if (rule.remaining > 0 && rule.match.test(request)) {
                    if (rule.remaining != Integer.MAX_VALUE && --rule.remaining == 0) {
                        it.remove();
                    }
                    return rule.fault;
                }
            }
        }
        return Fault.pass();
    }

    // ------------------------------------------------------------------ observation

    /** Every request read so far, in order of arrival. */
    public List<Seen> seen() {
        return List.copyOf(seen);
    }

    /** The requests read so far that match. */
    public List<Request> requests(Predicate<Request> match) {
        return seen.stream().map(Seen::request).filter(match).toList();
    }

    /** Forgets the plan and the recorded requests. */
    public void reset() {
        clearPlan();
        seen.clear();
    }

    // ------------------------------------------------------------------ connection-level faults

    /** How the proxy's port treats a new connection. */
    public enum Connections {
        /** Accepted and served by the plan. */
        ACCEPT,
        /** Nothing listens: the kernel refuses the connection (the request surely never left the client). */
        REFUSE,
        /**
         * The port listens with a full accept queue and never accepts: a connection attempt is never answered
         * and only the client's connect timeout ends it.
         */
        BLACKHOLE
    }

    /**
     * Switches how new connections to the proxy's port are met. Connections already established stay as they
     * are (a client's pooled keep-alive connection still reaches the plan), so a test of {@link Connections#REFUSE}
     * or {@link Connections#BLACKHOLE} starts the proxy in that mode before its client ever connected
     * ({@link #to(String, Connections)}).
     */
    public synchronized void connections(Connections mode) {
        if (closed) {
            return;
        }
        ServerSocket current = listener;
        if (current != null) {
            closeQuietly(current);
            listener = null;
        }
        for (Socket filler : fillers) {
            open.remove(filler);
            closeQuietly(filler);
        }
        fillers.clear();
        try {
            switch (mode) {
                case ACCEPT -> {
                    listener = listen(port, 128);
                    acceptOn(listener);
                }
                case REFUSE -> {
                }
                case BLACKHOLE -> {
                    listener = listen(port, 1);
                    fill(listener);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on port " + port + " again", e);
        }
    }

    /** Connects to the never-accepting listener until a connect attempt is no longer answered. */
    private void fill(ServerSocket server) throws IOException {
        for (int i = 0; i < 16; i++) {
            Socket filler = new Socket();
            try {
                filler.connect(server.getLocalSocketAddress(), 300);
                fillers.add(filler);
                open.add(filler);
            } catch (SocketTimeoutException e) {
                closeQuietly(filler);
                return;   // the accept queue is full: new connections hang
            }
        }
        throw new IOException("the accept queue of port " + port + " never filled up");
    }

    /**
     * Binds a listener. A listener just closed while a thread was blocked in its accept() releases its port only
     * once that thread has left accept(): a bind of the same port is retried for up to 2 s.
     */
    private static ServerSocket listen(int port, int backlog) throws IOException {
        long until = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (true) {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            try {
                s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), backlog);
                return s;
            } catch (java.net.BindException e) {
                s.close();
                if (port == 0 || System.nanoTime() > until) {
                    throw e;
                }
                try {
                    TimeUnit.MILLISECONDS.sleep(20);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private void acceptOn(ServerSocket server) {
        pool.execute(() -> {
            while (!closed && !server.isClosed()) {
                try {
                    Socket client = server.accept();
                    open.add(client);
                    pool.execute(() -> serve(client));
                } catch (IOException e) {
                    return;   // closed
                } catch (java.util.concurrent.RejectedExecutionException e) {
                    return;
                }
            }
        });
    }

    // ------------------------------------------------------------------ one client connection

    private void serve(Socket client) {
        try {
            client.setSoTimeout((int) IDLE_TIMEOUT.toMillis());
            client.setTcpNoDelay(true);
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            while (!closed) {
                Message request = readMessage(in, true, null);
                if (request == null) {
                    return;
                }
                Request parsed = request.toRequest();
                Fault fault = faultFor(parsed);
                if (!handle(client, in, out, request, parsed, fault)) {
                    return;
                }
            }
        } catch (IOException e) {
            // the client went away, or an idle connection timed out
        } finally {
            open.remove(client);
            closeQuietly(client);
        }
    }

    /** Applies the fault to one request; false when the connection is finished. */
    private boolean handle(Socket client, InputStream in, OutputStream out, Message request, Request parsed,
                           Fault fault) throws IOException {
        switch (fault.kind()) {
            case RESET_BEFORE_FORWARDING -> {
                seen.add(new Seen(parsed, fault, 0));
                reset(client);
                return false;
            }
            case BLACKHOLE -> {
                seen.add(new Seen(parsed, fault, 0));
                hold(client, in);
                return false;
            }
            case ANSWER_WITHOUT_FORWARDING -> {
                seen.add(new Seen(parsed, fault, 0));
                out.write(answer(fault.status(), fault.contentType(), fault.body()));
                out.flush();
                return !request.closeAfter();
            }
            case LATENCY -> pause(fault.delay());
            default -> {
            }
        }
        Answer answer;
        try {
            answer = forward(request);
        } catch (IOException e) {
            seen.add(new Seen(parsed, fault, 0));
            reset(client);   // the target failed: the client learns nothing more than a lost connection
            return false;
        }
        seen.add(new Seen(parsed, fault, answer.status()));
        switch (fault.kind()) {
            case PASS, LATENCY -> {
                out.write(answer.all());
                out.flush();
                return !request.closeAfter() && !answer.closeAfter();
            }
            case RESET_AFTER_FORWARDING -> {
                reset(client);
                return false;
            }
            case DROP_ANSWER -> {
                client.shutdownOutput();
                return false;
            }
            case TRUNCATED_ANSWER -> {
                out.write(answer.head());
                out.write(answer.body(), 0, answer.body().length / 2);
                out.flush();
                client.shutdownOutput();
                return false;
            }
            case NOT_HTTP -> {
                out.write("\u0000\u0015garbage that is not HTTP at all\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                client.shutdownOutput();
                return false;
            }
            case REPLACE_ANSWER -> {
                out.write(answer(fault.status(), fault.contentType(), fault.body()));
                out.flush();
                return !request.closeAfter();
            }
            case SLOW_DRIP -> {
                for (byte b : answer.all()) {
                    out.write(b);
                    out.flush();
                    pause(fault.delay());
                    if (closed) {
                        return false;
                    }
                }
                return !request.closeAfter() && !answer.closeAfter();
            }
            default -> throw new IllegalStateException(fault.toString());
        }
    }

    /** Sends the request on a fresh connection to the target and reads its whole answer. */
    private Answer forward(Message request) throws IOException {
        try (Socket upstream = new Socket()) {
            open.add(upstream);
            try {
                upstream.connect(new InetSocketAddress(targetHost, targetPort), (int) UPSTREAM_TIMEOUT.toMillis());
                upstream.setSoTimeout((int) UPSTREAM_TIMEOUT.toMillis());
                upstream.setTcpNoDelay(true);
                OutputStream out = upstream.getOutputStream();
                out.write(request.raw());
                out.flush();
                Message answer = readMessage(upstream.getInputStream(), false, request.method());
                if (answer == null) {
                    throw new EOFException("the target closed the connection without an answer");
                }
                return new Answer(answer.head(), answer.rawBody(), answer.closeAfter());
            } finally {
                open.remove(upstream);
            }
        }
    }

    /** Keeps the connection open and silent until the client closes it, the hold limit, or close(). */
    private void hold(Socket client, InputStream in) {
        long until = System.nanoTime() + HOLD_LIMIT.toNanos();
        byte[] sink = new byte[1024];
        try {
            client.setSoTimeout(200);
            while (!closed && System.nanoTime() < until) {
                try {
                    if (in.read(sink) < 0) {
                        return;
                    }
                } catch (SocketTimeoutException e) {
                    // still silent
                }
            }
        } catch (IOException e) {
            // the client went away
        }
    }

    private static byte[] answer(int status, String contentType, byte[] body) {
        StringBuilder head = new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(reason(status)).append("\r\n");
        if (contentType != null) {
            head.append("Content-Type: ").append(contentType).append("\r\n");
        }
        head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
        byte[] h = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = Arrays.copyOf(h, h.length + body.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return all;
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 201 -> "Created";
            case 409 -> "Conflict";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            default -> "Status";
        };
    }

    // ------------------------------------------------------------------ HTTP/1.1 framing

    /**
     * One HTTP message: its head (start line and headers, with the blank line), its body as framed on the wire
     * ({@code rawBody}) and de-chunked ({@code body}).
     */
    private record Message(byte[] head, byte[] rawBody, byte[] body, String startLine, Map<String, String> headers,
                           boolean closeAfter) {
        String method() {
            return startLine.split(" ", 2)[0];
        }

        byte[] raw() {
            byte[] all = Arrays.copyOf(head, head.length + rawBody.length);
            System.arraycopy(rawBody, 0, all, head.length, rawBody.length);
            return all;
        }

        Request toRequest() {
            String[] parts = startLine.split(" ");
            return new Request(parts[0], parts.length > 1 ? parts[1] : "", Collections.unmodifiableMap(headers), body);
        }
    }

    /** Reads one message; null when the stream ended before its first byte. */
    private static Message readMessage(InputStream in, boolean isRequest, String requestMethod) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;   // matched bytes of \r\n\r\n
        while (state < 4) {
            int b = in.read();
            if (b < 0) {
                if (head.size() == 0) {
                    return null;
                }
                throw new EOFException("the message ended inside its head");
            }
            head.write(b);
            if (head.size() > MAX_HEAD) {
                throw new IOException("head over " + MAX_HEAD + " bytes");
            }
            state = switch (state) {
                case 0, 2 -> b == '\r' ? state + 1 : 0;
                case 1, 3 -> b == '\n' ? state + 1 : (b == '\r' ? 1 : 0);
                default -> 0;
            };
        }
        byte[] headBytes = head.toByteArray();
        String[] lines = new String(headBytes, StandardCharsets.ISO_8859_1).split("\r\n");
        String startLine = lines[0];
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
        }
        boolean close = "close".equalsIgnoreCase(headers.get("connection"));
        String transferEncoding = headers.get("transfer-encoding");
        String contentLength = headers.get("content-length");
        if (transferEncoding != null && transferEncoding.toLowerCase(Locale.ROOT).contains("chunked")) {
            ByteArrayOutputStream raw = new ByteArrayOutputStream();
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            readChunked(in, raw, body);
            return new Message(headBytes, raw.toByteArray(), body.toByteArray(), startLine, headers, close);
        }
        if (contentLength != null) {
            int length;
            try {
                length = Integer.parseInt(contentLength.trim());
            } catch (NumberFormatException e) {
                throw new IOException("bad Content-Length");
            }
            if (length < 0 || length > MAX_BODY) {
                throw new IOException("body of " + length + " bytes");
            }
            byte[] body = in.readNBytes(length);
            if (body.length < length) {
                throw new EOFException("the body ended early");
            }
            return new Message(headBytes, body, body, startLine, headers, close);
        }
        if (isRequest || noBody(startLine, requestMethod)) {
            return new Message(headBytes, new byte[0], new byte[0], startLine, headers, close);
        }
        // an answer without framing: its body runs to the end of the connection
        byte[] body = in.readNBytes(MAX_BODY);
        return new Message(headBytes, body, body, startLine, headers, true);
    }

    private static boolean noBody(String statusLine, String requestMethod) {
        if ("HEAD".equals(requestMethod)) {
            return true;
        }
        String[] parts = statusLine.split(" ", 3);
        int status = parts.length > 1 ? Integer.parseInt(parts[1].trim()) : 0;
        return status / 100 == 1 || status == 204 || status == 304;
    }

    private static void readChunked(InputStream in, ByteArrayOutputStream raw, ByteArrayOutputStream body) throws IOException {
        while (true) {
            String sizeLine = readLine(in, raw);
            int semicolon = sizeLine.indexOf(';');
            int size;
            try {
                size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
            } catch (NumberFormatException e) {
                throw new IOException("bad chunk size");
            }
            if (size == 0) {
                while (!readLine(in, raw).isEmpty()) {
                    // trailers
                }
                return;
            }
            if (body.size() + size > MAX_BODY) {
                throw new IOException("chunked body too large");
            }
            byte[] chunk = in.readNBytes(size);
            if (chunk.length < size) {
                throw new EOFException("a chunk ended early");
            }
            raw.write(chunk);
            body.write(chunk);
            readLine(in, raw);
        }
    }

    private static String readLine(InputStream in, ByteArrayOutputStream raw) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int previous = -1;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("the stream ended inside a line");
            }
            raw.write(b);
            if (previous == '\r' && b == '\n') {
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
            }
            line.write(b);
            if (line.size() > MAX_HEAD) {
                throw new IOException("line too long");
            }
            previous = b;
        }
    }

    // ------------------------------------------------------------------ helpers

    /** RST instead of FIN: the peer's next read or write fails with "connection reset". */
    private static void reset(Socket socket) {
        try {
            socket.setSoLinger(true, 0);
        } catch (SocketException e) {
            // already closed
        }
        closeQuietly(socket);
    }

    private void pause(Duration d) {
        if (d.isZero() || d.isNegative()) {
            return;
        }
        try {
            TimeUnit.NANOSECONDS.sleep(d.toNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // closing anyway
        }
    }

    /** Stops listening, closes every connection (client and upstream) and stops every thread. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        ServerSocket l = listener;
        if (l != null) {
            closeQuietly(l);
        }
        for (Socket s : open) {
            closeQuietly(s);
        }
        pool.shutdownNow();
        try {
            pool.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
