package io.kessai.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP receiver of Kessai's canonical events on 127.0.0.1 (the HTTP sink of kessai.events.uri). It can
 * refuse deliveries (answer 503) to prove retries and ordering.
 */
public final class EventSink implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpServer server;
    private final List<JsonNode> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger refuseNext = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private volatile boolean down;

    public EventSink() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.createContext("/events", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            int status;
            if (down || refuseNext.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
                refused.incrementAndGet();
                status = 503;
            } else {
                received.add(JSON.readTree(body));
                status = 204;
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
    }

    /** The kessai.events.uri that delivers here. */
    public String uri() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/events?httpMethod=POST";
    }

    public List<JsonNode> received() {
        return new ArrayList<>(received);
    }

    public List<JsonNode> receivedFor(String paymentId) {
        return received.stream().filter(e -> paymentId.equals(e.path("paymentId").asText())).toList();
    }

    public void refuseNext(int deliveries) {
        refuseNext.set(deliveries);
    }

    public void down(boolean down) {
        this.down = down;
    }

    public int refused() {
        return refused.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
