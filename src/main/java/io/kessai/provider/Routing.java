package io.kessai.provider;

import io.kessai.model.PaymentOrder;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The routing rules that choose the providers of an order that names none, read from configuration and checked at
 * start-up against the installed modules' capability tables.
 *
 * <p>{@code kessai.routing.rules.<n>.*} ({@code n} 1 to 99, tried in ascending order, the first that matches wins):
 * {@code method} (required), {@code brand}, {@code currency}, {@code amount-min}, {@code amount-max} (inclusive) and
 * {@code providers}, an ordered list of provider ids. Without weights the first provider takes every payment and
 * the others are the failover order; with weights ({@code gmo-pg:3,japan-payment:1}, every entry weighted, a weight
 * of 0 meaning "failover only") the first provider of each payment is chosen by smooth weighted round robin (so
 * that any run of payments splits as the weights say, within one payment per provider), and the others follow in
 * their listed order. Behind the rules: {@code kessai.routing.<method-type>} (one provider), then the installed
 * module whose capability table routes the method type by default.
 */
public final class Routing {
    public static final String RULES = "kessai.routing.rules.";
    /** The highest rule number read. */
    public static final int MAX_RULES = 99;
    private static final Pattern ID = Pattern.compile("[a-z0-9-]{1,32}");
    private static final Pattern WEIGHT = Pattern.compile("[0-9]{1,6}");

    private final List<Rule> rules;

