package io.kessai.ops;

import io.kessai.store.BacklogStore;
import org.apache.camel.CamelContext;
import org.apache.camel.component.quartz.QuartzComponent;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;
import org.quartz.SchedulerException;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Kessai's readiness checks, Camel {@link HealthCheck} beans (bound in the registry, so camel-health's registry finds
 * them and the management server answers them at {@code /observe/health} and {@code /observe/health/ready}, 503 when
 * one is DOWN): the store answers, the Quartz scheduler runs, and the oldest undelivered event is younger than
 * {@code kessai.health.outbox-lag-max-ms}. They are readiness checks only: a store that is down makes Kessai not
 * ready, not dead (a restart would not bring the store back).
 */
public final class KessaiHealthChecks {
    /** The group of Kessai's checks. */
    public static final String GROUP = "kessai";
    private KessaiHealthChecks() {
    }

    /**
     * The three checks, to bind in the context's registry.
     *
     * @param outboxLagMax the oldest undelivered event may be at most this old; zero or negative: not checked
     */
    public static List<HealthCheck> of(CamelContext context, BacklogStore backlog, StoreProbe probe, Duration outboxLagMax) {
        return List.of(new Store(probe), new Quartz(context), new Outbox(backlog, probe, outboxLagMax));
    }

    /** Readiness only: a check of something outside the process. */
    abstract static class Readiness extends AbstractHealthCheck {
        Readiness(String id) {
            super(GROUP, id);
        }

        @Override
        public boolean isLiveness() {
            return false;
        }
    }

    /** The store answers a validity check on a connection of Kessai's pool. */
    static final class Store extends Readiness {
        private final StoreProbe probe;

        Store(StoreProbe probe) {
            super("kessai-store");
            this.probe = probe;
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            probe.failure().ifPresentOrElse(failure -> builder.message(failure).down(), builder::up);
        }
    }

    /** The Quartz scheduler of the janitor, the scheduled captures and the polling is started and not paused. */
    static final class Quartz extends Readiness {
        private final CamelContext context;

        Quartz(CamelContext context) {
            super("kessai-scheduler");
            this.context = context;
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            QuartzComponent quartz = context.hasComponent("quartz") instanceof QuartzComponent q ? q : null;
            org.quartz.Scheduler scheduler = quartz == null ? null : quartz.getScheduler();
            try {
                if (scheduler == null) {
                    builder.message("the Quartz scheduler is not created yet").down();
                } else if (scheduler.isShutdown()) {
                    builder.message("the Quartz scheduler " + scheduler.getSchedulerName() + " is shut down").down();
                } else if (!scheduler.isStarted() || scheduler.isInStandbyMode()) {
                    builder.message("the Quartz scheduler " + scheduler.getSchedulerName() + " is not running (standby)").down();
                } else {
                    builder.detail("scheduler", scheduler.getSchedulerName()).up();
                }
            } catch (SchedulerException e) {
                builder.message("the Quartz scheduler cannot say whether it runs: " + redact(e.getMessage())).down();
            }
        }
    }

    /** The relay keeps up: the oldest event not delivered yet is younger than the bound. */
    static final class Outbox extends Readiness {
        private final BacklogStore backlog;
        private final StoreProbe probe;
        private final Duration max;

        Outbox(BacklogStore backlog, StoreProbe probe, Duration max) {
            super("kessai-outbox");
            this.backlog = backlog;
            this.probe = probe;
            this.max = max;
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            var storeFailure = probe.failure();
            if (storeFailure.isPresent()) {
                builder.message("the outbox cannot be read: " + storeFailure.get()).down();
                return;
            }
            BacklogStore.Outbox outbox;
            try {
                outbox = backlog.outbox();
            } catch (RuntimeException e) {
                builder.message("the outbox cannot be read: " + redact(e.getMessage())).down();
                return;
            }
            builder.detail("undelivered", outbox.undelivered()).detail("lag.ms", outbox.oldestAge().toMillis())
                    .detail("lag.max.ms", max.toMillis());
            if (!max.isZero() && !max.isNegative() && outbox.oldestAge().compareTo(max) > 0) {
                builder.message("the oldest undelivered event is " + outbox.oldestAge().toMillis() + " ms old, over "
                        + "kessai.health.outbox-lag-max-ms (" + max.toMillis() + "); " + outbox.undelivered()
                        + " events wait: is the event sink (kessai.events.uri) reachable?").down();
            } else {
                builder.up();
            }
        }
    }

    /** A message of the store or driver, without a password a JDBC URL might carry. */
    static String redact(String message) {
        return message == null ? "" : message.replaceAll("(?i)(password|pass|pwd)=[^;&\\s]*", "$1=***");
    }
}
