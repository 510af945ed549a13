package io.kessai.provider.paymentoptions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kessai.model.ErrorCode;
import io.kessai.model.KessaiException;
import io.kessai.model.PaymentError;
import io.kessai.model.PaymentStatus;
import io.kessai.model.PaymentView;
import io.kessai.model.ProviderOutcome;
import io.kessai.provider.ProviderExchange;
import io.kessai.provider.ProviderJson;
import io.kessai.provider.RetryableUpstreamAnswer;
import io.kessai.provider.UpstreamFailures;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * Reads every paymentoptions answer and stored webhook. The card data they echo is masked first
 * ({@link PaymentOptionsCardData}), before anything else reads the text.
 */
public final class PaymentOptionsAnswers {
    private static final Logger LOG = LoggerFactory.getLogger(PaymentOptionsAnswers.class);
    static final String PROVIDER = PaymentOptionsProvider.ID;
    /** providerCode of Kessai's inquiry: paymentoptions documents no status endpoint. */
    static final String NO_INQUIRY = "no_status_endpoint";

    private final ObjectMapper json;

    public PaymentOptionsAnswers(ObjectMapper json) {
        this.json = json;
    }

    /**
     * Judges each attempt's answer, after masking its card data. There is no idempotency key: nothing that may
     * have acted is sent again. 2xx and 402 are payment answers (read by {@link #outcome}); 401 is
     * {@code provider_auth_failed}; 429 refuses before processing (sent again); 408, 409 and 5xx leave the outcome
     * unknown; any other 4xx is a refusal before any payment was made.
     */
    public void check(Exchange exchange) {
        int status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        String body = PaymentOptionsCardData.mask(exchange.getMessage().getBody(String.class));
        exchange.getMessage().setBody(body);
        exchange.getMessage().removeHeader("Authorization");
        exchange.getMessage().removeHeader("x-api-key");
        JsonNode answer = ProviderJson.parseOrNull(json, body);
        String code = ProviderJson.text(answer == null ? null : answer.get("gateway_response"), "code");
        if ((status >= 200 && status < 300) || status == 402) {
            if (answer == null || !answer.isObject()) {
                if (status == 402) {
                    throw new KessaiException(ErrorCode.CARD_DECLINED, "paymentoptions declined the payment",
                            List.of(), "http_402", null);
                }
                throw UpstreamFailures.unreadable(PROVIDER, "HTTP " + status + " without a JSON object");
            }
            return;
        }
        if (status == 401) {
            throw new KessaiException(ErrorCode.PROVIDER_AUTH_FAILED,
                    "paymentoptions rejected Kessai's credentials (check api-key)", List.of(), code == null ? "http_401" : code, null);
        }
        if (status == 429) {
            throw new RetryableUpstreamAnswer(status, code, true);
        }
        if (status >= 500 || status == 408 || status == 409) {
            throw UpstreamFailures.unknown("paymentoptions answered HTTP " + status + "; whether it acted is not known."
                    + " paymentoptions has no status inquiry: its webhook settles the payment", code);
        }
        String message = ProviderJson.text(answer == null ? null : answer.get("gateway_response"), "message");
        throw new KessaiException(ErrorCode.PROVIDER_ERROR, "paymentoptions refused the request (HTTP " + status + ")"
                + (message == null ? "" : ": " + message), List.of(), code == null ? "http_" + status : code, null);
    }

    /** The outcome of a payment answer: captured or failed, transaction_details.id as the provider reference. */
    public ProviderOutcome outcome(Exchange exchange) {
        PaymentView payment = exchange.getProperty(ProviderExchange.PAYMENT, PaymentView.class);
        int status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        JsonNode answer = ProviderJson.parseOrNull(json, exchange.getMessage().getBody(String.class));
        if (answer == null || !answer.isObject()) {
            throw UpstreamFailures.unreadable(PROVIDER, "something that is not a JSON object");
        }
        return read(answer, status, payment, true);
    }

