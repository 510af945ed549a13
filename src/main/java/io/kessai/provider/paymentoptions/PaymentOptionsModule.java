package io.kessai.provider.paymentoptions;

import io.kessai.provider.Capabilities;
import io.kessai.provider.ProviderContext;
import io.kessai.provider.ProviderModule;
import io.kessai.provider.Setting;
import io.kessai.sandbox.paymentoptions.PaymentOptionsSandbox;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * paymentoptions.com server-to-server card payments with a stored card token as a Kessai provider module. Its
 * routes are {@code routes/providers/paymentoptions.camel.yaml}.
 */
public final class PaymentOptionsModule implements ProviderModule {
    private static final String P = PaymentOptionsSettings.P;
    private static final String SANDBOX = PaymentOptionsSettings.SANDBOX;

    @Override
    public String id() {
        return PaymentOptionsProvider.ID;
    }

    @Override
    public Capabilities capabilities() {
        return PaymentOptionsProvider.CAPABILITIES;
    }

    @Override
    public List<Setting> settings() {
        return PaymentOptionsSettings.SETTINGS;
    }

    @Override
    public Installed install(ProviderContext context) {
        PaymentOptionsSettings settings = PaymentOptionsSettings.from(context::find, context.publicBaseUrl());
        context.bind("paymentOptionsRequests", new PaymentOptionsRequests(settings, context.json()));
        context.bind("paymentOptionsAnswers", new PaymentOptionsAnswers(context.json()));
        int inFlight = context.integer(P + "in-flight");
        return new Installed(new PaymentOptionsProvider(), new PaymentOptionsWebhookVerifier(settings, context.json()),
                path -> inFlight);
    }

    /**
     * The sandbox takes the API key and merchant id Kessai is configured with; what is not configured is made for
     * this run (never written anywhere), as is the webhook secret.
     */
    @Override
    public Optional<String> startSandbox(ProviderContext context) {
        String apiKey = orMake(context, P + "api-key", "po_sandbox_");
        String merchantId = orMake(context, P + "merchant-id", "MID-");
        orMake(context, P + "webhook-secret", "whsec_");
        PaymentOptionsSandbox.Settings settings = PaymentOptionsSandbox.Settings.defaults(apiKey, merchantId)
                .withPort(context.integer(SANDBOX + "port"))
                .withSlowTime(Duration.ofMillis(context.integer(SANDBOX + "slow-ms")))
                .withWebhookRetryInterval(Duration.ofMillis(context.integer(SANDBOX + "webhook-retry-interval-ms")));
        PaymentOptionsSandbox sandbox = new PaymentOptionsSandbox(settings).start();
        context.closeWithContext(sandbox);
        context.bind("paymentOptionsSandbox", sandbox);
        context.override(P + "base-url", sandbox.baseUrl());
        return Optional.of(sandbox.baseUrl());
    }

    private static String orMake(ProviderContext context, String key, String prefix) {
        String value = context.find(key);
        if (value == null) {
            byte[] random = new byte[16];
            new SecureRandom().nextBytes(random);
            value = prefix + HexFormat.of().formatHex(random);
            context.override(key, value);
        }
        return value;
    }
}
