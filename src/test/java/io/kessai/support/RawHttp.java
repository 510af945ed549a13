package io.kessai.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 on a plain socket, for tests that send what a well-behaved client library would not (no
 * Content-Type, a lying Transfer-Encoding, a request line of 20 KB). Every request asks the server to close
 * the connection after its answer; the answer is read by its Content-Length, its chunks, or to the end.
 */
public final class RawHttp {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String host;
    private final int port;
    private final Duration readTimeout;

    /** Where each exchange is recorded (the Kessai's recorder when it records), or null. */
    private final HttpRecorder recorder;

    public RawHttp(String host, int port, Duration readTimeout) {
        this(host, port, readTimeout, null);
    }

    private RawHttp(String host, int port, Duration readTimeout, HttpRecorder recorder) {
        this.host = host;
        this.port = port;
        this.readTimeout = readTimeout;
        this.recorder = recorder;
    }

    public static RawHttp to(KessaiInstance kessai) {
        java.net.URI uri = java.net.URI.create(kessai.baseUrl());
        return new RawHttp(uri.getHost(), uri.getPort(), Duration.ofSeconds(30), kessai.recorder());
    }

    /** A request line, headers (Host and Connection: close are added) and raw body bytes (may be null). */
    public Answer send(String method, String target, Map<String, String> headers, byte[] body) {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        StringBuilder b = new StringBuilder();
        b.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
        b.append("Host: ").append(host).append(':').append(port).append("\r\n");
        b.append("Connection: close\r\n");
        headers.forEach((k, v) -> b.append(k).append(": ").append(v).append("\r\n"));
        b.append("\r\n");
        head.writeBytes(b.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (body != null) {
            head.writeBytes(body);
        }
        return exchange(head.toByteArray());
    }

    /** A POST whose body carries the given Content-Type (null: no Content-Type header) and its Content-Length. */
    public Answer post(String target, String contentType, byte[] body) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (contentType != null) {
            headers.put("Content-Type", contentType);
        }
        headers.put("Content-Length", String.valueOf(body.length));
        return send("POST", target, headers, body);
    }

    /** Writes the bytes as they are and reads the answer; the time taken is part of the answer. */
    public Answer exchange(byte[] request) {
        long started = System.nanoTime();
        try (Socket socket = new Socket(host, port)) {
            socket.setSoTimeout((int) readTimeout.toMillis());
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request);
                out.flush();
            } catch (IOException e) {
                // The server may answer and close before it read everything (a body over the limit):
                // what it answered is still there to read.
            }
            Answer answer = read(socket.getInputStream());
            if (recorder != null) {
                record(request, answer);
            }
            return answer.took(Duration.ofNanos(System.nanoTime() - started));
        } catch (SocketTimeoutException e) {
            throw new IllegalStateException("no complete answer within " + readTimeout, e);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The request as written (its request line, headers and the bytes after them) and its answer, to the recorder. */
    private void record(byte[] request, Answer answer) {
        String text = new String(request, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        String head = end < 0 ? text : text.substring(0, end);
        byte[] body = end < 0 ? new byte[0] : java.util.Arrays.copyOfRange(request, end + 4, request.length);
        String[] lines = head.split("\r\n");
        String[] requestLine = lines[0].split(" ", 3);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.computeIfAbsent(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                        .add(lines[i].substring(colon + 1).trim());
            }
        }
        recorder.add(new HttpRecorder.Recorded(requestLine[0], requestLine.length > 1 ? requestLine[1] : "", headers, body,
                answer.status(), answer.headers(), answer.body()));
    }

    private static Answer read(InputStream in) throws IOException {
        String statusLine = line(in);
        if (statusLine == null) {
            throw new IOException("the server closed the connection without an answer");
        }
        String[] parts = statusLine.split(" ", 3);
        int status = Integer.parseInt(parts[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String l = line(in); l != null && !l.isEmpty(); l = line(in)) {
            int colon = l.indexOf(':');
            headers.computeIfAbsent(l.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(l.substring(colon + 1).trim());
        }
        byte[] body;
        String length = first(headers, "content-length");
        if (length != null) {
            body = in.readNBytes(Integer.parseInt(length));
        } else if ("chunked".equalsIgnoreCase(first(headers, "transfer-encoding"))) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            for (int size = Integer.parseInt(line(in).split(";")[0].trim(), 16); size > 0;
                 size = Integer.parseInt(line(in).split(";")[0].trim(), 16)) {
                all.writeBytes(in.readNBytes(size));
                line(in);
            }
            body = all.toByteArray();
        } else {
            body = in.readAllBytes();
        }
        return new Answer(status, headers, new String(body, StandardCharsets.UTF_8), null);
    }

    private static String first(Map<String, List<String>> headers, String name) {
        List<String> values = headers.get(name);
        return values == null ? null : values.get(0);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                String s = b.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            b.write(c);
        }
        return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
    }

    /** A raw answer: status, headers (names in lower case), body text, and how long the exchange took. */
    public record Answer(int status, Map<String, List<String>> headers, String body, Duration took) {
        Answer took(Duration d) {
            return new Answer(status, headers, body, d);
        }

        public String header(String name) {
            return first(headers, name.toLowerCase(Locale.ROOT));
        }

        public String contentType() {
            return header("content-type");
        }

        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException("not JSON: " + body, e);
            }
        }
    }
}