    public Routing(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    public List<Rule> rules() {
        return rules;
    }

    /** One provider of a rule, with its weight (0: failover only; all 1 when the rule has no weights). */
    public record Entry(String provider, int weight) {
    }

    /**
     * Where an order goes: its providers in the order they are tried, and why (recorded on the payment).
     * {@link #taken()} is called once a new payment was made on this plan (a replay or a refused order does not
     * count in a weighted split).
     */
    public record Plan(List<String> providers, String reason, Runnable taken) {
        public Plan {
            providers = List.copyOf(providers);
            taken = taken == null ? () -> { } : taken;
        }

        public Plan(List<String> providers, String reason) {
            this(providers, reason, null);
        }
    }

    /**
     * One rule. {@code key} is its configuration prefix ({@code kessai.routing.rules.1}, {@code kessai.routing.card})
     * or a description of where it comes from.
     */
    public static final class Rule {
        private final String key;
        private final String method;
        private final String brand;
        private final String currency;
        private final BigDecimal amountMin;
        private final BigDecimal amountMax;
        private final List<Entry> providers;
        private final boolean weighted;
        private final long[] current;
        private final long total;

        public Rule(String key, String method, String brand, String currency, BigDecimal amountMin, BigDecimal amountMax,
                    List<Entry> providers, boolean weighted) {
            this.key = key;
            this.method = method;
            this.brand = brand;
            this.currency = currency;
            this.amountMin = amountMin;
            this.amountMax = amountMax;
            this.providers = List.copyOf(providers);
            this.weighted = weighted;
            this.current = new long[providers.size()];
            this.total = providers.stream().mapToLong(Entry::weight).sum();
        }

        public String key() {
            return key;
        }

        public String method() {
            return method;
        }

        public List<Entry> providers() {
            return providers;
        }

        public boolean weighted() {
            return weighted;
        }

        boolean matches(PaymentOrder order) {
            PaymentOrder.Method m = order.method();
            if (m == null || !method.equals(m.type())) {
                return false;
            }
            if (brand != null && !brand.equals(m.brand())) {
                return false;
            }
            if (currency != null && !currency.equals(order.currency())) {
                return false;
            }
            if (amountMin == null && amountMax == null) {
                return true;
            }
            BigDecimal amount;
            try {
                amount = order.amount() == null ? null : order.amountValue();
            } catch (NumberFormatException e) {
                amount = null;
            }
            if (amount == null) {
                return false;
            }
            return (amountMin == null || amount.compareTo(amountMin) >= 0)
                    && (amountMax == null || amount.compareTo(amountMax) <= 0);
        }

        /**
         * The providers in the order this payment tries them. Weighted: nginx's smooth weighted round robin picks the
         * first (each pick adds every weight to its counter and takes the total from the largest), so that after
         * any run of N payments each provider has led within one payment of N * weight / total. The pick is read
         * here and counted only when the plan is {@linkplain Plan#taken() taken} (two orders planned at the same
         * moment may lead with the same provider; the counters correct the split on the next picks).
         */
        Plan plan() {
            String where = key.startsWith(RULES) ? key + " (" + describe() + ")" : key;
            if (!weighted) {
                return new Plan(providers.stream().map(Entry::provider).toList(), where + ": "
                        + (providers.size() == 1 ? providers.get(0).provider()
                        : "the first of " + String.join(", ", providers.stream().map(Entry::provider).toList())));
            }
            int chosen = 0;
            synchronized (current) {
                for (int i = 1; i < current.length; i++) {
                    if (current[i] + providers.get(i).weight() > current[chosen] + providers.get(chosen).weight()) {
                        chosen = i;
                    }
                }
            }
            int pick = chosen;
            List<String> order = new ArrayList<>();
            order.add(providers.get(chosen).provider());
            for (Entry e : providers) {
                if (!order.contains(e.provider())) {
                    order.add(e.provider());
                }
            }
            return new Plan(order, where + ": " + providers.get(chosen).provider() + " by weight "
                    + providers.get(chosen).weight() + " of " + total, () -> take(pick));
        }

        private void take(int chosen) {
            synchronized (current) {
                for (int i = 0; i < current.length; i++) {
                    current[i] += providers.get(i).weight();
                }
                current[chosen] -= total;
            }
        }

        /** What the rule matches, as written in the reason: "konbini LAWSON JPY 1..300000". */
        public String describe() {
            StringBuilder s = new StringBuilder(method);
            if (brand != null) {
                s.append(' ').append(brand);
            }
            if (currency != null) {
                s.append(' ').append(currency);
            }
            if (amountMin != null || amountMax != null) {
                s.append(' ').append(amountMin == null ? "" : amountMin.toPlainString()).append("..")
                        .append(amountMax == null ? "" : amountMax.toPlainString());
            }
            return s.toString();
        }
    }

    /**
     * The plan of an order: the one provider it names (always wins, never failed over), else the first rule that
     * matches; null when no rule takes its method type.
     */
    public Plan plan(PaymentOrder order) {
        if (order.provider() != null) {
            return new Plan(List.of(order.provider()), "the order names provider " + order.provider());
        }
        for (Rule rule : rules) {
            if (rule.matches(order)) {
                return rule.plan();
            }
        }
        return null;
    }

    // ---- configuration --------------------------------------------------------------------------------------

    /**
     * Reads the rules and checks them against the installed providers' capability tables; a rule that names a
     * provider that is not installed, or that cannot carry its method type, brand or currency, stops start-up with
     * a message naming the key.
     *
     * @param config      configuration lookup (null or blank: not set)
     * @param methodTypes the canonical method types
     * @param installed   per installed provider id, its capability table, in installation order
     * @param legacy      per method type, the provider of {@code kessai.routing.<type>} or the modules' default
     *                    (with the key or reason it comes from), applied after the numbered rules
     */
    public static Routing fromConfig(Function<String, String> config, List<String> methodTypes,
                                     Map<String, Capabilities> installed, Map<String, Map.Entry<String, String>> legacy) {
        List<Rule> rules = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (int n = 1; n <= MAX_RULES; n++) {
            String prefix = RULES + n;
            Map<String, String> values = new LinkedHashMap<>();
            for (String name : List.of("method", "brand", "currency", "amount-min", "amount-max", "providers")) {
                String v = config.apply(prefix + "." + name);
                if (v != null && !v.isBlank()) {
                    values.put(name, v.trim());
                }
            }
            if (values.isEmpty()) {
                continue;
            }
            Rule rule = readRule(prefix, values, methodTypes, installed, problems);
            if (rule != null) {
                rules.add(rule);
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("Kessai cannot start: the routing rules are wrong:\n  - "
                    + String.join("\n  - ", problems));
        }
        for (String type : methodTypes) {
            Map.Entry<String, String> fallback = legacy.get(type);
            if (fallback != null) {
                rules.add(new Rule(fallback.getValue(), type, null, null, null, null,
                        List.of(new Entry(fallback.getKey(), 1)), false));
            }
        }
        return new Routing(rules);
    }

    private static Rule readRule(String prefix, Map<String, String> v, List<String> methodTypes,
                                 Map<String, Capabilities> installed, List<String> problems) {
        int before = problems.size();
        String method = v.get("method");
        if (method == null) {
            problems.add(prefix + ".method is required (one of " + String.join(", ", methodTypes) + ")");
        } else if (!methodTypes.contains(method)) {
            problems.add(prefix + ".method is " + method + "; it must be one of " + String.join(", ", methodTypes));
            method = null;
        }
        String brand = v.get("brand");
        String currency = v.get("currency");
        BigDecimal min = amount(prefix + ".amount-min", v.get("amount-min"), problems);
        BigDecimal max = amount(prefix + ".amount-max", v.get("amount-max"), problems);
        if (min != null && max != null && min.compareTo(max) > 0) {
            problems.add(prefix + ".amount-min (" + min.toPlainString() + ") is above " + prefix + ".amount-max ("
                    + max.toPlainString() + ")");
        }
        List<Entry> entries = new ArrayList<>();
        boolean weighted = entries(prefix + ".providers", v.get("providers"), entries, problems);
        for (Entry e : entries) {
            Capabilities table = installed.get(e.provider());
            if (table == null) {
                problems.add(prefix + ".providers names " + e.provider() + ", which is not installed (installed: "
                        + String.join(", ", installed.keySet()) + "); enable it (kessai.providers.enabled, kessai.providers."
                        + e.provider() + ".enabled) or take it out of the rule");
                continue;
            }
            if (method == null) {
                continue;
            }
            Capabilities.MethodCapabilities offered = table.method(method);
            if (offered == null) {
                problems.add(prefix + ".providers names " + e.provider() + ", which cannot carry method " + method
                        + " (it carries " + String.join(", ", table.methodTypes()) + ")");
                continue;
            }
            if (brand != null && !offered.brands().contains(brand)) {
                problems.add(prefix + ".providers names " + e.provider() + ", which cannot carry " + method + " brand "
                        + brand + (offered.brands().isEmpty() ? " (it takes no brand)"
                        : " (it carries " + String.join(", ", offered.brands()) + ")"));
            }
            if (currency != null && !table.currencies().contains(currency)) {
                problems.add(prefix + ".providers names " + e.provider() + ", which cannot carry currency " + currency
                        + " (it accepts " + String.join(", ", table.currencies()) + ")");
            }
        }
        return problems.size() > before ? null : new Rule(prefix, method, brand, currency, min, max, entries, weighted);
    }

    private static BigDecimal amount(String key, String text, List<String> problems) {
        if (text == null) {
            return null;
        }
        try {
            BigDecimal amount = new BigDecimal(text);
            if (amount.signum() < 0) {
                problems.add(key + " is " + text + "; it must not be negative");
                return null;
            }
            return amount;
        } catch (NumberFormatException e) {
            problems.add(key + " is " + text + "; it must be a decimal amount such as 300000 or 4.99");
            return null;
        }
    }

    /** Parses {@code id[:weight],...}; answers whether the list is weighted. */
    private static boolean entries(String key, String text, List<Entry> out, List<String> problems) {
        if (text == null) {
            problems.add(key + " is required: the providers in the order they are tried (<id>,<id>), or weighted"
                    + " (<id>:3,<id>:1)");
            return false;
        }
        int weightedCount = 0;
        int parts = 0;
        Set<String> seen = new LinkedHashSet<>();
        List<Entry> parsed = new ArrayList<>();
        for (String raw : text.split(",")) {
            String part = raw.trim();
            if (part.isEmpty()) {
                continue;
            }
            parts++;
            String id = part;
            Integer weight = null;
            int colon = part.indexOf(':');
            if (colon >= 0) {
                id = part.substring(0, colon).trim();
                String w = part.substring(colon + 1).trim();
                if (!WEIGHT.matcher(w).matches()) {
                    problems.add(key + ": the weight of " + id + " is " + w + "; it must be a whole number from 0 to 999999");
                    continue;
                }
                weight = Integer.parseInt(w);
                weightedCount++;
            }
            if (!ID.matcher(id).matches()) {
                problems.add(key + ": " + id + " is not a provider id (1 to 32 of [a-z0-9-])");
                continue;
            }
            if (!seen.add(id)) {
                problems.add(key + " names " + id + " twice");
                continue;
            }
            parsed.add(new Entry(id, weight == null ? 1 : weight));
        }
        if (parts == 0) {
            problems.add(key + " is empty: name at least one provider");
            return false;
        }
        if (weightedCount > 0 && weightedCount < parts) {
            problems.add(key + " weights some providers and not others (" + text + "); give every provider a weight"
                    + " (0: failover only) or none");
            return false;
        }
        boolean weighted = weightedCount > 0;
        if (weighted && parsed.stream().allMatch(e -> e.weight() == 0)) {
            problems.add(key + " gives every provider the weight 0; at least one must take payments");
            return false;
        }
        out.addAll(parsed);
        return weighted;
    }
}
