package io.kessai.sandbox.payjp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.sandbox.payjp.PayjpState.Filter;
import io.kessai.sandbox.payjp.PayjpState.Kind;
import io.kessai.sandbox.payjp.PayjpState.Row;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The charge rules of PAY.JP's v1 API ({@code /v1/charges}, {@code /v1/charges/{id}}, {@code .../capture},
 * {@code .../refund}), as the reference states them (searched in the docs corpus, PAY.JP API reference "支払い"):
 * <ul>
 *   <li>create: {@code amount} "50~9,999,999の整数" and {@code currency} (only {@code jpy}), or a product (not
 *       modelled); {@code card} ("トークンIDまたはカードID") or {@code customer}; {@code capture} (default true);
 *       {@code expiry_days} "デフォルトで7日... 1日~60日... 60日に設定した場合、認証期限は59日後の11:59PM(日本時間)まで"
 *       (only with {@code capture=false}: else {@code unnecessary_expiry_days}); {@code description};
 *       {@code metadata} (at most 20 keys, keys up to 40 and values up to 500 characters); {@code platform_fee}
 *       (payjp-platform.txt: Platform merchants only, absent = {@code null} in the answer, 0 in settlement; the
 *       sandbox refuses one above {@code amount}); {@code tenant} is refused ("tenant の指定などは本APIではできません");
 *       a token is single-use ({@code token_already_used}).</li>
 *   <li>capture: "認証状態となった処理待ちの支払い処理を確定" ({@code captured=false} only); {@code amount}
 *       "50~9,999,999の整数... 支払い生成時の金額よりも少額" and the difference goes to {@code amount_refunded}
 *       ("amount=500 で作成し、 amount=400 で支払い確定を行った場合、 amount_refunded=100").</li>
 *   <li>refund: full, or partial with {@code amount} "1~9,999,999の整数"; an uncaptured charge can be released but
 *       not partially ("確定していない支払いも取り消すことができますが amount を指定して部分返金をすることはできません");
 *       {@code refund_reason} "255文字以内"; "返金可能な期限につきましては売上作成より180日以内".</li>
 * </ul>
 * Error codes are those of the reference's error-code table ({@code invalid_amount}, {@code invalid_currency},
 * {@code invalid_expiry_days}, {@code unnecessary_expiry_days}, {@code invalid_boolean}, {@code too_many_metadata_keys},
 * {@code invalid_metadata_key}, {@code invalid_metadata_value}, {@code already_captured},
 * {@code cant_capture_refunded_charge}, {@code charge_expired}, {@code capture_amount_gt_net},
 * {@code already_refunded}, {@code invalid_amount_to_not_captured}, {@code invalid_refund_amount},
 * {@code refund_amount_gt_net}, {@code invalid_refund_reason}, {@code refund_limit_exceeded},
 * {@code token_already_used}, {@code failed_payment}, card_error codes). Where the reference names no code for a
 * check (platform_fee above amount, a capture below platform_fee) the sandbox uses {@code invalid_amount} with the
 * parameter as {@code param}; {@code description} longer than 255 characters is {@code invalid_string_length} (the
 * reference gives no limit; 255 is the Platform API's "Strings must be within 255 characters.").
 */
final class PayjpCharges {

    static final ZoneId TOKYO = ZoneId.of("Asia/Tokyo");
    static final long MIN_AMOUNT = 50;
    static final long MAX_AMOUNT = 9_999_999;
    static final int MAX_METADATA_KEYS = 20;
    static final int MAX_METADATA_KEY = 40;
    static final int MAX_METADATA_VALUE = 500;
    static final int MAX_STRING = 255;
    static final Duration REFUND_PERIOD = Duration.ofDays(180);
    private static final Pattern INTEGER = Pattern.compile("-?[0-9]{1,18}");

    private static final Set<String> CREATE_PARAMS = Set.of("amount", "currency", "card", "customer", "description",
            "capture", "expiry_days", "platform_fee", "product", "tenant", "three_d_secure");

    /** What a card (token or customer) does, chosen by words in the token or customer id (case-insensitive). */
    enum Outcome {
        APPROVE(null, null),
        // PAY.JP has no "insufficient funds" code: the issuer's refusal is card_declined whatever its reason
        DECLINED("card_declined", "Card declined."),
        EXPIRED("expired_card", "The card has expired."),
        CVC("invalid_cvc", "The card's security code is invalid."),
        PROCESSING("processing_error", "An error occurred while processing the card."),
        FLAGGED("card_flagged", "The card is flagged and cannot be used."),
        NO_CARD("missing_card", "The customer has no card.");

        final String code;
        final String message;

        Outcome(String code, String message) {
            this.code = code;
            this.message = message;
        }
    }

    /** Behaviour selected by words in the token or customer id. */
    record Behaviour(Outcome outcome, boolean slow, boolean flaky) {
        static Behaviour of(String text) {
            String t = text == null ? "" : text.toLowerCase(Locale.ROOT);
            Outcome o = t.contains("expired_card") ? Outcome.EXPIRED
                    : t.contains("cvc") ? Outcome.CVC
                    : t.contains("processing_error") ? Outcome.PROCESSING
                    : t.contains("flagged") ? Outcome.FLAGGED
                    : t.contains("declined") || t.contains("insufficient") ? Outcome.DECLINED
                    : t.contains("nocard") ? Outcome.NO_CARD
                    : Outcome.APPROVE;
            return new Behaviour(o, t.contains("slow"), t.contains("flaky"));
        }
    }

    /** The result of an operation: a charge (or an error) and the events it raised, and whether to answer slowly. */
    record Result(ObjectNode charge, PayjpError error, boolean slow, List<Row> events) {}

    private final PayjpState state;
    private final Supplier<Instant> clock;
    private final PayjpEvents events;

    PayjpCharges(PayjpState state, Supplier<Instant> clock, PayjpEvents events) {
        this.state = state;
        this.clock = clock;
        this.events = events;
    }

    // ------------------------------------------------------------------ create

    /**
     * {@code POST /v1/charges} for the merchant {@code account}.
     *
     * @param flakyKey what identifies this request for the {@code flaky} word (its Idempotency-Key, or null)
     */
    Result create(String account, PayjpForm form, String flakyKey) {
        form.allow(CREATE_PARAMS, Set.of("metadata"), Set.of());
        if (form.has("product")) {
            throw PayjpError.client("invalid_param_key", "The sandbox does not model products: give amount and "
                    + "currency.", "product");
        }
        if (form.has("tenant")) {
            // payjp-platform.txt: "なお tenant の指定などは本APIではできません"
            throw PayjpError.invalidParamKey("tenant");
        }
        String tds = form.value("three_d_secure");
        if (tds != null) {
            boolean on = bool(tds, "three_d_secure");
            if (on) {
                throw PayjpError.client("invalid_param_key", "The sandbox does not model 3-D Secure.",
                        "three_d_secure");
            }
        }
        long amount = amount(form.value("amount"), "amount", MIN_AMOUNT, "invalid_amount", true);
        String currency = form.value("currency");
        if (currency == null) {
            throw PayjpError.missing("currency");
        }
        if (!"jpy".equals(currency)) {
            throw PayjpError.client("invalid_currency", "Invalid currency: only jpy is supported.", "currency");
        }
        String card = emptyToNull(form.value("card"));
        String customer = emptyToNull(form.value("customer"));
        if (card == null && customer == null) {
            throw PayjpError.missing("card");
        }
        String description = form.value("description");
        if (description != null && description.length() > MAX_STRING) {
            throw stringLength("description");
        }
        boolean capture = form.value("capture") == null || bool(form.value("capture"), "capture");
        Integer expiryDays = null;
        if (form.value("expiry_days") != null) {
            if (capture) {
                throw PayjpError.client("unnecessary_expiry_days",
                        "expiry_days can only be given with capture=false.", "expiry_days");
            }
            String raw = form.value("expiry_days");
            if (!INTEGER.matcher(raw).matches() || Long.parseLong(raw) < 1 || Long.parseLong(raw) > 60) {
                throw PayjpError.client("invalid_expiry_days", "expiry_days must be an integer between 1 and 60.",
                        "expiry_days");
            }
            expiryDays = Integer.parseInt(raw);
        }
        Map<String, String> metadata = metadata(form.nested("metadata"));
        Long platformFee = null;
        if (form.value("platform_fee") != null) {
            platformFee = amount(form.value("platform_fee"), "platform_fee", 0, "invalid_amount", false);
            if (platformFee > amount) {
                throw PayjpError.client("invalid_amount", "platform_fee must not exceed amount.", "platform_fee");
            }
        }
        Behaviour behaviour;
        if (card != null && card.startsWith("tok_")) {
            behaviour = Behaviour.of(card);
        } else if (card != null && card.startsWith("car_")) {
            if (customer == null) {
                throw PayjpError.missing("customer");
            }
            behaviour = Behaviour.of(customer);
        } else if (card != null) {
            throw new PayjpError(404, PayjpError.CLIENT, "invalid_id", "No such token.", "card");
        } else {
            behaviour = Behaviour.of(customer);
        }
        if (customer != null) {
            if (!customer.startsWith("cus_") || customer.toLowerCase(Locale.ROOT).contains("unknown")) {
                throw PayjpError.notFound("customer", customer);
            }
            if (card != null && card.startsWith("car_") && !card.equals(customerCardId(customer))) {
                throw PayjpError.client("dont_has_this_card", "The customer does not have this card.", "card");
            }
        }
        final Integer days = expiryDays;
        final Long fee = platformFee;
        final Behaviour b = behaviour;
        return state.atomically(() -> {
            if (b.flaky()) {
                // the first attempt fails before anything is processed: nothing is charged, the token stays unused
                String id = flakyKey != null ? "key:" + account + ":" + flakyKey
                        : "req:" + account + ":" + (card != null ? card : customer) + ":" + amount;
                if (state.insert(new Row(Kind.FLAKY, id, account, null, now(), null, PayjpJson.object()))) {
                    return new Result(null, PayjpError.serverError(), false, List.of());
                }
            }
            if (card != null && card.startsWith("tok_")
                    && !state.insert(new Row(Kind.TOKEN, card, account, null, now(), null, PayjpJson.object()))) {
                throw PayjpError.client("token_already_used", "The token has already been used.", "card");
            }
            Instant t = clock.get();
            ObjectNode ch = PayjpJson.object();
            ch.put("amount", amount);
            ch.put("amount_refunded", 0);
            ch.put("captured", false);
            ch.putNull("captured_at");
            ch.set("card", cardObject(customer, t));
            ch.put("created", t.getEpochSecond());
            ch.put("currency", "jpy");
            ch.put("customer", customer);
            ch.put("description", description);
            ch.putNull("expired_at");
            ch.putNull("failure_code");
            ch.putNull("failure_message");
            ch.put("id", PayjpJson.newId("ch_"));
            ch.put("livemode", false);
            if (metadata.isEmpty()) {
                ch.putNull("metadata");   // payjp-platform.txt's sample: "metadata": null
            } else {
                ObjectNode md = ch.putObject("metadata");
                metadata.forEach(md::put);
            }
            ch.put("object", "charge");
            ch.put("paid", false);
            if (fee == null) {
                ch.putNull("platform_fee");
            } else {
                ch.put("platform_fee", fee);
            }
            ch.putNull("refund_reason");
            ch.put("refunded", false);
            ch.putNull("subscription");
            List<Row> raised = new ArrayList<>();
            String id = ch.get("id").asText();
            if (b.outcome() != Outcome.APPROVE) {
                ch.put("failure_code", b.outcome().code);
                ch.put("failure_message", b.outcome().message);
                save(account, ch, card != null && card.startsWith("tok_") ? card : customer);
                raised.add(events.raise("charge.failed", ch, id));
                // the v1 error object names the failed charge in "charge"
                return new Result(null, new PayjpError(402, PayjpError.CARD, b.outcome().code, b.outcome().message,
                        "card", id), b.slow(), raised);
            }
            ch.put("paid", true);
            if (capture) {
                ch.put("captured", true);
                ch.put("captured_at", t.getEpochSecond());
            } else {
                ch.put("expired_at", expiry(t, days == null ? 7 : days));
            }
            save(account, ch, card != null && card.startsWith("tok_") ? card : customer);
            raised.add(events.raise("charge.succeeded", ch, id));
            return new Result(ch, null, b.slow(), raised);
        });
    }

    /** "60日に設定した場合、認証期限は59日後の11:59PM(日本時間)まで": the last day at 23:59:59 in Tokyo. */
    static long expiry(Instant created, int days) {
        return created.atZone(TOKYO).toLocalDate().plusDays(days - 1L).atTime(LocalTime.of(23, 59, 59))
                .atZone(TOKYO).toEpochSecond();
    }

    // ------------------------------------------------------------------ retrieve, capture, refund

    ObjectNode retrieve(String account, String id) {
        return load(account, id).body();
    }

    /**
     * {@code GET /v1/charges} ("支払いリストを取得"): the merchant's charges, newest first, with the reference's list
     * arguments {@code limit} (1..100, default 10), {@code offset}, {@code since}, {@code until} (Unix seconds). The
     * reference's {@code customer}, {@code subscription} and {@code tenant} filters are not modelled (refused).
     */
    ObjectNode list(String account, PayjpForm query) {
        PayjpPlatform.ListQuery q = PayjpPlatform.ListQuery.parse(query, false);
        Filter f = new Filter(account, null, null, q.since(), q.until());
        return state.atomically(() -> {
            List<ObjectNode> data = new ArrayList<>();
            for (Row r : state.list(Kind.CHARGE, f, q.offset(), q.limit())) {
                data.add(r.body());
            }
            boolean more = q.offset() + data.size() < state.count(Kind.CHARGE, f);
            return PayjpJson.list(data, more, "/v1/charges");
        });
    }

    Result capture(String account, String id, PayjpForm form) {
        form.allow(Set.of("amount"), Set.of(), Set.of());
        Long requested = form.value("amount") == null ? null
                : amount(form.value("amount"), "amount", MIN_AMOUNT, "invalid_amount", true);
        return state.atomically(() -> {
            Row row = load(account, id);
            ObjectNode ch = row.body();
            if (!ch.path("paid").asBoolean()) {
                throw failedPayment(id);
            }
            if (ch.path("refunded").asBoolean()) {
                throw PayjpError.client("cant_capture_refunded_charge", "A refunded charge cannot be captured.",
                        null);
            }
            if (ch.path("captured").asBoolean()) {
                throw PayjpError.client("already_captured", "The charge has already been captured.", null);
            }
            if (!ch.path("expired_at").isNull() && now() > ch.get("expired_at").asLong()) {
                throw PayjpError.client("charge_expired", "The authorization of the charge has expired.", null);
            }
            long amount = ch.get("amount").asLong();
            long captured = requested == null ? amount : requested;
            if (captured > amount) {
                throw PayjpError.client("capture_amount_gt_net",
                        "The capture amount must not exceed the charge amount.", "amount");
            }
            if (!ch.path("platform_fee").isNull() && captured < ch.get("platform_fee").asLong()) {
                throw PayjpError.client("invalid_amount", "The capture amount must not be below platform_fee.",
                        "amount");
            }
            ch.put("captured", true);
            ch.put("captured_at", now());
            ch.put("amount_refunded", amount - captured);
            state.put(row.withBody(ch));
            return new Result(ch, null, false, List.of(events.raise("charge.captured", ch, id)));
        });
    }

    Result refund(String account, String id, PayjpForm form) {
        form.allow(Set.of("amount", "refund_reason"), Set.of(), Set.of());
        String reason = form.value("refund_reason");
        if (reason != null && reason.length() > MAX_STRING) {
            throw PayjpError.client("invalid_refund_reason", "refund_reason must be within 255 characters.",
                    "refund_reason");
        }
        return state.atomically(() -> {
            Row row = load(account, id);
            ObjectNode ch = row.body();
            if (!ch.path("paid").asBoolean()) {
                throw failedPayment(id);
            }
            if (ch.path("refunded").asBoolean()) {
                throw PayjpError.client("already_refunded", "The charge has already been refunded.", null);
            }
            long amount = ch.get("amount").asLong();
            long refunded = ch.get("amount_refunded").asLong();
            boolean captured = ch.path("captured").asBoolean();
            if (!captured && form.value("amount") != null) {
                throw PayjpError.client("invalid_amount_to_not_captured",
                        "An uncaptured charge cannot be refunded partially.", "amount");
            }
            long refund = amount - refunded;
            if (form.value("amount") != null) {
                refund = amount(form.value("amount"), "amount", 1, "invalid_refund_amount", true);
                if (refund > amount - refunded) {
                    throw PayjpError.client("refund_amount_gt_net",
                            "The refund amount must not exceed the amount left to refund.", "amount");
                }
            }
            if (captured && Instant.ofEpochSecond(ch.get("captured_at").asLong()).plus(REFUND_PERIOD)
                    .isBefore(clock.get())) {
                throw PayjpError.client("refund_limit_exceeded",
                        "The charge can no longer be refunded (180 days after capture).", null);
            }
            ch.put("amount_refunded", refunded + refund);
            ch.put("refunded", refunded + refund == amount);
            if (reason != null) {
                ch.put("refund_reason", reason);
            }
            state.put(row.withBody(ch));
            return new Result(ch, null, false, List.of(events.raise("charge.refunded", ch, id)));
        });
    }

    // ------------------------------------------------------------------ test hooks

    /** Makes an uncaptured charge's authorization expired (its expired_at one second ago). */
    void expireAuthorization(String id) {
        state.atomically(() -> {
            Row row = state.find(Kind.CHARGE, id).orElseThrow(() -> new IllegalArgumentException("no charge " + id));
            ObjectNode ch = row.body();
            if (ch.path("captured").asBoolean() || ch.path("refunded").asBoolean() || !ch.path("paid").asBoolean()) {
                throw new IllegalStateException("charge " + id + " is not an open authorization");
            }
            ch.put("expired_at", now() - 1);
            state.put(row.withBody(ch));
        });
    }

    /** The charge objects of every merchant, newest first. */
    List<ObjectNode> all() {
        List<ObjectNode> out = new ArrayList<>();
        for (Row r : state.all(Kind.CHARGE, Filter.ALL)) {
            out.add(r.body());
        }
        return out;
    }

    // ------------------------------------------------------------------ helpers

    private Row load(String account, String id) {
        return state.find(Kind.CHARGE, id)
                .filter(r -> account.equals(r.owner()))
                .orElseThrow(() -> PayjpError.notFound("charge", id));
    }

    /** Stores a new charge; {@code source} (the token or the customer it was made with) is kept as parent. */
    private void save(String account, ObjectNode ch, String source) {
        state.put(new Row(Kind.CHARGE, ch.get("id").asText(), account, source, ch.get("created").asLong(), null, ch));
    }

    /** How many charges were made with that token or customer (declined ones too; replays are not charges). */
    int chargesWith(String source) {
        return state.count(Kind.CHARGE, new Filter(null, source, null, null, null));
    }

    private long now() {
        return clock.get().getEpochSecond();
    }

    private static PayjpError failedPayment(String id) {
        return PayjpError.client("failed_payment", "The charge failed: " + id, null);
    }

    private static PayjpError stringLength(String param) {
        return PayjpError.client("invalid_string_length", "Strings must be within 255 characters.", param);
    }

    static boolean bool(String raw, String param) {
        if ("true".equals(raw)) {
            return true;
        }
        if ("false".equals(raw)) {
            return false;
        }
        throw PayjpError.client("invalid_boolean", "Invalid boolean: " + param + " must be true or false.", param);
    }

    /** An integer amount in {@code min..9,999,999}; {@code required}: absent is {@code missing_param}. */
    private static long amount(String raw, String param, long min, String code, boolean required) {
        if (raw == null) {
            if (required) {
                throw PayjpError.missing(param);
            }
            return 0;
        }
        if (!INTEGER.matcher(raw).matches() || Long.parseLong(raw) < min || Long.parseLong(raw) > MAX_AMOUNT) {
            throw PayjpError.client(code, param + " must be an integer between " + min + " and 9,999,999.", param);
        }
        return Long.parseLong(raw);
    }

    private static Map<String, String> metadata(Map<String, String> md) {
        if (md.size() > MAX_METADATA_KEYS) {
            throw PayjpError.client("too_many_metadata_keys", "metadata can have at most 20 keys.", "metadata");
        }
        for (Map.Entry<String, String> e : md.entrySet()) {
            if (e.getKey().length() > MAX_METADATA_KEY) {
                throw PayjpError.client("invalid_metadata_key", "metadata keys must be within 40 characters.",
                        "metadata[" + e.getKey() + "]");
            }
            if (e.getValue().length() > MAX_METADATA_VALUE) {
                throw PayjpError.client("invalid_metadata_value", "metadata values must be within 500 characters.",
                        "metadata[" + e.getKey() + "]");
            }
        }
        return md;
    }

    /** The card of a charge: the test card Visa 4242 (payjp-platform.txt's sample card). */
    private static ObjectNode cardObject(String customer, Instant t) {
        ObjectNode c = PayjpJson.object();
        c.putNull("address_city");
        c.putNull("address_line1");
        c.putNull("address_line2");
        c.putNull("address_state");
        c.putNull("address_zip");
        c.put("address_zip_check", "unchecked");
        c.put("brand", "Visa");
        c.putNull("country");
        c.put("created", t.getEpochSecond());
        c.put("customer", customer);
        c.put("cvc_check", "passed");
        c.put("exp_month", 12);
        c.put("exp_year", t.atZone(TOKYO).getYear() + 5);
        c.put("fingerprint", "e1d8225886e3a7211127df751c86787f");
        c.put("id", customer != null ? customerCardId(customer) : PayjpJson.newId("car_"));
        c.put("last4", "4242");
        c.put("livemode", false);
        c.putObject("metadata");
        c.putNull("name");
        c.put("object", "card");
        return c;
    }

    /** The id of the one card of a sandbox customer (the same id every time). */
    static String customerCardId(String customer) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(customer.getBytes(StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder("car_");
            for (int i = 0; sb.length() < 32; i++) {
                sb.append(Character.forDigit((d[i] >> 4) & 0xf, 16)).append(Character.forDigit(d[i] & 0xf, 16));
            }
            return sb.substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
