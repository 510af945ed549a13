package io.kessai.provider.gmo;

import io.kessai.provider.ProviderJson;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kessai.model.ErrorCode;
import io.kessai.model.KessaiException;
import io.kessai.model.NextAction;
import io.kessai.model.PaymentError;
import io.kessai.model.PaymentStatus;
import io.kessai.model.PaymentView;
import io.kessai.provider.ProviderExchange;
import io.kessai.model.ProviderOutcome;
import io.kessai.provider.RetryableUpstreamAnswer;
import io.kessai.provider.NotAtProvider;
import io.kessai.provider.UpstreamFailures;
import org.apache.camel.Exchange;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads every GMO answer: the one place that knows GMO's response shapes and its RFC 9457 error titles.
 */
public final class GmoAnswers {
    static final String PROVIDER = "gmo-pg";
    /** The document: only these may succeed when retried with the same idempotency key. */
    private static final Set<Integer> RETRYABLE = Set.of(409, 429, 500, 502);

    private final ObjectMapper json;

    public GmoAnswers(ObjectMapper json) {
        this.json = json;
    }

    /**
     * Judges each attempt's answer: a 2xx passes; 409, 429, 500 and 502 are sent again by the upstream-call
     * template (429 proves GMO did nothing; the others do not); anything else is GMO's refusal. An inquiry
     * by orderId that GMO answers {@code invalid_parameter} means GMO has no such order: the charge never
     * arrived (GMO documents no other "not found" answer for /order/inquiry).
     */
    public void check(Exchange exchange) {
        int status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        String body = exchange.getMessage().getBody(String.class);
        exchange.getMessage().setBody(body);
        if (status >= 200 && status < 300) {
            return;
        }
        JsonNode problem = ProviderJson.parseOrNull(json, body);
        String title = ProviderJson.text(problem, "title");
        String detail = ProviderJson.text(problem, "detail");
        if (RETRYABLE.contains(status) && !"maintenance".equals(title)) {
            throw new RetryableUpstreamAnswer(status, title);
        }
        if ("/order/inquiry".equals(exchange.getProperty(ProviderExchange.UPSTREAM_PATH, String.class)) && status == 400
                && "invalid_parameter".equals(title) && detail != null && detail.contains("orderId")) {
            throw new NotAtProvider(PROVIDER, title);
        }
        throw error(status, title, detail);
    }

    /** GMO's error titles to canonical codes (providers.md, gmo-pg). */
    static KessaiException error(int status, String title, String detail) {
        String t = title == null ? "http_" + status : title;
        ErrorCode code = switch (t) {
            case "card_declined" -> ErrorCode.CARD_DECLINED;
            case "insufficient_balance" -> ErrorCode.INSUFFICIENT_FUNDS;
            case "amount_limit_exceeded" -> ErrorCode.AMOUNT_LIMIT_EXCEEDED;
            case "processing_failure", "operation_aborted_by_user" -> ErrorCode.PAYMENT_FAILED;
            case "unauthorized_request" -> status == 401 ? ErrorCode.PROVIDER_AUTH_FAILED : ErrorCode.PAYMENT_FAILED;
            case "invalid_status", "transaction_expired" -> ErrorCode.INVALID_STATE;
            case "maintenance", "service_unavailable", "too_many_requests" -> ErrorCode.PROVIDER_UNAVAILABLE;
            default -> status == 401 ? ErrorCode.PROVIDER_AUTH_FAILED
                    : status == 503 ? ErrorCode.PROVIDER_UNAVAILABLE
                    : status == 402 ? ErrorCode.PAYMENT_FAILED
                    // another 5xx (a gateway's 504, a 501) does not prove that GMO did nothing: unknown
                    : status >= 500 ? ErrorCode.PROVIDER_TIMEOUT
                    : ErrorCode.PROVIDER_ERROR;
        };
        String message = switch (code) {
            case PROVIDER_AUTH_FAILED -> "GMO PG rejected Kessai's credentials (check shop-id and shop-pass)";
            case PROVIDER_TIMEOUT -> "GMO PG answered HTTP " + status + "; whether it acted is not known."
                    + " The payment is reconciled with /order/inquiry";
            case PROVIDER_ERROR -> "GMO PG refused the request: " + t + (detail == null ? "" : " (" + detail + ")");
            default -> detail == null ? "GMO PG answered " + t : detail;
        };
        return new KessaiException(code, message, List.of(), t, null);
    }

