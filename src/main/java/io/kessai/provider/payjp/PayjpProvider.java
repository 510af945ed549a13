package io.kessai.provider.payjp;

import io.kessai.model.FieldRules;
import io.kessai.model.PaymentOrder;
import io.kessai.provider.Capabilities;
import io.kessai.provider.PaymentProvider;
import io.kessai.provider.ProviderOperation;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * PAY.JP's capabilities and every rule of its v1 charge API that Kessai checks before a call: {@code amount}
 * 50..9,999,999 JPY, a {@code tok_} token or a {@code cus_} customer (with an optional {@code car_} card),
 * {@code expiry_days} 1..60, {@code platform_fee} an integer not above the amount, {@code description} at most 255
 * characters, {@code metadata} at most 20 keys (Kessai's two included) of 40 characters with values of 500.
 */
public final class PayjpProvider implements PaymentProvider {
    static final String ID = "payjp";
    static final ZoneId JAPAN = ZoneId.of("Asia/Tokyo");
    static final long MIN_AMOUNT = 50;
    static final long MAX_AMOUNT = 9_999_999;
    static final int MAX_EXPIRY_DAYS = 60;
    static final int MAX_METADATA_KEYS = 20;
    /** Kessai's own metadata keys on every charge (how a charge whose answer was lost is found again). */
    static final String PAYMENT_KEY = "kessai_payment_id";
    static final String ORDER_KEY = "kessai_order_id";
    static final Pattern TOKEN = Pattern.compile("tok_[0-9A-Za-z_]{1,250}");
    static final Pattern CUSTOMER = Pattern.compile("cus_[0-9A-Za-z_]{1,250}");
    static final Pattern CARD = Pattern.compile("car_[0-9A-Za-z_]{1,250}");

    /**
     * Cards by {@code tok_} token or PAY.JP customer, authorized now and captured later (in part too, the rest
     * released) or captured at once; refunds in full or in part; an authorization is released with a refund.
     * Card payments go to GMO unless an order names {@code payjp}.
     */
    static final Capabilities CAPABILITIES = Capabilities.builder()
            .currencies("JPY")
            .method("card", m -> m.authorizes())
            .operations(ProviderOperation.CAPTURE, ProviderOperation.CANCEL, ProviderOperation.REFUND,
                    ProviderOperation.NOTICE)
            .partialCapture(true)
            .partialRefund(true)
            .build();

    private final PayjpSettings settings;
    private final Clock clock;

    public PayjpProvider(PayjpSettings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Capabilities capabilities() {
        return CAPABILITIES;
    }

    /**
     * {@code expiry_days} for an order that authorizes now, or null for an immediate capture: the setting for a
     * manual capture; for a scheduled one the fewest days whose authorization still holds at {@code capture.at}
     * (PAY.JP: "60日に設定した場合、認証期限は59日後の11:59PM(日本時間)まで", so N days hold until the end of day N-1
     * in Japan). Above 60 the schedule cannot be held; see {@link #check}.
     */
    Integer expiryDays(PaymentOrder order) {
        PaymentOrder.Capture c = order.capture();
        if (c == null || !c.authorizeOnly()) {
            return null;
        }
        if (PaymentOrder.Capture.SCHEDULED.equals(c.mode()) && c.at() != null) {
            LocalDate today = LocalDate.now(clock.withZone(JAPAN));
            LocalDate due = OffsetDateTime.parse(c.at()).atZoneSameInstant(JAPAN).toLocalDate();
            return (int) Math.max(1, ChronoUnit.DAYS.between(today, due) + 1);
        }
        return settings.expiryDays();
    }

    @Override
    public void check(PaymentOrder order, FieldRules r) {
        BigDecimal amount = decimal(order.amount());
        if (amount != null && (amount.compareTo(BigDecimal.valueOf(MIN_AMOUNT)) < 0
                || amount.compareTo(BigDecimal.valueOf(MAX_AMOUNT)) > 0)) {
            r.add("amount", "range", "must be 50 to 9,999,999 JPY for payjp");
        }
        PaymentOrder.Method m = order.method();
        if (m != null) {
            if (m.token() != null && !TOKEN.matcher(m.token()).matches()) {
                r.add("method.token", "pattern", "must be a PAY.JP token (tok_...)");
            }
            r.pattern("method.memberId", m.memberId(), CUSTOMER, "a PAY.JP customer id (cus_...)");
            r.pattern("method.cardId", m.cardId(), CARD, "a card id of the PAY.JP customer (car_...)");
        }
        PaymentOrder.Capture c = order.capture();
        if (c != null && PaymentOrder.Capture.SCHEDULED.equals(c.mode()) && c.at() != null) {
            try {
                Integer days = expiryDays(order);
                if (days != null && days > MAX_EXPIRY_DAYS) {
                    r.add("capture.at", "range", "must be within " + MAX_EXPIRY_DAYS + " days (PAY.JP holds an"
                            + " authorization until 23:59 Japan time of the 59th day after it, expiry_days 1..60)");
                }
            } catch (DateTimeParseException e) {
                // reported by the canonical rules
            }
        }
        if (order.platformFee() != null) {
            BigDecimal fee = decimal(order.platformFee());
            if (fee != null && fee.signum() < 0) {
                r.add("platformFee", "range", "must not be negative");
            }
        }
        r.maxLength("description", order.description(), 255);
        Map<String, String> metadata = order.metadata();
        if (metadata != null) {
            if (metadata.size() > MAX_METADATA_KEYS - 2) {
                r.add("metadata", "max_entries", "must have at most " + (MAX_METADATA_KEYS - 2)
                        + " entries for payjp (PAY.JP takes 20 keys; Kessai sets " + PAYMENT_KEY + " and " + ORDER_KEY + ")");
            }
            metadata.forEach((k, v) -> {
                if (k.contains("[") || k.contains("]") || k.isEmpty()) {
                    r.add("metadata." + k, "pattern", "a PAY.JP metadata key has no [ or ] and is not empty");
                }
                if (k.startsWith("kessai_")) {
                    r.add("metadata." + k, "reserved", "keys starting with kessai_ are Kessai's own on payjp");
                }
                r.maxLength("metadata." + k, k, 40);
                r.maxLength("metadata." + k, v, 500);
            });
        }
    }

    private static BigDecimal decimal(String s) {
        try {
            return s == null ? null : new BigDecimal(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
