package io.kessai.provider.gmo;

import io.kessai.model.PaymentOrder;
import io.kessai.model.FieldRules;
import io.kessai.provider.Capabilities;
import io.kessai.provider.PaymentProvider;
import io.kessai.provider.ProviderOperation;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

/**
 * GMO PG's capabilities and every rule of its document that Kessai checks before a call
 * ({@code gmo-pg-openapi.txt}, /credit/charge and /credit/on-file/charge request schemas).
 */
public final class GmoProvider implements PaymentProvider {
    static final Pattern ORDER_ID = Pattern.compile("[0-9a-zA-Z-]{1,27}");
    static final Pattern MEMBER_ID = Pattern.compile("[a-zA-Z0-9@_.-]{1,60}");
    static final Pattern CARD_ID = Pattern.compile("[0-9]{1,4}");
    static final Pattern PHONE = Pattern.compile("[0-9-]{1,13}");
    static final Pattern PRINTABLE_ASCII = Pattern.compile("[ -~]*");
    static final Pattern POST_CODE = Pattern.compile("[0-9-]{1,16}");

    /** GMO: an AUTH can be captured until 23:59:59 (Japan) of the 60th day after it. */
    static final int AUTHORIZATION_DAYS = 60;
    static final java.time.ZoneId JAPAN = java.time.ZoneId.of("Asia/Tokyo");

    static final String ID = "gmo-pg";
    static final String[] KONBINI = {"LAWSON", "FAMILYMART", "SEVEN_ELEVEN", "MINISTOP"};

    /**
     * Cards (/credit/charge: tokens of MpToken.js, Apple Pay and Google Pay, or a card on file; authorize now and
     * capture later) and cash payments (/cash/charge: konbini, Pay-easy and bank transfer, captured when the customer
     * pays). /order/capture takes only an accessId, so GMO captures the whole authorized amount; Kessai refunds through
     * /order/cancel, which always returns the whole sale. Cards go to GMO by default.
     */
    static final Capabilities CAPABILITIES = Capabilities.builder()
            // GMO replays the first answer for an Idempotency-Key (24 h) and answers 409 while it is processing
            .idempotencyKeys(true)
            .currencies("JPY")
            .method("card", m -> m.tokenTypes("MP_TOKEN", "APPLE_PAY_TOKEN", "GOOGLE_PAY_TOKEN").authorizes())
            .method("konbini", m -> m.brands(KONBINI))
            .method("bank_transfer", m -> m.brands("GMO_AOZORA", "SMBC", "PAYEASY"))
            .operations(ProviderOperation.CAPTURE, ProviderOperation.CANCEL, ProviderOperation.REFUND,
                    ProviderOperation.FINALIZE, ProviderOperation.CALLBACK, ProviderOperation.NOTICE)
            .partialCapture(false)
            .partialRefund(false)
            .routesByDefault("card")
            .build();

    private final GmoSettings settings;
    private final java.time.Clock clock;