    /**
     * The outcome of a 2xx answer to a charge, finalize, capture, cancel or inquiry: the
     * orderReference status through {@link GmoStatusMap}, accessId, redirect and capture expiry.
     */
    public ProviderOutcome outcome(Exchange exchange) {
        PaymentView payment = exchange.getProperty(ProviderExchange.PAYMENT, PaymentView.class);
        JsonNode answer = parse(exchange.getMessage().getBody(String.class));
        JsonNode ref = answer.path("orderReference");
        String gmoStatus = ProviderJson.text(ref, "status");
        JsonNode errorInformation = answer.path("errorInformation");
        boolean failedLast = errorInformation.isObject() && ProviderJson.text(errorInformation, "title") != null;
        if (gmoStatus == null) {
            throw UpstreamFailures.unreadable("GMO PG", "without orderReference.status");
        }
        PaymentStatus status = GmoStatusMap.toCanonical(gmoStatus, payment.status(), failedLast);
        if (status == null) {
            throw UpstreamFailures.unreadable("GMO PG", "an unknown status " + gmoStatus);
        }
        ProviderOutcome outcome = ProviderOutcome.of(status, gmoStatus);
        String accessId = ProviderJson.text(ref, "accessId");
        if (accessId != null) {
            outcome = outcome.withProviderRef(Map.of("id", accessId));
        }
        JsonNode cash = answer.path("cashResult");
        if (status == PaymentStatus.REQUIRES_ACTION && cash.isObject()) {
            outcome = outcome.withNextAction(payOffline(cash));
        } else if (status == PaymentStatus.REQUIRES_ACTION) {
            String url = ProviderJson.text(answer.path("redirectInformation"), "redirectUrl");
            outcome = outcome.withNextAction(url == null ? payment.nextAction() : NextAction.redirect(url));
        }
        String deadline = ProviderJson.text(cash, "paymentExpiryDateTime");
        if (deadline != null) {
            outcome = outcome.withActionDeadline(OffsetDateTime.parse(deadline));
        }
        if (status == PaymentStatus.CAPTURED || status == PaymentStatus.REFUNDED) {
            outcome = outcome.withCapturedAmount(payment.amount());
        }
        if (status == PaymentStatus.FAILED && failedLast) {
            String title = ProviderJson.text(errorInformation, "title");
            String detail = ProviderJson.text(errorInformation, "detail");
            outcome = outcome.withError(PaymentError.of(error(402, title, detail).code(), detail, title));
        }
        String expiry = ProviderJson.text(answer.path("creditResult"), "captureExpiryDateTime");
        if (expiry != null) {
            outcome = outcome.withCaptureExpiresAt(OffsetDateTime.parse(expiry));
        }
        return outcome;
    }

    /**
     * What the customer needs to pay offline: the cash type, the deadline, and every field of the type's
     * payment information (konbini numbers, Pay-easy numbers, or the virtual bank account).
     */
    private NextAction payOffline(JsonNode cash) {
        Map<String, Object> details = new java.util.LinkedHashMap<>();
        details.put("cashType", ProviderJson.text(cash, "cashType"));
        details.put("deadline", ProviderJson.text(cash, "paymentExpiryDateTime"));
        for (String info : List.of("konbiniPaymentInformation", "pay-easyPaymentInformation", "bankTransferPaymentInformation")) {
            JsonNode n = cash.path(info);
            if (n.isObject()) {
                n.fields().forEachRemaining(f -> details.put(f.getKey(), f.getValue().asText()));
            }
        }
        return NextAction.payOffline(details);
    }

    private JsonNode parse(String body) {
        JsonNode node = ProviderJson.parseOrNull(json, body);
        if (node == null || !node.isObject()) {
            throw UpstreamFailures.unreadable("GMO PG", "something that is not a JSON object");
        }
        return node;
    }


}
