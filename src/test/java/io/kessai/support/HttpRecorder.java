package io.kessai.support;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

/**
 * Every request a test sent to Kessai through {@link KessaiInstance} or {@link RawHttp} while recording, with the
 * answer it got: for the tests that hold real traffic against the API's description (docs/openapi.yaml).
 */
public final class HttpRecorder {
    /** One request and its answer; header names in lower case, {@code target} as sent (path and query). */
    public record Recorded(String method, String target, Map<String, List<String>> requestHeaders, byte[] requestBody,
                           int status, Map<String, List<String>> responseHeaders, String responseBody) {
        public String path() {
            int q = target.indexOf('?');
            String path = q < 0 ? target : target.substring(0, q);
            return path.startsWith("http") ? java.net.URI.create(path).getRawPath() : path;
        }

        /** The query parameters (decoded), first value of each. */
        public Map<String, String> query() {
            Map<String, String> query = new LinkedHashMap<>();
            int q = target.indexOf('?');
            if (q >= 0) {
                for (String pair : target.substring(q + 1).split("&")) {
                    if (pair.isEmpty()) {
                        continue;
                    }
                    int eq = pair.indexOf('=');
                    String name = java.net.URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                    String value = eq < 0 ? "" : java.net.URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                    query.putIfAbsent(name, value);
                }
            }
            return query;
        }

        public String requestHeader(String name) {
            List<String> values = requestHeaders.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        public String responseHeader(String name) {
            List<String> values = responseHeaders.get(name.toLowerCase(Locale.ROOT));
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        @Override
        public String toString() {
            return method + " " + target + (requestBody == null || requestBody.length == 0 ? ""
                    : " " + abbreviate(new String(requestBody, StandardCharsets.UTF_8)))
                    + " -> " + status + " " + responseHeader("content-type") + " " + abbreviate(responseBody);
        }

        private static String abbreviate(String s) {
            return s == null ? "" : s.length() > 400 ? s.substring(0, 400) + "..." : s;
        }
    }

    private final List<Recorded> recorded = new ArrayList<>();

    public void add(Recorded r) {
        synchronized (recorded) {
            recorded.add(r);
        }
    }

    public List<Recorded> recorded() {
        synchronized (recorded) {
            return List.copyOf(recorded);
        }
    }

    /** The headers with lower-case names. */
    static Map<String, List<String>> lowerCase(Map<String, List<String>> headers) {
        Map<String, List<String>> lower = new LinkedHashMap<>();
        headers.forEach((k, v) -> lower.computeIfAbsent(k.toLowerCase(Locale.ROOT), x -> new ArrayList<>()).addAll(v));
        return lower;
    }

    /** The bytes a java.net.http request sends (its publishers can be read again), or null without a body. */
    static byte[] body(HttpRequest request) {
        if (request.bodyPublisher().isEmpty()) {
            return null;
        }
        HttpRequest.BodyPublisher publisher = request.bodyPublisher().get();
        if (publisher.contentLength() == 0) {
            return new byte[0];
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CompletableFuture<Void> done = new CompletableFuture<>();
        publisher.subscribe(new Flow.Subscriber<ByteBuffer>() {
            @Override
            public void onSubscribe(Flow.Subscription subscription) {
                subscription.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(ByteBuffer item) {
                byte[] bytes = new byte[item.remaining()];
                item.get(bytes);
                synchronized (out) {
                    out.writeBytes(bytes);
                }
            }

            @Override
            public void onError(Throwable throwable) {
                done.completeExceptionally(throwable);
            }

            @Override
            public void onComplete() {
                done.complete(null);
            }
        });
        try {
            done.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the request body could not be read again for the record", e);
        }
        return out.toByteArray();
    }
}
