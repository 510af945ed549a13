package io.kessai.provider.gmo;

import io.kessai.provider.Capabilities;
import io.kessai.provider.ProviderContext;
import io.kessai.provider.ProviderModule;
import io.kessai.provider.Setting;
import io.kessai.sandbox.gmo.GmoSandbox;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * GMO Payment Gateway (PG Multipayment OpenAPI type) as a Kessai provider module: cards with 3-D Secure and
 * cash payments. Its routes are {@code routes/providers/gmo-pg.camel.yaml}; their beans are bound here.
 */
public final class GmoModule implements ProviderModule {
    private static final String P = "kessai.providers.gmo-pg.";
    private static final String SANDBOX = "kessai.sandbox.gmo-pg.";

    @Override
    public String id() {
        return GmoProvider.ID;
    }

    @Override
    public Capabilities capabilities() {
        return GmoProvider.CAPABILITIES;
    }

    @Override
    public List<Setting> settings() {
        return GmoSettings.SETTINGS;
    }

    @Override
    public Installed install(ProviderContext context) {
        GmoSettings settings = GmoSettings.from(context::find, context.publicBaseUrl());
        context.bind("gmoSettings", settings);
        context.bind("gmoRequests", new GmoRequests(settings, context.json()));
        context.bind("gmoAnswers", new GmoAnswers(context.json()));
        context.bind("gmoAuth", new GmoAuth(settings, context.json(), context.clock()));
        context.bind("gmoCallback", new GmoCallback(context.payments(), context.json()));
        GmoWebhookVerifier verifier = new GmoWebhookVerifier(context.json(), context.payments(),
                context.list(P + "webhook.allowed-cidrs"));
        return new Installed(new GmoProvider(settings, context.clock()), verifier, settings::limitOf);
    }

    /**
     * The built-in GMO sandbox on loopback; the provider's base-url and token-url point at it for this run. Its
     * orders and idempotency keys live in Kessai's database (tables {@code sandbox_gmo_*}), so that a restarted
     * Kessai's janitor asks a sandbox that still knows them.
     */
    @Override
    public Optional<String> startSandbox(ProviderContext context) {
        GmoSandbox.Settings settings = GmoSandbox.Settings.defaults(context.get(SANDBOX + "shop-id"), context.get(SANDBOX + "shop-pass"))
                .withPort(context.integer(SANDBOX + "port"))
                .withSlowTime(Duration.ofMillis(context.integer(SANDBOX + "slow-ms")))
                .withProcessingTime(Duration.ofMillis(context.integer(SANDBOX + "processing-ms")));
        GmoSandbox sandbox = new GmoSandbox(settings,
                new io.kessai.sandbox.gmo.JdbcGmoOrders(context.dataSource())).start();
        context.closeWithContext(sandbox);
        context.bind("gmoSandbox", sandbox);
        context.override(P + "base-url", sandbox.baseUrl());
        context.override(P + "token-url", sandbox.tokenUrl());
        return Optional.of(sandbox.baseUrl());
    }
}
