package io.kessai.provider.itojapan;

import io.kessai.provider.Capabilities;
import io.kessai.provider.ProviderContext;
import io.kessai.provider.ProviderModule;
import io.kessai.provider.Setting;
import io.kessai.sandbox.itojapan.ItoJapanSandbox;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * ITO-Japan hosted payments as a Kessai provider module: HMAC-signed {@code /payment/process}, the customer sent to
 * ITO-Japan's checkout page and back, signed webhooks confirmed by {@code /payment/check-validity}; for an embedding
 * application the Marketplace API ({@link ItoJapanMarketplace}) with the settlement and wallet deposit polling
 * ({@link ItoJapanSettlementPolling}), and the merchant OAuth user endpoints ({@link ItoJapanMerchantAuth},
 * {@link ItoJapanMerchantUsers}). Its routes are {@code routes/providers/ito-japan.camel.yaml}.
 */
public final class ItoJapanModule implements ProviderModule {
    private static final String P = ItoJapanSettings.P;
    private static final String SANDBOX = ItoJapanSettings.SANDBOX;

    @Override
    public String id() {
        return ItoJapanProvider.ID;
    }

    @Override
    public Capabilities capabilities() {
        return ItoJapanProvider.CAPABILITIES;
    }

    @Override
    public List<Setting> settings() {
        List<Setting> all = new java.util.ArrayList<>(ItoJapanSettings.SETTINGS);
        all.addAll(ItoJapanMarketplaceSettings.SETTINGS);
        all.addAll(ItoJapanMerchantAuth.SETTINGS);
        return List.copyOf(all);
    }

    @Override
    public Installed install(ProviderContext context) {
        ItoJapanSettings settings = ItoJapanSettings.from(context::find, context.publicBaseUrl());
        context.bind("itoJapanRequests", new ItoJapanRequests(settings, context.json(), context.clock()));
        context.bind("itoJapanAnswers", new ItoJapanAnswers(context.json()));
        context.bind("itoJapanCallback", new ItoJapanCallback(context.payments()));
        ItoJapanMarketplaceSettings marketplace = ItoJapanMarketplaceSettings.from(context::find);
        context.bind("itoJapanMarketplace", new ItoJapanMarketplace(settings, marketplace, context.json(), context.clock()));
        context.bind("itoJapanSettlementPolling", new ItoJapanSettlementPolling(marketplace, context.transfers(),
                context.json(), context.clock()));
        if (!marketplace.pollingEnabled()) {
            // the schedule's route does not start
            context.override(P + "transfers.enabled", "false");
        }
        context.bind("itoJapanMerchantAuth", ItoJapanMerchantAuth.from(context::find, context.json(), context.clock()));
        context.bind("itoJapanMerchantUsers", new ItoJapanMerchantUsers(context.json()));
        int inFlight = context.integer(P + "in-flight");
        return new Installed(new ItoJapanProvider(),
                new ItoJapanWebhookVerifier(settings, context.json(), context.clock()), path -> inFlight);
    }

    /**
     * The sandbox takes the access and secret keys and the merchant OAuth client Kessai is configured with; what is
     * not configured is made for this run (never written anywhere).
     */
    @Override
    public Optional<String> startSandbox(ProviderContext context) {
        String accessKey = orMake(context, P + "access-key");
        String secretKey = orMake(context, P + "secret-key");
        ItoJapanSandbox.Settings settings = ItoJapanSandbox.Settings.defaults(accessKey, secretKey)
                .withPort(context.integer(SANDBOX + "port"))
                .withWebhookRetryInterval(Duration.ofMillis(context.integer(SANDBOX + "webhook-retry-interval-ms")));
        ItoJapanSandbox sandbox = new ItoJapanSandbox(settings).start();
        context.closeWithContext(sandbox);
        // the merchant OAuth client Kessai is configured with (made for this run when it is not)
        sandbox.merchantUsers().registerClient(orMake(context, P + "client-id"), orMake(context, P + "client-secret"))
                .tokenLifetime(Duration.ofSeconds(context.integer(SANDBOX + "token-lifetime-seconds")));
        context.bind("itoJapanSandbox", sandbox);
        context.override(P + "base-url", sandbox.baseUrl());
        return Optional.of(sandbox.baseUrl());
    }

    private static String orMake(ProviderContext context, String key) {
        String value = context.find(key);
        if (value == null) {
            byte[] random = new byte[16];
            new SecureRandom().nextBytes(random);
            value = HexFormat.of().formatHex(random);
            context.override(key, value);
        }
        return value;
    }
}
