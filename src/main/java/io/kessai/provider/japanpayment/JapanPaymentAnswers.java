package io.kessai.provider.japanpayment;

import io.kessai.provider.ProviderJson;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kessai.model.ErrorCode;
import io.kessai.model.KessaiException;
import io.kessai.model.NextAction;
import io.kessai.model.PaymentError;
import io.kessai.model.PaymentOrder;
import io.kessai.model.PaymentView;
import io.kessai.provider.ProviderExchange;
import io.kessai.model.PaymentStatus;
import io.kessai.model.ProviderOutcome;
import io.kessai.provider.NotAtProvider;
import io.kessai.provider.UpstreamFailures;
import org.apache.camel.Exchange;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads every Japan Payment answer: the envelope {@code {status, error, msg, data}}, the RSA {@code sign}
 * of {@code data} (an answer that does not verify is refused and changes nothing), and the query status
 * map 0/1 → open, 2 → captured, 3 → failed, -1 → pending.
 */
public final class JapanPaymentAnswers {
    static final String PROVIDER = "japan-payment";
    static final String OK = "00000000";
    /** The query's "order not found" (the sandbox's code; the document lists no error codes). */
    static final String ORDER_NOT_FOUND = "10000007";

    private final JapanPaymentSettings settings;
    private final ObjectMapper json;

    public JapanPaymentAnswers(JapanPaymentSettings settings, ObjectMapper json) {
        this.settings = settings;
        this.json = json;
    }

    /**
     * Judges each attempt's answer: the provider answers 200 with its own status in the body. There is no
     * idempotency key, so nothing is sent again: a 5xx or an unreadable 200 leaves the outcome unknown
     * (settled by a query); a 4xx is a refusal before any order was made.
     */
    public void check(Exchange exchange) {
        int status = exchange.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        String body = exchange.getMessage().getBody(String.class);
        exchange.getMessage().setBody(body);
        JsonNode answer = ProviderJson.parseOrNull(json, body);
        String error = ProviderJson.text(answer, "error");
        if (status >= 500) {
            throw UpstreamFailures.unknown("japan-payment failed with HTTP " + status
                    + "; the payment stays pending and is reconciled by query", error);
        }
        if (status == 200 && (answer == null || !answer.isObject())) {
            throw UpstreamFailures.unreadable("japan-payment", "HTTP 200 without a JSON object");
        }
        if (status != 200) {
            throw new KessaiException(ErrorCode.PROVIDER_ERROR, "japan-payment answered HTTP " + status
                    + (answer == null ? " without JSON" : ""), List.of(), error, null);
        }
    }

    /** The apply answer: requires_action with the payUrl (e-wallets) or the offline payment details. */
    public ProviderOutcome applied(Exchange exchange) {
        JsonNode answer = parse(exchange);
        if (!"1".equals(ProviderJson.text(answer, "status")) || !OK.equals(ProviderJson.text(answer, "error"))) {
            return refused(answer);
        }
        JsonNode data = verified(answer);
        PaymentOrder order = exchange.getProperty(ProviderExchange.ORDER, PaymentOrder.class);
        JapanPaymentMethods.Method method = JapanPaymentMethods.of(order);
        NextAction action;
        if ("EWALLET".equals(method.payType())) {
            action = NextAction.redirect(ProviderJson.text(data, "payUrl"));
        } else {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("inBankCode", method.inBankCode());
            for (String f : List.of("payUrl", "bankCode", "bankNo", "qrCode")) {
                if (ProviderJson.text(data, f) != null) {
                    details.put(f, ProviderJson.text(data, f));
                }
            }
            action = NextAction.payOffline(details);
        }
        return ProviderOutcome.of(PaymentStatus.REQUIRES_ACTION, "applied")
                .withProviderRef(Map.of("id", ProviderJson.text(data, "orderNo")))
                .withNextAction(action);
    }

