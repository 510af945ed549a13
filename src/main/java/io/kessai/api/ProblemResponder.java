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
        if (failure instanceof io.kessai.webhook.WebhookRejected w) {
            return webhookProblem(exchange, w);
        }
        KessaiException k = failure instanceof KessaiException ke ? ke : internal(failure, exchange);
        ObjectNode problem = json.createObjectNode()
                .put("type", "https://kessai.io/problems/" + k.code().wire())
                .put("title", k.code().wire())
                .put("status", k.code().httpStatus())
                .put("detail", k.getMessage())
                .put("instance", exchange.getProperty("kessaiApiPath", String.class));
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
        var message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, k.code().httpStatus());
        message.setHeader(Exchange.CONTENT_TYPE, PROBLEM_JSON);
        if (k.code() == ErrorCode.PROVIDER_UNAVAILABLE) {
            message.setHeader("Retry-After", "1");
        }
        return json.writeValueAsString(problem);
    }

    /** A webhook answer: the status is what the provider acts on (retry on 5xx). */
    private String webhookProblem(Exchange exchange, io.kessai.webhook.WebhookRejected w) throws Exception {
        ObjectNode problem = json.createObjectNode()
                .put("type", "https://kessai.io/problems/webhook-" + w.title())
                .put("title", w.title())
                .put("status", w.status())
                .put("detail", w.getMessage())
                .put("instance", exchange.getProperty("kessaiApiPath", String.class));
        problem.putArray("errors");
        var message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, w.status());
        message.setHeader(Exchange.CONTENT_TYPE, PROBLEM_JSON);
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
