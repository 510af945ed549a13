package io.kessai.provider.gmo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.model.PaymentOrder;
import io.kessai.model.PaymentView;
import io.kessai.provider.ProviderExchange;
import org.apache.camel.Exchange;

/**
 * Builds every GMO request from the canonical order: the one place that knows GMO's request shapes
 * (OAS schemas CreditChargeRequest, CreditOnfileChargeRequest, Tds2FinalizeChargeRequest,
 * OrderCaptureRequest, OrderCancelRequest, OrderInquiryRequest).
 */
public final class GmoRequests {
    private final GmoSettings settings;
    private final ObjectMapper json;

    public GmoRequests(GmoSettings settings, ObjectMapper json) {
        this.settings = settings;
        this.json = json;
    }

    /** /credit/charge for a token, /credit/on-file/charge for a stored card, /cash/charge for cash. */
    public void charge(Exchange exchange) {
        PaymentOrder order = exchange.getProperty(ProviderExchange.ORDER, PaymentOrder.class);
        PaymentView payment = exchange.getProperty(ProviderExchange.PAYMENT, PaymentView.class);
        if (cashType(order.method()) != null) {
            set(exchange, "/cash/charge", cashBody(order, payment.csrfToken()));
            return;
        }
        ObjectNode body = chargeBody(order, payment.csrfToken());
        boolean onFile = order.method().memberId() != null;
        set(exchange, onFile ? "/credit/on-file/charge" : "/credit/charge", body);
    }

    /** GMO's cashType for a canonical cash method, or null for a card. */
    static String cashType(PaymentOrder.Method m) {
        if (m == null || m.type() == null) {
            return null;
        }
        return switch (m.type()) {
            case "konbini" -> "KONBINI";
            case "bank_transfer" -> m.brand() == null ? null : switch (m.brand()) {
                case "GMO_AOZORA" -> "BANK_TRANSFER_GMO_AOZORA";
                case "SMBC" -> "BANK_TRANSFER_SMBC";
                case "PAYEASY" -> "PAYEASY";
                default -> null;
            };
            default -> null;
        };
    }

    /** CashChargeRequest: the customer pays at a konbini, by Pay-easy or into a virtual account. */
    ObjectNode cashBody(PaymentOrder order, String csrfToken) {
        ObjectNode body = json.createObjectNode();
        body.set("merchant", merchant(csrfToken));
        body.set("order", order(order));
        body.set("payer", payer(order.customer()));
        String cashType = cashType(order.method());
        ObjectNode cash = body.putObject("cashInformation").put("cashType", cashType);
        ObjectNode options = json.createObjectNode();
        if ("KONBINI".equals(cashType)) {
            options.put("konbiniCode", order.method().brand());
        }
        if (settings.cashPaymentPeriodDays() != null) {
            options.put("paymentPeriod", settings.cashPaymentPeriodDays());
        }
        if (!options.isEmpty()) {
            cash.set("cashOptions", options);
        }
        return body;
    }

    ObjectNode chargeBody(PaymentOrder order, String csrfToken) {
        ObjectNode body = json.createObjectNode();
        body.set("merchant", merchant(csrfToken));
        body.set("order", order(order));
        body.set("payer", payer(order.customer()));
        PaymentOrder.Method m = order.method();
        ObjectNode options = json.createObjectNode()
                .put("authorizationMode", order.capture().authorizeOnly() ? "AUTH" : "CAPTURE");
        boolean applePay = "APPLE_PAY_TOKEN".equals(m.tokenType());
        boolean tds2 = settings.useTds2() && !applePay;
        options.put("useTds2", tds2);
        if (m.memberId() != null) {
            ObjectNode onfileCard = json.createObjectNode().put("memberId", m.memberId()).put("type", "CREDIT_CARD");
            if (m.cardId() != null) {
                onfileCard.put("cardId", m.cardId());
            }
            body.set("creditOnfileInformation", json.createObjectNode().<ObjectNode>set("onfileCard", onfileCard)
                    .set("creditChargeOptions", options));
        } else {
            ObjectNode card = json.createObjectNode()
                    .put("type", m.tokenType() == null ? "MP_TOKEN" : m.tokenType())
                    .put("token", m.token());
            body.set("creditInformation", json.createObjectNode().<ObjectNode>set("tokenizedCard", card)
                    .set("creditChargeOptions", options));
        }
        if (tds2) {
            // Kessai finalizes 3-D Secure itself (/tds2/finalizeCharge) when the browser comes back.
            body.set("tds2Information", json.createObjectNode().set("tds2Options",
                    json.createObjectNode().put("autoAuthorization", false)));
        }
        return body;
    }

