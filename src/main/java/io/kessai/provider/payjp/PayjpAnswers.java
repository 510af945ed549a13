package io.kessai.provider.payjp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kessai.model.ErrorCode;
import io.kessai.model.KessaiException;
import io.kessai.model.PaymentError;
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
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads every PAY.JP answer: the one place that knows the charge object, the list object and the error object
 * {@code {"error":{"code","message","param","status","type"}}}, with the error map to the canonical codes.
 */
public final class PayjpAnswers {
    static final String PROVIDER = "payjp";
    /** card_error codes that are the issuer's or the card's refusal. */
    private static final Set<String> DECLINES = Set.of("card_declined", "expired_card", "invalid_cvc", "card_flagged",
            "incorrect_card_data", "invalid_number", "invalid_expiry_month", "invalid_expiry_year", "invalid_expiration_date",
            "unacceptable_brand", "missing_card", "invalid_card");
    /** Refusals because the charge is not in a state for the operation. */
    private static final Set<String> STATE = Set.of("already_captured", "cant_capture_refunded_charge", "already_refunded",
            "charge_expired", "failed_payment", "invalid_amount_to_not_captured", "refund_limit_exceeded",
            "capture_amount_gt_net", "refund_amount_gt_net");

    private final ObjectMapper json;
    private final Clock clock;

    public PayjpAnswers(ObjectMapper json, Clock clock) {
        this.json = json;
        this.clock = clock;
    }

    /**
     * Judges each attempt's answer: a 2xx passes; 429 ({@code over_capacity}, before any processing) and 5xx are
     * sent again with the same Idempotency-Key (PAY.JP stores no answer for them, so the key may be retried); 409
     * {@code idempotency_timeout} (the first request with the key is still running) too; 404 to
     * {@code GET /charges/{id}} means PAY.JP has no such charge; anything else is PAY.JP's refusal.
     */
    public void check(Exchange exchange) {
        int status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        String body = exchange.getMessage().getBody(String.class);
        exchange.getMessage().setBody(body);
        if (status >= 200 && status < 300) {
            return;
        }
        JsonNode error = ProviderJson.parseOrNull(json, body);
        error = error == null ? null : error.get("error");
        String code = ProviderJson.text(error, "code");
        String type = ProviderJson.text(error, "type");
        if (status == 429) {
            throw new RetryableUpstreamAnswer(429, code == null ? "over_capacity" : code, true);
        }
        if (status >= 500) {
            throw new RetryableUpstreamAnswer(status, code == null ? "http_" + status : code, false);
        }
        if (status == 409 && "idempotency_timeout".equals(code)) {
            throw new RetryableUpstreamAnswer(409, code, false);
        }
        String path = exchange.getProperty(ProviderExchange.UPSTREAM_PATH, String.class);
        if (status == 404 && "GET".equals(exchange.getProperty(PayjpRequests.METHOD, String.class))
                && path != null && path.startsWith("/charges/")) {
            throw new NotAtProvider(PROVIDER, code == null ? "invalid_id" : code);
        }
        if (path != null && path.startsWith("/platform/") && status != 401) {
            throw platformError(status, ProviderJson.parseOrNull(json, body), error, code);
        }
        throw error(status, type, code, ProviderJson.text(error, "param"));
    }

