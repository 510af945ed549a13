package io.kessai.provider.payjp;

import io.kessai.provider.Capabilities;
import io.kessai.provider.ProviderContext;
import io.kessai.provider.ProviderModule;
import io.kessai.provider.Setting;
import io.kessai.sandbox.payjp.PayjpSandbox;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * PAY.JP (v1 charges) as a Kessai provider module: cards by {@code tok_} token or customer, authorized and captured
 * in full or in part, released, refunded in full or in part, with the platform's fee. Its routes are
 * {@code routes/providers/payjp.camel.yaml}.
 */
public final class PayjpModule implements ProviderModule {
    private static final String P = PayjpSettings.P;
    private static final String SANDBOX = PayjpSettings.SANDBOX;

    @Override
    public String id() {
        return PayjpProvider.ID;
    }

    @Override
    public Capabilities capabilities() {
        return PayjpProvider.CAPABILITIES;
    }

    @Override
    public List<Setting> settings() {
        return PayjpSettings.SETTINGS;
    }

    @Override
    public Installed install(ProviderContext context) {
        PayjpSettings settings = PayjpSettings.from(context::find);
        PayjpProvider provider = new PayjpProvider(settings, context.clock());
        context.bind("payjpRequests", new PayjpRequests(settings, provider, context.clock()));
        context.bind("payjpAnswers", new PayjpAnswers(context.json(), context.clock()));
        context.bind("payjpMerchants", new PayjpMerchants(context.json()));
        context.bind("payjpTransferPolling", new PayjpTransferPolling(settings, context.transfers(), context.json(),
                context.clock()));
        if (!settings.transfers().enabled()) {
            // the schedule's route does not start (no platform key, or switched off)
            context.override(P + "transfers.enabled", "false");
        }
        return new Installed(provider, new PayjpWebhookVerifier(settings, context.json()), path -> settings.inFlight());
    }

    /**
     * The built-in PAY.JP sandbox: its built-in merchant's secret key and its webhook token become the provider's
     * for this run, and it sends its events to {@code /webhooks/payjp} of this Kessai.
     */
    @Override
    public Optional<String> startSandbox(ProviderContext context) {
        String token = context.find(P + "webhook-token") != null ? context.find(P + "webhook-token")
                : context.get(SANDBOX + "webhook-token");
        PayjpSandbox.Settings settings = PayjpSandbox.Settings.defaults(context.get(SANDBOX + "secret-key"),
                        context.get(SANDBOX + "platform-key"))
                .withPort(context.integer(SANDBOX + "port"))
                .withRateLimit(Double.parseDouble(context.get(SANDBOX + "rate-per-second")), context.integer(SANDBOX + "rate-burst"))
                .withSlowTime(Duration.ofMillis(context.integer(SANDBOX + "slow-ms")))
                .withWebhook(context.publicBaseUrl() + "/webhooks/payjp", token)
                .withWebhookRetries(Duration.ofMillis(context.integer(SANDBOX + "webhook-retry-interval-ms")), 3);
        PayjpSandbox sandbox = new PayjpSandbox(settings).start();
        context.closeWithContext(sandbox);
        context.bind("payjpSandbox", sandbox);
        context.override(P + "base-url", sandbox.apiBase());
        context.override(P + "secret-key", settings.secretKey());
        context.override(P + "platform-key", settings.platformKey());
        context.override(P + "webhook-token", token);
        return Optional.of(sandbox.apiBase());
    }
}
