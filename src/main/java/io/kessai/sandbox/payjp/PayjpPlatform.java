package io.kessai.sandbox.payjp;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.sandbox.payjp.PayjpState.Filter;
import io.kessai.sandbox.payjp.PayjpState.Kind;
import io.kessai.sandbox.payjp.PayjpState.Row;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The Platform API's merchants (payjp-platform.txt, "Platform Merchant"): create ({@code display_name}, at most 255
 * characters: "Strings must be within 255 characters."), retrieve, list ({@code limit} 1..100 default 10,
 * {@code offset} default 0, {@code since}/{@code until} Unix timestamps; anything else is
 * "Invalid query string."), key rotation ({@code keytype} public|secret, {@code accessmode} livemode|testmode,
 * {@code timing} now|24hours, all 必須: "Missing required param to platform_merchant_apikey"), the basic and
 * additional applications ({@link PayjpApplications}), delete ({@code {"deleted":true,"id"}}). Also the API keys
 * that authenticate: the platform's own secret key for {@code /v1/platform/*}, and each merchant's test secret key
 * for {@code /v1/charges}.
 *
 * <p>Key rotation: the new key is in the answer and valid at once; with {@code timing=now} the old one stops working
 * at once, with {@code 24hours} it keeps working for 24 hours (sandbox clock). The sandbox accepts test-mode secret
 * keys for charges only (it has no live network), so a rotated live key is issued but never accepted.
 *
 * <p>Review is the platform operator's: an application sets {@code details_submitted} and the application object;
 * {@link #approve} (a test hook) then enables live mode as PAY.JP's review would ({@code livemode_enabled},
 * {@code livemode_activated_at}, {@code brands_accepted}).
 */
final class PayjpPlatform {

    static final String KEY_ACTIVE = "active";
    private static final Pattern INTEGER = Pattern.compile("-?[0-9]{1,18}");

    private final PayjpState state;
    private final Supplier<Instant> clock;
    private final AtomicInteger fileIds = new AtomicInteger(1000);

    PayjpPlatform(PayjpState state, Supplier<Instant> clock) {
        this.state = state;
        this.clock = clock;
    }

    // ------------------------------------------------------------------ API keys

    /** The account id a merchant's test secret key belongs to, or null (unknown, rotated out, deleted). */
    String merchantOfSecretKey(String key) {
        return state.atomically(() -> {
            Row k = state.find(Kind.API_KEY, key).orElse(null);
            if (k == null || !KEY_ACTIVE.equals(k.status()) || !key.startsWith("sk_test_")) {
                return null;
            }
            if (!k.body().path("expires_at").isNull() && now() >= k.body().get("expires_at").asLong()) {
                return null;
            }
            return state.find(Kind.ACCOUNT, k.owner()).isPresent() ? k.owner() : null;
        });
    }

    private void addKey(String key, String account) {
        ObjectNode body = PayjpJson.object();
        body.putNull("expires_at");
        state.put(new Row(Kind.API_KEY, key, account, null, now(), KEY_ACTIVE, body));
    }

    // ------------------------------------------------------------------ merchants

    /**
     * Creates a merchant; {@code id} and {@code testSecretKey} choose its id and test secret key (null: new ones).
     */
    ObjectNode createMerchant(String id, String displayName, String testSecretKey) {
        return state.atomically(() -> {
            long t = now();
            ObjectNode a = PayjpJson.object();
            a.put("created", t);
            a.put("display_name", displayName);
            a.put("id", id != null ? id : PayjpJson.newId("acct_"));
            ObjectNode keys = a.putObject("keys");
            keys.put("live_public_key", "pk_live_" + PayjpJson.hex(24));
            keys.put("live_secret_key", "sk_live_" + PayjpJson.hex(56));
            keys.put("test_public_key", "pk_test_" + PayjpJson.hex(24));
            keys.put("test_secret_key", testSecretKey != null ? testSecretKey : "sk_test_" + PayjpJson.hex(24));
            ObjectNode m = a.putObject("merchant");
            // payjp-platform.txt's samples spell it "applicaiton" in places; the property table says "application"
            m.putNull("application");
            m.put("bank_enabled", false);
            m.putArray("brands_accepted");
            m.putNull("country");
            m.put("created", t);
            m.putArray("currencies_supported").add("jpy");
            m.put("default_currency", "jpy");
            m.put("details_submitted", false);
            m.putNull("livemode_activated_at");
            m.put("livemode_enabled", false);
            m.put("object", "merchant");
            a.put("object", "account");
            String accountId = a.get("id").asText();
            state.put(new Row(Kind.ACCOUNT, accountId, null, null, t, null, a));
            keys.fields().forEachRemaining(e -> addKey(e.getValue().asText(), accountId));
            return a;
        });
    }

