package io.kessai.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.model.ErrorCode;
import io.kessai.model.FieldError;
import io.kessai.model.KessaiException;
import io.kessai.store.StoreException;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns any failure of an API route into an RFC 9457 problem whose {@code title} is a canonical error code. */
public final class ProblemResponder {
    private static final Logger LOG = LoggerFactory.getLogger(ProblemResponder.class);
    public static final String PROBLEM_JSON = "application/problem+json";

    private final ObjectMapper json;

    public ProblemResponder(ObjectMapper json) {
        this.json = json;
    }

    public String respond(Exchange exchange) throws Exception {
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        if (failure instanceof io.kessai.provider.WebhookRejected w) {
            // A webhook answer: the status is what the provider acts on (it retries on 5xx).
            return write(exchange, w.status(), w.title(), "webhook-" + w.title(), w.getMessage(), json.createObjectNode(), null);
        }
        KessaiException k = failure instanceof KessaiException ke ? ke : internal(failure, exchange);
        ObjectNode problem = json.createObjectNode();
        ArrayNode errors = problem.putArray("errors");
        for (FieldError e : k.errors()) {
            errors.addObject().put("field", e.field()).put("code", e.code()).put("message", e.message());
        }
        if (k.paymentId() != null) {
            problem.put("paymentId", k.paymentId());
        }
        if (k.providerCode() != null) {
            problem.put("providerCode", k.providerCode());
        }
        problem.put("retryable", io.kessai.model.PaymentError.of(k.code(), null, null).retryable());
        return write(exchange, k.code().httpStatus(), k.code().wire(), k.code().wire(), k.getMessage(), problem,
                k.code() == ErrorCode.PROVIDER_UNAVAILABLE ? "1" : null);
    }

    /** The problem document (members type, title, status, detail, instance, then {@code extensions}) and its headers. */
    private String write(Exchange exchange, int status, String title, String type, String detail, ObjectNode extensions,
                         String retryAfter) throws Exception {
        ObjectNode problem = json.createObjectNode()
                .put("type", "https://kessai.io/problems/" + type)
                .put("title", title)
                .put("status", status)
                .put("detail", detail)
                .put("instance", exchange.getProperty("kessaiApiPath", String.class));
        if (!extensions.has("errors")) {
            problem.putArray("errors");
        }
        problem.setAll(extensions);
        var message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        message.setHeader(Exchange.CONTENT_TYPE, PROBLEM_JSON);
        if (retryAfter != null) {
            message.setHeader("Retry-After", retryAfter);
        }
        return json.writeValueAsString(problem);
    }

    private static KessaiException internal(Throwable failure, Exchange exchange) {
        if (failure instanceof StoreException) {
            LOG.error("store failure on {}: {}", exchange.getFromRouteId(), failure.getMessage());
            return new KessaiException(ErrorCode.INTERNAL_ERROR, "the store is not available; nothing was changed");
        }
        LOG.error("internal error on {}", exchange.getFromRouteId(), failure);
        return new KessaiException(ErrorCode.INTERNAL_ERROR, "internal error; see the Kessai log");
    }
}