    /**
     * A refusal of the Platform API: the field errors {@code {"errors":{field:[{code,message}]}}} and an error object
     * naming its {@code param} become the problem's {@code errors}, field by field ({@code 400 invalid_request});
     * 404 is {@code not_found}.
     */
    static KessaiException platformError(int status, JsonNode whole, JsonNode error, String code) {
        List<io.kessai.model.FieldError> fields = new java.util.ArrayList<>();
        JsonNode errors = whole == null ? null : whole.get("errors");
        if (errors != null && errors.isObject()) {
            errors.fields().forEachRemaining(f -> {
                for (JsonNode e : f.getValue().isArray() ? f.getValue() : json1(f.getValue())) {
                    fields.add(new io.kessai.model.FieldError(f.getKey(),
                            java.util.Objects.requireNonNullElse(ProviderJson.text(e, "code"), "invalid"),
                            java.util.Objects.requireNonNullElse(ProviderJson.text(e, "message"), "refused by PAY.JP")));
                }
            });
        }
        String param = ProviderJson.text(error, "param");
        String message = ProviderJson.text(error, "message");
        if (status == 404) {
            return new KessaiException(ErrorCode.NOT_FOUND, "PAY.JP: " + (message == null ? "no such object" : message),
                    param == null ? List.of() : List.of(new io.kessai.model.FieldError(param,
                            code == null ? "invalid_id" : code, message == null ? "not found" : message)),
                    code == null ? "invalid_id" : code, null);
        }
        if (fields.isEmpty() && param != null && status >= 400 && status < 500) {
            fields.add(new io.kessai.model.FieldError(param, code == null ? "invalid" : code,
                    message == null ? "refused by PAY.JP" : message));
        }
        if (!fields.isEmpty() && status >= 400 && status < 500) {
            String detail = fields.size() == 1 ? "PAY.JP refused " + fields.get(0).field() + ": " + fields.get(0).message()
                    : "PAY.JP refused " + fields.size() + " fields; see errors";
            return new KessaiException(ErrorCode.INVALID_REQUEST, detail, fields,
                    code != null ? code : fields.get(0).code(), null);
        }
        return error(status, ProviderJson.text(error, "type"), code, param);
    }

    private static Iterable<JsonNode> json1(JsonNode node) {
        return List.of(node);
    }

    /** PAY.JP's error object to the canonical code, PAY.JP's code kept as providerCode (providers.md, payjp). */
    static KessaiException error(int status, String type, String code, String param) {
        String c = code == null ? "http_" + status : code;
        ErrorCode canonical;
        if (status == 401 || "auth_error".equals(type)) {
            canonical = ErrorCode.PROVIDER_AUTH_FAILED;
        } else if ("card_error".equals(type) || status == 402) {
            canonical = DECLINES.contains(c) ? ErrorCode.CARD_DECLINED : ErrorCode.PAYMENT_FAILED;
        } else if (STATE.contains(c)) {
            canonical = ErrorCode.INVALID_STATE;
        } else if ("over_capacity".equals(c)) {
            canonical = ErrorCode.PROVIDER_UNAVAILABLE;
        } else if (status >= 500) {
            canonical = ErrorCode.PROVIDER_TIMEOUT;
        } else {
            canonical = ErrorCode.PROVIDER_ERROR;
        }
        String message = switch (canonical) {
            case PROVIDER_AUTH_FAILED -> "PAY.JP rejected Kessai's secret key (check kessai.providers.payjp.secret-key)";
            case CARD_DECLINED -> "PAY.JP declined the card: " + c;
            case PAYMENT_FAILED -> "PAY.JP could not process the card: " + c;
            case INVALID_STATE -> "PAY.JP refused the operation in the charge's state: " + c;
            case PROVIDER_TIMEOUT -> "PAY.JP answered HTTP " + status + "; whether it acted is not known."
                    + " The payment is reconciled with GET /v1/charges";
            default -> "PAY.JP refused the request (HTTP " + status + "): " + c + (param == null ? "" : " (" + param + ")");
        };
        if (canonical == ErrorCode.PROVIDER_TIMEOUT) {
            return UpstreamFailures.unknown(message, c);
        }
        return new KessaiException(canonical, message, List.of(), c, null);
    }

    /** The outcome of a 2xx charge object (create, capture, refund, retrieve). */
    public ProviderOutcome outcome(Exchange exchange) {
        PaymentView payment = exchange.getProperty(ProviderExchange.PAYMENT, PaymentView.class);
        JsonNode charge = parse(exchange.getMessage().getBody(String.class));
        if (!"charge".equals(ProviderJson.text(charge, "object"))) {
            throw UpstreamFailures.unreadable("PAY.JP", "an object that is not a charge");
        }
        return outcome(charge, payment);
    }