    ObjectNode create(PayjpForm form) {
        form.allow(Set.of("display_name"), Set.of(), Set.of());
        String name = form.value("display_name");
        if (name != null && name.length() > PayjpCharges.MAX_STRING) {
            throw PayjpError.client("invalid_string_length", "Strings must be within 255 characters.",
                    "display_name");
        }
        return createMerchant(null, name, null);
    }

    ObjectNode retrieve(String id) {
        return account(id).body();
    }

    ObjectNode list(PayjpForm query) {
        ListQuery q = ListQuery.parse(query, false);
        Filter f = new Filter(null, null, null, q.since(), q.until());
        return state.atomically(() -> {
            List<ObjectNode> data = new ArrayList<>();
            state.list(Kind.ACCOUNT, f, q.offset(), q.limit()).forEach(r -> data.add(r.body()));
            boolean more = q.offset() + data.size() < state.count(Kind.ACCOUNT, f);
            return PayjpJson.list(data, more, "/v1/platform/merchants");
        });
    }

    ObjectNode rotateKey(String id, PayjpForm form) {
        form.allow(Set.of("keytype", "accessmode", "timing"), Set.of(), Set.of());
        for (String p : List.of("keytype", "accessmode", "timing")) {
            if (form.value(p) == null || form.value(p).isEmpty()) {
                throw PayjpError.client("missing_param", "Missing required param to platform_merchant_apikey", p);
            }
        }
        String keytype = form.value("keytype");
        String mode = form.value("accessmode");
        String timing = form.value("timing");
        if (!Set.of("public", "secret").contains(keytype)) {
            throw PayjpError.client("invalid_key_type", "Invalid key type: public or secret.", "keytype");
        }
        if (!Set.of("livemode", "testmode").contains(mode)) {
            throw PayjpError.client("invalid_access_mode", "Invalid access mode: livemode or testmode.",
                    "accessmode");
        }
        if (!Set.of("now", "24hours").contains(timing)) {
            throw PayjpError.client("invalid_timing", "Invalid timing: now or 24hours.", "timing");
        }
        return state.atomically(() -> {
            Row row = account(id);
            ObjectNode a = row.body();
            String field = (mode.equals("livemode") ? "live_" : "test_") + keytype + "_key";
            String old = a.get("keys").get(field).asText();
            String prefix = (keytype.equals("public") ? "pk_" : "sk_") + (mode.equals("livemode") ? "live_" : "test_");
            String fresh = prefix + PayjpJson.hex(field.equals("live_secret_key") ? 56 : 24);
            ((ObjectNode) a.get("keys")).put(field, fresh);
            state.put(row.withBody(a));
            addKey(fresh, id);
            if (timing.equals("now")) {
                state.delete(Kind.API_KEY, old);
            } else {
                state.find(Kind.API_KEY, old).ifPresent(k -> {
                    ObjectNode b = k.body();
                    b.put("expires_at", clock.get().plus(Duration.ofHours(24)).getEpochSecond());
                    state.put(k.withBody(b));
                });
            }
            return a;
        });
    }

