package io.kessai.api;

import io.kessai.model.FieldError;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The answers the HTTP server gives by itself, before or instead of a Camel route, each an RFC 9457 problem
 * with a transport title of contract section 5 (written by {@link ProblemResponder#document}):
 *
 * <ul>
 *   <li>no route for the path: {@code 404 not_found}; a route for the path but not the method:
 *       {@code 405 method_not_allowed} with {@code Allow};</li>
 *   <li>a body over the server's limit ({@code kessai.http.max-body-bytes}, counted while it arrives, also
 *       when chunked): {@code 413 payload_too_large}, without reading the rest;</li>
 *   <li>a request line or headers over the limits: {@code 414} / {@code 431 payload_too_large};</li>
 *   <li>a body that does not arrive in full within {@code kessai.http.body-timeout-ms} (a
 *       {@code Transfer-Encoding: chunked} request whose body is not chunk-encoded waits forever for a chunk
 *       size line that never ends): {@code 400 invalid_request}.</li>
 * </ul>
 * A problem answered before the request's body was read closes the connection.
 */
public final class TransportProblems {
    private static final Logger LOG = LoggerFactory.getLogger(TransportProblems.class);
    private static final Pattern TEMPLATE_PARAMETER = Pattern.compile("\\{[^/}]+}");
    private static final Map<Integer, String> TITLES = Map.of(
            400, HttpProblem.INVALID_REQUEST,
            401, HttpProblem.UNAUTHORIZED,
            404, HttpProblem.NOT_FOUND,
            405, HttpProblem.METHOD_NOT_ALLOWED,
            413, HttpProblem.PAYLOAD_TOO_LARGE,
            414, HttpProblem.PAYLOAD_TOO_LARGE,
            415, HttpProblem.UNSUPPORTED_MEDIA_TYPE,
            431, HttpProblem.PAYLOAD_TOO_LARGE);

    /** A route the server serves: its path template ({@code /payments/{paymentId}}) and its methods. */
    public record Endpoint(String path, Collection<String> methods) {
    }

    private final ProblemResponder problems;
    private final Supplier<Collection<Endpoint>> endpoints;
    private final Limits limits;

    /** The server's limits, as configured (kessai.http.*). */
    public record Limits(long maxBodyBytes, int maxRequestLineBytes, int maxHeaderBytes, Duration bodyTimeout) {
    }

    private final java.util.function.BooleanSupplier started;

    /**
     * @param started whether Kessai's routes are all up: until then the server is listening but a path
     *                without a route yet answers {@code 503} (retry), never a misleading 404
     */
    public TransportProblems(ProblemResponder problems, Supplier<Collection<Endpoint>> endpoints, Limits limits,
                             java.util.function.BooleanSupplier started) {
        this.problems = problems;
        this.endpoints = endpoints;
        this.limits = limits;
        this.started = started;
    }

    public Limits limits() {
        return limits;
    }

    /**
     * Adds to the server's router: first, the body deadline of every request that has a body; last, the
     * answer for a request no route took and the problem for any failure no route answered.
     */
    private volatile Vertx vertx;

    public void install(Vertx vertx, Router router) {
        this.vertx = vertx;
        router.route().order(Integer.MIN_VALUE).handler(ctx -> bodyDeadline(vertx, ctx));
        router.route().order(Integer.MAX_VALUE).handler(this::noRoute);
        router.route().order(Integer.MAX_VALUE).failureHandler(this::failed);
    }

    /** The server's answer to a request it could not decode (Vert.x invalidRequestHandler): 414, 431 or 400. */
    public void invalidRequest(HttpServerRequest request) {
        Throwable cause = request.decoderResult().cause();
        if (cause instanceof TooLongHttpLineException) {
            answer(request, 414, HttpProblem.PAYLOAD_TOO_LARGE, "the request line (method, URI and version) is longer than "
                    + limits.maxRequestLineBytes() + " bytes", null, List.of(), true);
        } else if (cause instanceof TooLongHttpHeaderException) {
            answer(request, 431, HttpProblem.PAYLOAD_TOO_LARGE, "the request headers are larger than "
                    + limits.maxHeaderBytes() + " bytes", null, List.of(), true);
        } else {
            answer(request, 400, HttpProblem.INVALID_REQUEST, "the request is not valid HTTP/1.1", null, List.of(), true);
        }
    }

    private void bodyDeadline(Vertx vertx, RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        if (hasBody(request) && !request.isEnded()) {
            long timeout = limits.bodyTimeout().toMillis();
            long timer = vertx.setTimer(timeout, id -> {
                if (!request.isEnded() && !ctx.response().headWritten()) {
                    String message = "the body did not arrive in full within " + timeout + " ms"
                            + (request.headers().contains(HttpHeaders.TRANSFER_ENCODING, "chunked", true)
                            ? " (with Transfer-Encoding: chunked it must be sent as chunks)" : "");
                    answer(request, 400, HttpProblem.INVALID_REQUEST, message, ctx.normalizedPath(),
                            List.of(new FieldError("body", "incomplete", message)), true);
                }
            });
            ctx.addEndHandler(done -> vertx.cancelTimer(timer));
        }
        ctx.next();
    }

    private static boolean hasBody(HttpServerRequest request) {
        String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        return request.headers().contains(HttpHeaders.TRANSFER_ENCODING)
                || (length != null && !length.trim().equals("0"));
    }

    private void noRoute(RoutingContext ctx) {
        String path = ctx.normalizedPath();
        Set<String> allowed = allowedMethods(path);
        HttpServerRequest request = ctx.request();
        if (!started.getAsBoolean()) {
            ctx.response().putHeader(HttpHeaders.RETRY_AFTER, "1");
            answer(request, 503, HttpProblem.STORE_UNAVAILABLE, "Kessai is starting and cannot take this request yet;"
                    + " send it again in a moment", path, List.of(), !request.isEnded());
        } else if (allowed.isEmpty()) {
            answer(request, 404, HttpProblem.NOT_FOUND, "there is no resource at " + path, path, List.of(),
                    !request.isEnded());
        } else {
            String allow = String.join(", ", allowed);
            ctx.response().putHeader(HttpHeaders.ALLOW, allow);
            answer(request, 405, HttpProblem.METHOD_NOT_ALLOWED, request.method().name() + " is not allowed on "
                    + path + "; allowed: " + allow, path, List.of(), !request.isEnded());
        }
    }

    /** The methods the served routes take at this path (empty: no route has this path). */
    Set<String> allowedMethods(String path) {
        Set<String> allowed = new TreeSet<>();
        for (Endpoint endpoint : endpoints.get()) {
            if (matches(endpoint.path(), path)) {
                endpoint.methods().forEach(m -> allowed.add(m.trim().toUpperCase(java.util.Locale.ROOT)));
            }
        }
        return allowed;
    }

    static boolean matches(String template, String path) {
        StringBuilder regex = new StringBuilder();
        var m = TEMPLATE_PARAMETER.matcher(template);
        int at = 0;
        while (m.find()) {
            regex.append(Pattern.quote(template.substring(at, m.start()))).append("[^/]+");
            at = m.end();
        }
        regex.append(Pattern.quote(template.substring(at))).append("/?");
        return path != null && path.matches(regex.toString());
    }

    private void failed(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        if (ctx.response().headWritten()) {
            if (!request.isEnded()) {
                request.connection().close();
            }
            return;
        }
        int status = ctx.statusCode();
        Throwable failure = ctx.failure();
        String path = ctx.normalizedPath();
        boolean close = !request.isEnded();
        if (isTooLongForm(failure)) {
            status = 413;
        }
        if (status == 413) {
            answer(request, 413, HttpProblem.PAYLOAD_TOO_LARGE, "the body is larger than " + limits.maxBodyBytes()
                    + " bytes", path, List.of(new FieldError("body", "max_size", "must be at most "
                    + limits.maxBodyBytes() + " bytes")), close);
        } else if (isFraming(failure)) {
            // The body's framing broke (a chunk size line that is not one): Vert.x closes the connection next.
            String message = "the body is not valid HTTP/1.1 framing"
                    + (request.headers().contains(HttpHeaders.TRANSFER_ENCODING, "chunked", true)
                    ? " (with Transfer-Encoding: chunked it must be sent as chunks)" : "");
            answer(request, 400, HttpProblem.INVALID_REQUEST, message, path,
                    List.of(new FieldError("body", "framing", message)), true);
        } else if (status == 405) {
            noRoute(ctx);
        } else if (TITLES.containsKey(status)) {
            answer(request, status, TITLES.get(status), "the request was refused", path, List.of(), close);
        } else if (status >= 400 && status < 500) {
            answer(request, status, HttpProblem.INVALID_REQUEST, "the request was refused", path, List.of(), close);
        } else {
            LOG.error("internal error answering {} {}", request.method(), path, failure);
            answer(request, 500, HttpProblem.INTERNAL_ERROR, "internal error; see the Kessai log", path, List.of(), close);
        }
    }

    private static boolean isFraming(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof io.netty.handler.codec.DecoderException || t instanceof io.netty.handler.codec.TooLongFrameException) {
                return true;
            }
        }
        return false;
    }

    private static boolean isTooLongForm(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof HttpPostRequestDecoder.TooLongFormFieldException
                    || t instanceof HttpPostRequestDecoder.TooManyFormFieldsException) {
                return true;
            }
        }
        return false;
    }

    /**
     * Ends the connection once the client has stopped sending: the rest of the body is read and dropped (up to
     * eight times the body limit, and no longer than the body timeout), because a close while the client is still
     * sending resets the connection and the client never reads the answer it was given.
     */
    private void closeWhenDrained(HttpServerRequest request) {
        Vertx v = vertx;
        if (request.isEnded() || v == null) {
            request.connection().close();
            return;
        }
        long cap = limits.maxBodyBytes() * 8;
        long[] dropped = {0};
        try {
            request.handler(buffer -> {
                dropped[0] += buffer.length();
                if (dropped[0] > cap) {
                    request.connection().close();
                }
            });
            request.endHandler(done -> request.connection().close());
            request.exceptionHandler(e -> request.connection().close());
            request.resume();
        } catch (IllegalStateException alreadyRead) {
            request.connection().close();
            return;
        }
        v.setTimer(Math.max(1, limits.bodyTimeout().toMillis()), id -> request.connection().close());
    }

    /** Writes the problem; {@code close}: the connection ends after it (the rest of the request is dropped). */
    private void answer(HttpServerRequest request, int status, String title, String detail, String instance,
                        List<FieldError> errors, boolean close) {
        HttpServerResponse response = request.response();
        response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, ProblemResponder.PROBLEM_JSON);
        if (close) {
            response.putHeader(HttpHeaders.CONNECTION, "close");
        }
        response.end(problems.document(status, title, detail, instance, errors)).onComplete(done -> {
            if (close) {
                closeWhenDrained(request);
            }
        });
        if (request.connection() instanceof ConnectionBase connection) {
            // Out now: after a broken body Vert.x closes the channel as soon as this failure is handled,
            // and a close drops what is written but not flushed.
            connection.flush();
        }
    }
}