    private ObjectNode merchant(String csrfToken) {
        GmoSettings.Merchant m = settings.merchant();
        ObjectNode node = json.createObjectNode()
                .put("name", m.name())
                .put("nameKana", m.nameKana())
                .put("nameAlphabet", m.nameAlphabet())
                .put("nameShort", m.nameShort())
                .put("contactName", m.contactName())
                .put("contactEmail", m.contactEmail())
                .put("contactPhone", m.contactPhone())
                .put("contactOpeningHours", m.contactOpeningHours())
                .put("callbackUrl", settings.callbackUrl())
                .put("webhookUrl", settings.webhookUrl());
        if (m.contactUrl() != null) {
            node.put("contactUrl", m.contactUrl());
        }
        if (csrfToken != null) {
            node.put("csrfToken", csrfToken);
        }
        return node;
    }

    private ObjectNode order(PaymentOrder order) {
        ObjectNode node = json.createObjectNode()
                .put("orderId", order.orderId())
                .put("amount", order.amountValue().toPlainString())
                .put("currency", order.currency())
                .put("transactionType", "CIT");
        if (order.items() != null && !order.items().isEmpty()) {
            ArrayNode items = node.putArray("items");
            for (PaymentOrder.Item it : order.items()) {
                items.addObject()
                        .put("name", it.name())
                        .put("quantity", it.quantity())
                        .put("type", it.type())
                        .put("price", new java.math.BigDecimal(it.unitPrice()).stripTrailingZeros().toPlainString());
            }
        }
        address(order.billingAddress()).ifPresent(a -> node.set("billingAddress", a));
        address(order.shippingAddress()).ifPresent(a -> node.set("shippingAddress", a));
        return node;
    }

    /** GMO addresses are Japanese: state is a JIS prefecture number and country the ISO numeric 392. */
    private java.util.Optional<ObjectNode> address(PaymentOrder.Address a) {
        if (a == null || !"JP".equals(a.country())) {
            return java.util.Optional.empty();
        }
        ObjectNode node = json.createObjectNode()
                .put("name", a.name())
                .put("line1", a.line1())
                .put("city", a.city())
                .put("state", Prefectures.code(a.state()).orElseThrow())
                .put("postCode", a.postalCode())
                .put("country", "392");
        if (a.line2() != null) {
            node.put("line2", a.line2());
        }
        return java.util.Optional.of(node);
    }

    private ObjectNode payer(PaymentOrder.Customer c) {
        ObjectNode node = json.createObjectNode().put("name", c.name());
        if (c.nameKana() != null) {
            node.put("nameKana", fullWidthSpaces(c.nameKana()));
        }
        if (c.email() != null) {
            node.put("email", c.email());
        }
        if (c.phone() != null) {
            // 3-D Secure needs type and country code with the number; Kessai's phones are Japanese mobiles.
            node.putArray("phones").addObject().put("type", "MOBILE").put("countryCode", "81").put("number", c.phone());
        }
        if (c.id() != null) {
            node.put("accountId", c.id());
        }
        if (c.ip() != null) {
            node.put("ip", c.ip());
        }
        if (c.userAgent() != null) {
            node.put("httpUserAgent", c.userAgent());
        }
        return node;
    }

    /** GMO's kana fields allow only the full-width space; customers often type a half-width one. */
    static String fullWidthSpaces(String kana) {
        return kana.replace(' ', '　');
    }

    /** /tds2/finalizeCharge after the customer came back from 3-D Secure. */
    public void finalizeCharge(Exchange exchange) {
        byAccessId(exchange, "/tds2/finalizeCharge");
    }

    public void capture(Exchange exchange) {
        byAccessId(exchange, "/order/capture");
    }

    /** GMO voids an authorization and refunds a sale with the same call. */
    public void cancel(Exchange exchange) {
        byAccessId(exchange, "/order/cancel");
    }

    public void inquiry(Exchange exchange) {
        byAccessId(exchange, "/order/inquiry");
    }

    private void byAccessId(Exchange exchange, String path) {
        PaymentView payment = exchange.getProperty(ProviderExchange.PAYMENT, PaymentView.class);
        ObjectNode body = json.createObjectNode();
        String accessId = payment.ref("id");
        if (accessId != null) {
            body.put("accessId", accessId);
        } else {
            body.put("orderId", payment.orderId());
        }
        set(exchange, path, body);
    }

    private void set(Exchange exchange, String path, ObjectNode body) {
        try {
            String text = json.writeValueAsString(body);
            exchange.setProperty(ProviderExchange.UPSTREAM_PATH, path);
            exchange.setProperty(ProviderExchange.UPSTREAM_GROUP, GmoSettings.group(path));
            exchange.setProperty(ProviderExchange.UPSTREAM_BODY, text);
            exchange.getMessage().setBody(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