    ObjectNode application(String id, PayjpForm form, boolean additional) {
        List<PayjpApplications.Field> fields = additional ? PayjpApplications.ADDITIONAL : PayjpApplications.BASIC;
        return state.atomically(() -> {
            Row row = account(id);
            ObjectNode a = row.body();
            ObjectNode merchant = (ObjectNode) a.get("merchant");
            ObjectNode existing = merchant.get("application") instanceof ObjectNode o ? o : null;
            if (additional && existing == null) {
                // "追加情報は、基本情報の登録後に登録可能となります。"
                throw PayjpError.client("missing_param",
                        "The basic application must be registered before the additional application.", "id");
            }
            PayjpApplications.check(fields, form, existing);
            if ("true".equals(form.value("dryrun"))) {
                return a;   // "trueの場合バリデーションのみを実施"
            }
            merchant.set("application", PayjpApplications.apply(fields, form, existing, fileIds::incrementAndGet));
            merchant.put("details_submitted", true);
            state.put(row.withBody(a));
            return a;
        });
    }

    ObjectNode delete(String id) {
        return state.atomically(() -> {
            account(id);
            state.delete(Kind.ACCOUNT, id);
            for (Row k : state.all(Kind.API_KEY, new Filter(id, null, null, null, null))) {
                state.delete(Kind.API_KEY, k.id());
            }
            ObjectNode answer = PayjpJson.object();
            answer.put("deleted", true);
            answer.put("id", id);
            return answer;
        });
    }

    /** Test hook: PAY.JP's review passed. */
    void approve(String id) {
        state.atomically(() -> {
            Row row = state.find(Kind.ACCOUNT, id).orElseThrow(() -> new IllegalArgumentException("no account " + id));
            ObjectNode a = row.body();
            ObjectNode m = (ObjectNode) a.get("merchant");
            if (!m.path("details_submitted").asBoolean()) {
                throw new IllegalStateException("merchant " + id + " has submitted no application");
            }
            m.put("livemode_enabled", true);
            m.put("livemode_activated_at", now());
            var brands = m.putArray("brands_accepted");
            brands.add("Visa").add("MasterCard");
            if (!m.get("application").path("product_type").isNull()) {
                brands.add("JCB").add("American Express").add("Diners Club").add("Discover");
            }
            state.put(row.withBody(a));
        });
    }

    private Row account(String id) {
        return state.find(Kind.ACCOUNT, id).orElseThrow(() -> PayjpError.notFound("account", id));
    }

    private long now() {
        return clock.get().getEpochSecond();
    }

    /** The list arguments of the Platform API: limit 1..100 (10), offset ≥ 0 (0), since, until, status. */
    record ListQuery(int limit, int offset, Long since, Long until, String status) {
        static final Set<String> STATUSES = Set.of("pending", "paid", "carried_over", "failed", "stop",
                "recombination");

        static ListQuery parse(PayjpForm query, boolean withStatus) {
            for (PayjpForm.Part p : query.parts()) {
                boolean known = Set.of("limit", "offset", "since", "until").contains(p.name())
                        || (withStatus && p.name().equals("status"));
                if (!known) {
                    throw PayjpError.invalidQuery(p.name());
                }
            }
            try {
                query.allow(withStatus ? Set.of("limit", "offset", "since", "until", "status")
                        : Set.of("limit", "offset", "since", "until"), Set.of(), Set.of());
            } catch (PayjpError e) {
                throw PayjpError.invalidQuery(e.param);   // a repeated argument
            }
            int limit = integer(query.value("limit"), "limit", 10, 1, 100);
            int offset = integer(query.value("offset"), "offset", 0, 0, Integer.MAX_VALUE);
            Long since = timestamp(query.value("since"), "since");
            Long until = timestamp(query.value("until"), "until");
            String status = query.value("status");
            if (status != null && !STATUSES.contains(status)) {
                throw PayjpError.invalidQuery("status");
            }
            return new ListQuery(limit, offset, since, until, status);
        }

        private static int integer(String raw, String param, int dflt, int min, int max) {
            if (raw == null) {
                return dflt;
            }
            if (!INTEGER.matcher(raw).matches() || Long.parseLong(raw) < min || Long.parseLong(raw) > max) {
                throw PayjpError.invalidQuery(param);
            }
            return Integer.parseInt(raw);
        }

        private static Long timestamp(String raw, String param) {
            if (raw == null) {
                return null;
            }
            if (!raw.matches("[0-9]{1,12}")) {
                throw PayjpError.client("invalid_timestamp", "Invalid Unix timestamp.", param);
            }
            return Long.parseLong(raw);
        }
    }
}
