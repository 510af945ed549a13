package io.kessai.payment;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * When the janitor re-asks a provider about an open payment: a backoff list per provider
 * ({@code kessai.janitor.<provider>.schedule}, default {@code kessai.janitor.schedule}), the last step
 * repeating, until the payment is final or older than its maximum age ({@code .max-age}).
 */
public final class JanitorSchedule {
    private final List<Duration> defaults;
    private final Duration defaultMaxAge;
    private final Map<String, List<Duration>> perProvider;
    private final Map<String, Duration> maxAgePerProvider;

    public JanitorSchedule(List<Duration> defaults, Duration defaultMaxAge, Map<String, List<Duration>> perProvider,
                           Map<String, Duration> maxAgePerProvider) {
        if (defaults.isEmpty()) {
            throw new IllegalArgumentException("kessai.janitor.schedule must list at least one duration");
        }
        this.defaults = List.copyOf(defaults);
        this.defaultMaxAge = defaultMaxAge;
        this.perProvider = Map.copyOf(perProvider);
        this.maxAgePerProvider = Map.copyOf(maxAgePerProvider);
    }

    /** The wait before check number {@code checks} (0 = the first check after the payment opened). */
    public Duration delay(String provider, int checks) {
        List<Duration> steps = perProvider.getOrDefault(provider, defaults);
        return steps.get(Math.min(checks, steps.size() - 1));
    }

    public Duration maxAge(String provider) {
        return maxAgePerProvider.getOrDefault(provider, defaultMaxAge);
    }

    /** Parses {@code 1m,5m,15m,1h,6h,1d} (units ms, s, m, h, d). */
    public static List<Duration> parseList(String key, String text) {
        List<Duration> list = new ArrayList<>();
        for (String part : text.split(",")) {
            list.add(parse(key, part.trim()));
        }
        return list;
    }

    public static Duration parse(String key, String text) {
        String t = text.toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            long n = Long.parseLong(t.substring(0, t.length() - 1));
            return switch (t.charAt(t.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                case 'd' -> Duration.ofDays(n);
                default -> throw new NumberFormatException();
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(key + ": '" + text + "' is not a duration such as 500ms, 30s, 5m, 1h or 1d");
        }
    }
}