    ProviderOutcome outcome(JsonNode charge, PaymentView payment) {
        String id = ProviderJson.text(charge, "id");
        PaymentStatus status = PayjpStatusMap.toCanonical(charge, clock.instant().getEpochSecond());
        JsonNode amountNode = charge.get("amount");
        JsonNode refundedNode = charge.get("amount_refunded");
        if (id == null || status == null || amountNode == null || !amountNode.canConvertToLong()
                || refundedNode == null || !refundedNode.canConvertToLong()) {
            throw UpstreamFailures.unreadable("PAY.JP", "a charge without id, amount, amount_refunded or its flags");
        }
        ProviderOutcome outcome = ProviderOutcome.of(status, PayjpStatusMap.word(charge, status))
                .withProviderRef(Map.of("id", id));
        BigDecimal amount = BigDecimal.valueOf(amountNode.asLong());
        BigDecimal amountRefunded = BigDecimal.valueOf(refundedNode.asLong());
        switch (status) {
            case AUTHORIZED -> {
                JsonNode expiredAt = charge.get("expired_at");
                if (expiredAt != null && expiredAt.isNumber()) {
                    outcome = outcome.withCaptureExpiresAt(OffsetDateTime.ofInstant(
                            Instant.ofEpochSecond(expiredAt.asLong()), ZoneOffset.ofHours(9)));
                }
            }
            case CAPTURED, REFUNDED -> {
                // PAY.JP counts the part released by a partial capture in amount_refunded: what Kessai already
                // knows was captured tells the release from the refunds.
                BigDecimal known = payment == null ? BigDecimal.ZERO : payment.capturedAmount();
                BigDecimal captured = known != null && known.signum() > 0 ? known : amount.subtract(amountRefunded);
                BigDecimal refunded = amountRefunded.subtract(amount.subtract(captured));
                outcome = outcome.withCapturedAmount(captured).withRefundedAmount(refunded.max(BigDecimal.ZERO));
            }
            case FAILED -> {
                String failure = ProviderJson.text(charge, "failure_code");
                KessaiException e = error(402, "card_error", failure, null);
                outcome = outcome.withError(PaymentError.of(e.code(), e.getMessage(), failure));
            }
            default -> {
            }
        }
        return outcome;
    }

    /**
     * One page of {@code GET /charges} while the inquiry looks for a charge with no id yet: the charge carrying
     * {@code metadata[kessai_payment_id]} decides; another page is asked for while PAY.JP has more; none at all
     * means PAY.JP has no such charge.
     */
    public ProviderOutcome searched(Exchange exchange) {
        PaymentView payment = exchange.getProperty(ProviderExchange.PAYMENT, PaymentView.class);
        JsonNode list = parse(exchange.getMessage().getBody(String.class));
        JsonNode data = list.get("data");
        JsonNode more = list.get("has_more");
        if (!"list".equals(ProviderJson.text(list, "object")) || data == null || !data.isArray()
                || more == null || !more.isBoolean()) {
            throw UpstreamFailures.unreadable("PAY.JP", "a charge list without data or has_more");
        }
        for (JsonNode charge : data) {
            if (payment.paymentId().equals(ProviderJson.text(charge.path("metadata"), PayjpProvider.PAYMENT_KEY))) {
                exchange.setProperty(PayjpRequests.SEARCHING, false);
                return outcome(charge, payment);
            }
        }
        if (more.asBoolean() && data.size() > 0) {
            int offset = exchange.getProperty(PayjpRequests.OFFSET, 0, Integer.class) + data.size();
            exchange.setProperty(PayjpRequests.OFFSET, offset);
            return null;   // the route asks for the next page
        }
        exchange.setProperty(PayjpRequests.SEARCHING, false);
        throw new NotAtProvider(PROVIDER, "no_charge_with_payment_id");
    }

    private JsonNode parse(String body) {
        JsonNode node = ProviderJson.parseOrNull(json, body);
        if (node == null || !node.isObject()) {
            throw UpstreamFailures.unreadable("PAY.JP", "a body that is not a JSON object");
        }
        return node;
    }
}