    /**
     * paymentoptions documents no status endpoint, so Kessai cannot ask: the outcome stays unknown
     * ({@code provider_timeout}); the payment stays as it is until the provider's webhook says, and the janitor
     * marks an operation still open after its maximum age {@code unresolved} for an operator.
     */
    public ProviderOutcome inquiry(Exchange exchange) {
        throw UpstreamFailures.unknown("paymentoptions has no status inquiry; the payment stays as it is until"
                + " paymentoptions' webhook settles it", NO_INQUIRY);
    }

    /**
     * A stored webhook (the token already verified, card data already masked): what it claims is taken only where
     * it matches the stored payment (transaction id, merchant reference, amount, currency); otherwise it changes
     * nothing.
     */
    public ProviderOutcome notice(Exchange exchange) {
        PaymentView payment = exchange.getProperty(ProviderExchange.PAYMENT, PaymentView.class);
        JsonNode hook = ProviderJson.parseOrNull(json, exchange.getMessage().getBody(String.class));
        if (hook == null || !hook.isObject()) {
            return ignored(payment, "its body");
        }
        String mismatch = mismatch(hook, payment);
        if (mismatch != null) {
            return ignored(payment, mismatch);
        }
        return read(hook, hook.path("status_code").asInt(0), payment, false);
    }

    private ProviderOutcome ignored(PaymentView payment, String what) {
        LOG.warn("paymentoptions webhook for payment {} ignored: {} does not match the payment", payment.paymentId(), what);
        return ProviderOutcome.of(null, "webhook_inconsistent");
    }

    /** The first field of the webhook that does not match the stored payment, or null. */
    static String mismatch(JsonNode hook, PaymentView payment) {
        JsonNode txn = hook.path("transaction_details");
        if (payment.ref("id") == null || !payment.ref("id").equals(ProviderJson.text(txn, "id"))) {
            return "transaction_details.id";
        }
        String ref = ProviderJson.text(txn, "merchant_txn_ref");
        String merchantRef = ProviderJson.text(hook.path("merchant_details"), "merchant_txn_ref");
        if (!payment.orderId().equals(ref) || (merchantRef != null && !payment.orderId().equals(merchantRef))) {
            return "merchant_txn_ref";
        }
        JsonNode details = hook.path("payment_details");
        BigDecimal amount = decimal(details.get("amount"));
        if (amount == null || amount.compareTo(payment.amount()) != 0) {
            return "payment_details.amount";
        }
        if (!payment.currency().equals(ProviderJson.text(details, "currency"))) {
            return "payment_details.currency";
        }
        return null;
    }

    private ProviderOutcome read(JsonNode answer, int httpStatus, PaymentView payment, boolean fromCall) {
        JsonNode success = answer.get("success");
        JsonNode gateway = answer.path("gateway_response");
        String code = ProviderJson.text(gateway, "code");
        String id = ProviderJson.text(answer.path("transaction_details"), "id");
        if (success == null || !success.isBoolean()) {
            throw UpstreamFailures.unreadable(PROVIDER, "an answer without success");
        }
        PaymentStatus status = PaymentOptionsStatusMap.toCanonical(success.asBoolean(),
                ProviderJson.text(answer, "transaction_type"), code);
        Map<String, String> ref = id == null ? Map.of() : Map.of("id", id);
        if (status == PaymentStatus.CAPTURED) {
            if (id == null) {
                throw UpstreamFailures.unreadable(PROVIDER, "a captured payment without transaction_details.id");
            }
            BigDecimal amount = decimal(answer.path("payment_details").get("amount"));
            if (fromCall && payment != null && (amount == null || amount.compareTo(payment.amount()) != 0
                    || !payment.currency().equals(ProviderJson.text(answer.path("payment_details"), "currency")))) {
                throw UpstreamFailures.unreadable(PROVIDER, "a captured payment of another amount or currency");
            }
            return ProviderOutcome.of(status, code).withProviderRef(ref).withCapturedAmount(amount);
        }
        String message = ProviderJson.text(gateway, "message");
        ErrorCode error = PaymentOptionsStatusMap.error(code, httpStatus);
        return ProviderOutcome.of(PaymentStatus.FAILED, code).withProviderRef(ref)
                .withError(PaymentError.of(error, message == null ? "paymentoptions did not take the payment" : message, code));
    }

    private static BigDecimal decimal(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        try {
            return v.isNumber() ? v.decimalValue() : new BigDecimal(v.asText());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
