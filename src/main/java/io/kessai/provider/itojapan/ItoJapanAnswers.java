package io.kessai.provider.itojapan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.kessai.model.ErrorCode;
import io.kessai.model.FieldError;
import io.kessai.model.KessaiException;
import io.kessai.model.NextAction;
import io.kessai.model.PaymentStatus;
import io.kessai.model.PaymentView;
import io.kessai.model.ProviderOutcome;
import io.kessai.provider.NotAtProvider;
import io.kessai.provider.ProviderExchange;
import io.kessai.provider.ProviderJson;
import io.kessai.provider.RetryableUpstreamAnswer;
import io.kessai.provider.UpstreamFailures;
import org.apache.camel.Exchange;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads every ITO-Japan answer: the envelope {@code {code, status, message}} with the process answer's
 * {@code payment_id} and {@code url}, check-validity's "Transaction is valid" / "Transaction not found", and the
 * error map (the provider's {@code code} kept as providerCode).
 */
public final class ItoJapanAnswers {
    static final String PROVIDER = ItoJapanProvider.ID;
    /** Kessai's fields for the provider's body fields, for its validation errors. */
    static final Map<String, String> FIELDS = Map.of("custom", "orderId", "currency_code", "currency", "amount", "amount",
            "details", "description", "customer_email", "customer.email");

    private final ObjectMapper json;
    /** Kessai's mapper keeping decimals as written (the webhook's 5.00 stays 5.00). */
    private final ObjectMapper exact;

    public ItoJapanAnswers(ObjectMapper json) {
        this.json = json;
        this.exact = json.copy().setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));
    }

    /**
     * Judges each attempt's answer. ITO-Japan takes no idempotency key, so nothing that reached it is sent again: a
     * 5xx leaves the outcome unknown (reconciled by check-validity); a 429 refused before processing is sent again;
     * 401 is the credentials; 422 the body rules field by field; check-validity's 404 is an answer to read.
     */
    public void check(Exchange exchange) {
        int status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        String body = exchange.getMessage().getBody(String.class);
        exchange.getMessage().setBody(body);
        JsonNode answer = ProviderJson.parseOrNull(json, body);
        String code = answer == null || !answer.isObject() ? String.valueOf(status)
                : answer.path("code").asText(String.valueOf(status));
        String message = ProviderJson.text(answer, "message");
        if (status == 429) {
            throw new RetryableUpstreamAnswer(status, code, true);
        }
        if (status >= 500) {
            throw UpstreamFailures.unknown("ito-japan failed with HTTP " + status
                    + "; the payment is reconciled by check-validity", code);
        }
        boolean checkValidity = ItoJapanRequests.CHECK_VALIDITY.equals(exchange.getProperty(ProviderExchange.UPSTREAM_PATH));
        if (status == 200 || (status == 404 && checkValidity)) {
            if (answer == null || !answer.isObject()) {
                throw UpstreamFailures.unreadable(PROVIDER, "HTTP " + status + " without a JSON object");
            }
            return;
        }
        if (status == 401 || status == 403) {
            throw new KessaiException(ErrorCode.PROVIDER_AUTH_FAILED, "ito-japan refused Kessai's credentials or signature"
                    + (message == null ? "" : ": " + message), List.of(), code, null);
        }
        if (status == 422 || status == 400) {
            // The payment's error keeps only the message: it names the order's fields the provider refused.
            List<FieldError> fields = fieldErrors(answer);
            StringBuilder detail = new StringBuilder("ito-japan refused the request");
            detail.append(message == null ? "" : ": " + message);
            for (FieldError f : fields) {
                detail.append(" ").append(f.field()).append(": ").append(f.message());
            }
            throw new KessaiException(ErrorCode.INVALID_REQUEST, detail.toString(), fields, code, null);
        }
        throw new KessaiException(ErrorCode.PROVIDER_ERROR, "ito-japan answered HTTP " + status
                + (message == null ? "" : ": " + message), List.of(), code, null);
    }

    private static List<FieldError> fieldErrors(JsonNode answer) {
        List<FieldError> errors = new ArrayList<>();
        JsonNode e = answer == null ? null : answer.get("errors");
        if (e != null && e.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = e.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                String text = f.getValue().isArray() && !f.getValue().isEmpty() ? f.getValue().get(0).asText() : f.getValue().asText();
                errors.add(new FieldError(FIELDS.getOrDefault(f.getKey(), f.getKey()), "provider_rule", text));
            }
        }
        return errors;
    }

    /** The process answer: requires_action, the customer sent to the checkout {@code url}. */
    public ProviderOutcome processed(Exchange exchange) {
        JsonNode answer = parse(exchange);
        String paymentId = ProviderJson.text(answer, "payment_id");
        String url = ProviderJson.text(answer, "url");
        if (!"ok".equals(ProviderJson.text(answer, "status")) || paymentId == null || url == null
                || !(url.startsWith("https://") || url.startsWith("http://"))) {
            throw UpstreamFailures.unreadable(PROVIDER, "a process answer without status ok, payment_id and url");
        }
        return ProviderOutcome.of(PaymentStatus.REQUIRES_ACTION, "ok")
                .withProviderRef(Map.of("id", paymentId))
                .withNextAction(NextAction.redirect(url));
    }

    /**
     * check-validity: "valid" is captured (the whole amount: the page takes no other). "Transaction not found" of a
     * payment ITO-Japan gave a payment_id: the customer has not paid (yet), so it still requires action; the janitor
     * asks again until the payment's maximum age.
     */
    public ProviderOutcome validity(Exchange exchange) {
        PaymentView payment = exchange.getProperty(ProviderExchange.PAYMENT, PaymentView.class);
        JsonNode answer = parse(exchange);
        int code = answer.path("code").asInt(exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class));
        Map<String, String> ref = new LinkedHashMap<>();
        if (payment.providerRef() != null) {
            ref.putAll(payment.providerRef());
        }
        if (code == 200 && "ok".equals(ProviderJson.text(answer, "status"))) {
            return ProviderOutcome.of(PaymentStatus.CAPTURED, "valid").withProviderRef(ref)
                    .withCapturedAmount(payment.amount());
        }
        if (code == 404) {
            if (payment.status() == PaymentStatus.REQUIRES_ACTION) {
                return ProviderOutcome.of(PaymentStatus.REQUIRES_ACTION, "not_found").withProviderRef(ref)
                        .withNextAction(payment.nextAction());
            }
            throw new NotAtProvider(PROVIDER, "404");
        }
        throw UpstreamFailures.unreadable(PROVIDER, "a check-validity answer that is neither valid nor not found");
    }

    /**
     * A verified webhook confirmed by check-validity (the body is the inquiry's outcome, the property
     * {@code itoJapanNotification} the stored webhook): once captured, its {@code transaction} and {@code charge}
     * (the provider's fee) are kept in providerRef when they are about this payment, amount and currency.
     */
    public ProviderOutcome confirmed(Exchange exchange) {
        ProviderOutcome outcome = exchange.getMessage().getBody(ProviderOutcome.class);
        PaymentView payment = exchange.getProperty(ProviderExchange.PAYMENT, PaymentView.class);
        JsonNode hook = ProviderJson.parseOrNull(exact, exchange.getProperty("itoJapanNotification", String.class));
        if (outcome.status() != PaymentStatus.CAPTURED || hook == null) {
            return outcome;
        }
        BigDecimal amount = decimal(hook.get("amount"));
        boolean same = payment.ref("id") != null && payment.ref("id").equals(ProviderJson.text(hook, "payment_id"))
                && payment.currency().equals(ProviderJson.text(hook, "currency"))
                && amount != null && amount.compareTo(payment.amount()) == 0;
        if (!same) {
            return outcome;
        }
        Map<String, String> ref = new LinkedHashMap<>(outcome.providerRef() == null ? Map.of() : outcome.providerRef());
        if (ProviderJson.text(hook, "transaction") != null) {
            ref.put("transaction", ProviderJson.text(hook, "transaction"));
        }
        BigDecimal charge = decimal(hook.get("charge"));
        if (charge != null) {
            ref.put("fee", charge.toPlainString());
        }
        return outcome.withProviderRef(ref);
    }

    private static BigDecimal decimal(JsonNode n) {
        if (n == null || !(n.isNumber() || n.isTextual())) {
            return null;
        }
        try {
            return new BigDecimal(n.asText());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private JsonNode parse(Exchange exchange) {
        JsonNode node = ProviderJson.parseOrNull(json, exchange.getMessage().getBody(String.class));
        if (node == null || !node.isObject()) {
            throw UpstreamFailures.unreadable(PROVIDER, "something that is not a JSON object");
        }
        return node;
    }
}