    public GmoProvider(GmoSettings settings, java.time.Clock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    /** The last moment an authorization made now can be captured. */
    public java.time.OffsetDateTime captureDeadline() {
        return java.time.LocalDate.now(clock.withZone(JAPAN)).plusDays(AUTHORIZATION_DAYS)
                .atTime(23, 59, 59).atZone(JAPAN).toOffsetDateTime();
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Capabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public String redirectReason(PaymentOrder order) {
        return "card".equals(order.method().type()) && settings.useTds2()
                && !"APPLE_PAY_TOKEN".equals(order.method().tokenType())
                ? "gmo-pg may send the customer to 3-D Secure and back" : null;
    }

    @Override
    public void check(PaymentOrder order, FieldRules r) {
        r.pattern("orderId", order.orderId(), ORDER_ID, "at most 27 characters of [0-9A-Za-z-] for gmo-pg");
        if (order.amount() != null) {
            r.maxLength("amount", order.amount(), 15);
        }
        PaymentOrder.Method m = order.method();
        if (m != null) {
            r.pattern("method.memberId", m.memberId(), MEMBER_ID, "1 to 60 of [a-zA-Z0-9@_.-]");
            r.pattern("method.cardId", m.cardId(), CARD_ID, "1 to 4 digits");
            if (m.memberId() != null && m.tokenType() != null) {
                r.add("method.tokenType", "requires", "goes with method.token, not with an on-file card");
            }
        }
        PaymentOrder.Customer c = order.customer();
        if (c != null) {
            r.maxUtf8("customer.name", c.name(), 40, 60);
            if (c.nameKana() != null) {
                String kana = GmoRequests.fullWidthSpaces(c.nameKana());
                r.pattern("customer.nameKana", kana, GmoSettings.KANA, "full-width katakana");
                r.maxBytes("customer.nameKana", kana, 60, StandardCharsets.UTF_8);
            }
            r.pattern("customer.phone", c.phone(), PHONE, "at most 13 digits and hyphens");
            r.maxLength("customer.ip", c.ip(), 39);
            r.pattern("customer.id", c.id(), MEMBER_ID, "1 to 60 of [a-zA-Z0-9@_.-] (GMO payer.accountId)");
            r.maxLength("customer.userAgent", c.userAgent(), 512);
            r.pattern("customer.userAgent", c.userAgent(), PRINTABLE_ASCII, "printable ASCII");
        }
        checkAddress("billingAddress", order.billingAddress(), r);
        checkAddress("shippingAddress", order.shippingAddress(), r);
        List<PaymentOrder.Item> items = order.items();
        if (items != null) {
            BigDecimal amount = safeDecimal(order.amount());
            for (int i = 0; i < items.size(); i++) {
                PaymentOrder.Item it = items.get(i);
                String p = "items[" + i + "]";
                r.maxUtf8(p + ".name", it.name(), 128, 192);
                if (it.quantity() != null && it.quantity() > 9999) {
                    r.add(p + ".quantity", "range", "must be at most 9999 for gmo-pg");
                }
                if (it.type() == null) {
                    r.add(p + ".type", "required", "is required for gmo-pg (DIGITAL, PHYSICAL or SERVICE)");
                }
                BigDecimal price = safeDecimal(it.unitPrice());
                if (price != null) {
                    if (price.scale() > 0 && price.stripTrailingZeros().scale() > 0) {
                        r.add(p + ".unitPrice", "scale", "JPY has no decimals");
                    }
                    r.maxLength(p + ".unitPrice", it.unitPrice(), 15);
                    if (amount != null && price.compareTo(amount) > 0) {
                        r.add(p + ".unitPrice", "range", "must not be above amount (GMO items[].price ≤ order.amount)");
                    }
                }
            }
        }
        if (order.capture() != null && PaymentOrder.Capture.SCHEDULED.equals(order.capture().mode()) && order.capture().at() != null) {
            try {
                if (java.time.OffsetDateTime.parse(order.capture().at()).isAfter(captureDeadline())) {
                    r.add("capture.at", "range", "must not be after " + captureDeadline()
                            + ": a GMO authorization can be captured for " + AUTHORIZATION_DAYS + " days");
                }
            } catch (java.time.format.DateTimeParseException e) {
                // reported by the canonical rules
            }
        }
        if (order.platformFee() != null) {
            r.add("platformFee", "unsupported_field", "is carried only by payjp");
        }
        String cashType = GmoRequests.cashType(order.method());
        if (cashType != null && ("KONBINI".equals(cashType) || "PAYEASY".equals(cashType))) {
            if (order.customer() == null || order.customer().nameKana() == null) {
                r.add("customer.nameKana", "required", "is required by GMO for konbini and Pay-easy payments");
            }
            if (order.customer() == null || order.customer().phone() == null) {
                r.add("customer.phone", "required", "is required by GMO for konbini and Pay-easy payments");
            }
        }
    }

    private static void checkAddress(String field, PaymentOrder.Address a, FieldRules r) {
        if (a == null || !"JP".equals(a.country())) {
            return;
        }
        if (a.name() == null) {
            r.add(field + ".name", "required", "is required for gmo-pg");
        }
        r.maxUtf8(field + ".name", a.name(), 40, 60);
        r.maxUtf8(field + ".line1", a.line1(), 50, 75);
        r.maxUtf8(field + ".line2", a.line2(), 50, 75);
        r.maxUtf8(field + ".city", a.city(), 50, 75);
        if (Prefectures.code(a.state()).isEmpty()) {
            r.add(field + ".state", "enum", "must be a Japanese prefecture: a name such as Tokyo or 東京都, or its JIS number 1-47");
        }
        if (a.postalCode() == null) {
            r.add(field + ".postalCode", "required", "is required for gmo-pg");
        }
        r.pattern(field + ".postalCode", a.postalCode(), POST_CODE, "at most 16 digits and hyphens");
    }

    private static BigDecimal safeDecimal(String s) {
        try {
            return s == null ? null : new BigDecimal(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