    /** The query answer, also the confirmation of a notification and the janitor's question. */
    public ProviderOutcome queried(Exchange exchange) {
        PaymentView payment = exchange.getProperty(ProviderExchange.PAYMENT, PaymentView.class);
        JsonNode answer = parse(exchange);
        if (!"1".equals(ProviderJson.text(answer, "status")) || !OK.equals(ProviderJson.text(answer, "error"))) {
            if (ORDER_NOT_FOUND.equals(ProviderJson.text(answer, "error"))) {
                throw new NotAtProvider(PROVIDER, ORDER_NOT_FOUND);
            }
            throw new KessaiException(ErrorCode.PROVIDER_ERROR, "japan-payment query failed: " + ProviderJson.text(answer, "msg"),
                    List.of(), ProviderJson.text(answer, "error"), null);
        }
        JsonNode data = verified(answer);
        int status = data.path("status").asInt(Integer.MIN_VALUE);
        Map<String, String> ref = new LinkedHashMap<>();
        if (ProviderJson.text(data, "orderNo") != null) {
            ref.put("id", ProviderJson.text(data, "orderNo"));
        }
        return switch (status) {
            case 0, 1 -> ProviderOutcome.of(PaymentStatus.REQUIRES_ACTION, String.valueOf(status))
                    .withProviderRef(ref).withNextAction(payment.nextAction());
            case -1 -> ProviderOutcome.of(PaymentStatus.PENDING, "-1").withProviderRef(ref);
            case 2 -> {
                // What was received, the provider's fee, and when it was paid (Japan time), as the provider says.
                for (String f : List.of("actualAmount", "fee", "payTime")) {
                    if (ProviderJson.text(data, f) != null) {
                        ref.put(f, ProviderJson.text(data, f));
                    }
                }
                String actual = ProviderJson.text(data, "actualAmount");
                yield ProviderOutcome.of(PaymentStatus.CAPTURED, "2").withProviderRef(ref)
                        .withCapturedAmount(actual == null ? payment.amount() : new BigDecimal(actual));
            }
            case 3 -> ProviderOutcome.of(PaymentStatus.FAILED, "3").withProviderRef(ref)
                    .withError(PaymentError.of(ErrorCode.PAYMENT_FAILED,
                            ProviderJson.text(data, "errorMsg") == null ? "the collection failed" : ProviderJson.text(data, "errorMsg"), "3"));
            default -> throw new KessaiException(ErrorCode.PROVIDER_ERROR, "japan-payment answered an unknown status " + status);
        };
    }

    private ProviderOutcome refused(JsonNode answer) {
        String error = ProviderJson.text(answer, "error");
        String msg = ProviderJson.text(answer, "msg");
        // The document lists no error codes; a refused signature is recognised by its message.
        boolean signature = msg != null && msg.toLowerCase(java.util.Locale.ROOT).contains("signature");
        ErrorCode code = signature ? ErrorCode.PROVIDER_AUTH_FAILED : ErrorCode.PAYMENT_FAILED;
        return new ProviderOutcome(PaymentStatus.FAILED, ProviderJson.text(answer, "status"), Map.of(), null,
                PaymentError.of(code, msg == null || msg.isBlank() ? "japan-payment refused the collection" : msg, error),
                null, null, null);
    }

    /** The answer's data, if its sign verifies with the provider's public key; otherwise nothing is believed. */
    private JsonNode verified(JsonNode answer) {
        JsonNode data = answer.path("data");
        if (!data.isObject() || !settings.signature().verify(data, settings.providerPublicKey())) {
            throw new UnverifiedAnswer();
        }
        return data;
    }

    /**
     * An answer whose signature does not verify: it may be forged or altered, so it changes nothing, and
     * what the provider did is not known ({@code provider_timeout}) until a verified query says.
     */
    public static final class UnverifiedAnswer extends KessaiException {
        UnverifiedAnswer() {
            super(ErrorCode.PROVIDER_TIMEOUT, "japan-payment's answer does not carry a valid signature; it changes nothing,"
                    + " and the payment is reconciled with a verified query", List.of(), "invalid_sign", null);
        }
    }

    /** The envelope {@code {status, error, msg, data}}: an answer without its status word says nothing. */
    private JsonNode parse(Exchange exchange) {
        JsonNode node = ProviderJson.parseOrNull(json, exchange.getMessage().getBody(String.class));
        if (node == null || !node.isObject()) {
            throw UpstreamFailures.unreadable("japan-payment", "something that is not a JSON object");
        }
        if (ProviderJson.text(node, "status") == null) {
            throw UpstreamFailures.unreadable("japan-payment", "an answer without its status");
        }
        return node;
    }


}
