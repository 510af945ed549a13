package io.kessai.provider.payjp;

import io.kessai.model.PaymentOrder;
import io.kessai.model.PaymentView;
import io.kessai.provider.ProviderExchange;
import org.apache.camel.Exchange;

import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Builds every PAY.JP request from the canonical order or payment: form-encoded bodies (nested keys as
 * {@code metadata[key]}), the path below the v1 root, the HTTP method and, for a list, the query. Also
 * authorizes each send (Basic, the secret key as user and an empty password).
 */
public final class PayjpRequests {
    /** The HTTP method of the operation's sends (GET or POST). */
    static final String METHOD = "kessaiPayjpMethod";
    /** The query string of a GET, or absent. */
    static final String QUERY = "kessaiPayjpQuery";
    /** Set while the inquiry searches the charge list for a charge that has no id yet. */
    static final String SEARCHING = "kessaiPayjpSearching";
    static final String OFFSET = "kessaiPayjpOffset";
    static final int PAGE = 100;
    /** The Idempotency-Key of a Platform POST (one per call, reused by every send of it). */
    static final String IDEMPOTENCY_KEY = "kessaiPayjpIdempotencyKey";
    /** The multipart body of an application (bytes) and its Content-Type with the boundary. */
    static final String MULTIPART = "kessaiPayjpMultipart";
    static final String MULTIPART_TYPE = "kessaiPayjpMultipartType";
    /** The path of a Platform API call, below the v1 root. */
    static final String PLATFORM_PATH = "kessaiPayjpPlatformPath";

    private final PayjpSettings settings;
    private final PayjpProvider provider;
    private final Clock clock;

    public PayjpRequests(PayjpSettings settings, PayjpProvider provider, Clock clock) {
        this.settings = settings;
        this.provider = provider;
        this.clock = clock;
    }

    /** {@code POST /charges}: a token or a customer, capture or authorize with expiry_days, fee, metadata. */
    public void charge(Exchange exchange) {
        PaymentOrder order = exchange.getProperty(ProviderExchange.ORDER, PaymentOrder.class);
        PaymentView payment = exchange.getProperty(ProviderExchange.PAYMENT, PaymentView.class);
        post(exchange, "/charges", chargeForm(order, payment.paymentId()));
    }

