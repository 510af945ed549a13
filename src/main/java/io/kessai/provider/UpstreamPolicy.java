package io.kessai.provider;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * How the upstream-call template retries one provider: at most {@code maxRedeliveries} sends after the
 * first, exponential backoff from {@code initialDelay} to {@code maxDelay} with ±50 % jitter, and never past
 * {@code deadline} from the first send of an API request: every attempt is cut at {@code attemptBudget}
 * (connect timeout + response timeout) or at the deadline, whichever comes first, and a retry is started only
 * while a whole attempt still fits before the deadline.
 */
public record UpstreamPolicy(int maxRedeliveries, Duration initialDelay, Duration maxDelay, Duration deadline,
                             Duration attemptBudget) {

    /** The wait before send number {@code sent + 1}, after {@code sent} sends (1 = the first retry). */
    public Duration delayAfter(int sent) {
        long base = initialDelay.toMillis() << Math.min(Math.max(sent - 1, 0), 20);
        long capped = Math.min(base, maxDelay.toMillis());
        long jittered = Math.round(capped * (0.5 + ThreadLocalRandom.current().nextDouble()));
        return Duration.ofMillis(Math.min(jittered, maxDelay.toMillis()));
    }

    /**
     * Each provider's policy from {@code kessai.providers.<id>.retry.*}, {@code .connect-timeout-ms} and
     * {@code .response-timeout-ms}, falling back to {@code kessai.upstream.*} for a key the provider does not set.
     */
    public static final class Registry {
        private final Function<String, String> config;
        private final Map<String, UpstreamPolicy> policies = new ConcurrentHashMap<>();

        public Registry(Function<String, String> config) {
            this.config = config;
        }

        public UpstreamPolicy of(String provider) {
            return policies.computeIfAbsent(provider, this::read);
        }

        private UpstreamPolicy read(String provider) {
            UpstreamPolicy p = new UpstreamPolicy(
                    number(provider, "retry.max-redeliveries"),
                    Duration.ofMillis(number(provider, "retry.initial-delay-ms")),
                    Duration.ofMillis(number(provider, "retry.max-delay-ms")),
                    Duration.ofMillis(number(provider, "retry.deadline-ms")),
                    Duration.ofMillis(number(provider, "connect-timeout-ms") + (long) number(provider, "response-timeout-ms")));
            if (p.deadline().isZero()) {
                throw new IllegalArgumentException("kessai.providers." + provider + ".retry.deadline-ms must be greater than 0");
            }
            return p;
        }

        private int number(String provider, String key) {
            String own = "kessai.providers." + provider + "." + key;
            String value = config.apply(own);
            String name = own;
            if (value == null) {
                name = "kessai.upstream." + key;
                value = config.apply(name);
            }
            if (value == null) {
                throw new IllegalArgumentException("configuration key " + own + " (or " + name + ") has no value");
            }
            try {
                int n = Integer.parseInt(value.trim());
                if (n < 0) {
                    throw new NumberFormatException();
                }
                return n;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("configuration key " + name + " must be a whole number ≥ 0, not " + value);
            }
        }
    }
}