    Map<String, String> chargeForm(PaymentOrder order, String paymentId) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("amount", new BigDecimal(order.amount()).toBigIntegerExact().toString());
        f.put("currency", "jpy");
        PaymentOrder.Method m = order.method();
        if (m.memberId() != null) {
            f.put("customer", m.memberId());
            if (m.cardId() != null) {
                f.put("card", m.cardId());
            }
        } else {
            f.put("card", m.token());
        }
        Integer expiryDays = provider.expiryDays(order);
        f.put("capture", expiryDays == null ? "true" : "false");
        if (expiryDays != null) {
            f.put("expiry_days", expiryDays.toString());
        }
        if (order.description() != null) {
            f.put("description", order.description());
        }
        if (order.platformFee() != null) {
            f.put("platform_fee", new BigDecimal(order.platformFee()).toBigIntegerExact().toString());
        }
        f.put("metadata[" + PayjpProvider.PAYMENT_KEY + "]", paymentId);
        f.put("metadata[" + PayjpProvider.ORDER_KEY + "]", order.orderId());
        if (order.metadata() != null) {
            order.metadata().forEach((k, v) -> f.put("metadata[" + k + "]", v));
        }
        return f;
    }

    /** {@code POST /charges/{id}/capture}, with {@code amount} for a partial capture. */
    public void capture(Exchange exchange) {
        post(exchange, "/charges/" + chargeId(exchange) + "/capture", amount(exchange));
    }

    /** An authorization is released by a refund of the uncaptured charge (never partial). */
    public void cancel(Exchange exchange) {
        post(exchange, "/charges/" + chargeId(exchange) + "/refund", Map.of());
    }

    /** {@code POST /charges/{id}/refund}, with {@code amount} for a partial refund. */
    public void refund(Exchange exchange) {
        post(exchange, "/charges/" + chargeId(exchange) + "/refund", amount(exchange));
    }

    /**
     * {@code GET /charges/{id}}; a charge whose answer was lost has no id yet: then {@code GET /charges} pages back
     * through the lookback window for the charge carrying {@code metadata[kessai_payment_id]}.
     */
    public void inquiry(Exchange exchange) {
        PaymentView payment = exchange.getProperty(ProviderExchange.PAYMENT, PaymentView.class);
        String id = payment.ref("id");
        if (id != null) {
            exchange.setProperty(SEARCHING, false);
            get(exchange, "/charges/" + id, null);
            return;
        }
        exchange.setProperty(SEARCHING, true);
        page(exchange, 0);
    }

    /** The next page of the charge list, from the offset the answer reader moved on to. */
    public void nextPage(Exchange exchange) {
        page(exchange, exchange.getProperty(OFFSET, 0, Integer.class));
    }

    /** A page of the charge list, from {@code offset}. */
    void page(Exchange exchange, int offset) {
        long since = clock.instant().minusSeconds(settings.inquiryLookbackHours() * 3600L).getEpochSecond();
        exchange.setProperty(OFFSET, offset);
        get(exchange, "/charges", "limit=" + PAGE + "&offset=" + offset + "&since=" + since);
    }

    /** Each send: Basic auth, the form's media type; a GET carries no body and no Idempotency-Key. */
    public void authorize(Exchange exchange) {
        var message = exchange.getMessage();
        String path = exchange.getProperty(ProviderExchange.UPSTREAM_PATH, String.class);
        if (path != null && path.startsWith("/platform/")) {
            if (settings.platformAuthorization() == null) {
                throw new IllegalStateException("kessai.providers.payjp.platform-key is not set: the Platform API cannot be called");
            }
            message.setHeader("Authorization", settings.platformAuthorization());
        } else {
            message.setHeader("Authorization", settings.authorization());
        }
        String method = exchange.getProperty(METHOD, String.class);
        if ("GET".equals(method) || "DELETE".equals(method)) {
            message.removeHeader(ProviderExchange.IDEMPOTENCY_KEY_HEADER);
            message.setBody(null);
            String query = exchange.getProperty(QUERY, String.class);
            if (query != null) {
                message.setHeader(Exchange.HTTP_QUERY, query);
            }
        } else {
            byte[] multipart = exchange.getProperty(MULTIPART, byte[].class);
            if (multipart != null) {
                message.setBody(multipart);
                message.setHeader(Exchange.CONTENT_TYPE, exchange.getProperty(MULTIPART_TYPE, String.class));
            } else {
                message.setHeader(Exchange.CONTENT_TYPE, "application/x-www-form-urlencoded");
            }
            String key = exchange.getProperty(IDEMPOTENCY_KEY, String.class);
            if (key != null && message.getHeader(ProviderExchange.IDEMPOTENCY_KEY_HEADER) == null) {
                message.setHeader(ProviderExchange.IDEMPOTENCY_KEY_HEADER, key);
            }
        }
    }

    /**
     * A GET of the Platform API: the path below the v1 root ({@code /platform/...}) and the query in the exchange
     * properties {@link #PLATFORM_PATH} and {@link #QUERY} (set by the caller of {@code direct:kessai-payjp-platform-get}).
     */
    public void platformGet(Exchange exchange) {
        String path = exchange.getProperty(PLATFORM_PATH, String.class);
        if (path == null || !path.startsWith("/platform/")) {
            throw new IllegalArgumentException("a Platform API path starts with /platform/");
        }
        get(exchange, path, exchange.getProperty(QUERY, String.class));
    }

    private static Map<String, String> amount(Exchange exchange) {
        BigDecimal amount = exchange.getProperty(ProviderExchange.AMOUNT, BigDecimal.class);
        return amount == null ? Map.of() : Map.of("amount", amount.toBigIntegerExact().toString());
    }

    private static String chargeId(Exchange exchange) {
        PaymentView payment = exchange.getProperty(ProviderExchange.PAYMENT, PaymentView.class);
        String id = payment.ref("id");
        if (id == null) {
            throw new IllegalStateException("payment " + payment.paymentId() + " has no PAY.JP charge id");
        }
        return id;
    }

    static String form(Map<String, String> fields) {
        StringJoiner body = new StringJoiner("&");
        fields.forEach((k, v) -> body.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return body.toString();
    }

    static void post(Exchange exchange, String path, Map<String, String> fields) {
        exchange.removeProperty(MULTIPART);
        String body = form(fields);
        exchange.setProperty(METHOD, "POST");
        exchange.removeProperty(QUERY);
        exchange.setProperty(ProviderExchange.UPSTREAM_PATH, path);
        exchange.setProperty(ProviderExchange.UPSTREAM_GROUP, PayjpSettings.group(path));
        exchange.setProperty(ProviderExchange.UPSTREAM_BODY, body);
        exchange.getMessage().setBody(body);
    }

    /** {@code DELETE}: no body, no Idempotency-Key. */
    static void delete(Exchange exchange, String path) {
        get(exchange, path, null);
        exchange.setProperty(METHOD, "DELETE");
    }

    static void get(Exchange exchange, String path, String query) {
        exchange.setProperty(METHOD, "GET");
        if (query == null) {
            exchange.removeProperty(QUERY);
        } else {
            exchange.setProperty(QUERY, query);
        }
        exchange.setProperty(ProviderExchange.UPSTREAM_PATH, path);
        exchange.setProperty(ProviderExchange.UPSTREAM_GROUP, PayjpSettings.group(path));
        exchange.setProperty(ProviderExchange.UPSTREAM_BODY, "");
        exchange.getMessage().setBody(null);
    }
}
