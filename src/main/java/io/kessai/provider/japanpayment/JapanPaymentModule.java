package io.kessai.provider.japanpayment;

import io.kessai.provider.Capabilities;
import io.kessai.provider.ProviderContext;
import io.kessai.provider.ProviderModule;
import io.kessai.provider.Setting;
import io.kessai.sandbox.japanpayment.JapanPaymentSandbox;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.RSAPublicKeySpec;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The Japan Payment collection API as a Kessai provider module: konbini, e-wallets and bank transfer in JPY and
 * USD, RSA-signed both ways. Its routes are {@code routes/providers/japan-payment.camel.yaml}.
 */
public final class JapanPaymentModule implements ProviderModule {
    private static final String P = JapanPaymentSettings.P;
    private static final String SANDBOX = JapanPaymentSettings.SANDBOX;

    @Override
    public String id() {
        return JapanPaymentProvider.ID;
    }

    @Override
    public Capabilities capabilities() {
        return JapanPaymentProvider.CAPABILITIES;
    }

    @Override
    public List<Setting> settings() {
        return JapanPaymentSettings.SETTINGS;
    }

    @Override
    public Installed install(ProviderContext context) {
        JapanPaymentSettings settings = JapanPaymentSettings.from(context::find, context.publicBaseUrl());
        context.bind("japanPaymentSettings", settings);
        context.bind("japanPaymentRequests", new JapanPaymentRequests(settings, context.json()));
        context.bind("japanPaymentAnswers", new JapanPaymentAnswers(settings, context.json()));
        int inFlight = context.integer(P + "in-flight");
        return new Installed(new JapanPaymentProvider(), new JapanPaymentWebhookVerifier(settings, context.json()),
                path -> inFlight);
    }

    /**
     * The Japan Payment sandbox verifies Kessai's signatures with Kessai's public key and signs with its own.
     * Without a configured private key Kessai signs with a merchant key made for the sandbox. Both pairs are made on
     * the first start and kept in the sandbox's table ({@code sandbox_japan_payment_keys}): an RSA 2048 prime search
     * was the slowest step of every start while the JIT is cold. A configured key is never stored.
     */
    @Override
    public Optional<String> startSandbox(ProviderContext context) {
        String key = P + "private-key";
        io.kessai.sandbox.japanpayment.JdbcJapanPaymentKeys keys =
                new io.kessai.sandbox.japanpayment.JdbcJapanPaymentKeys(context.dataSource());
        // On a first start the two pairs are made at once, on two threads: on two cores they cost the time of one.
        CompletableFuture<KeyPair> sandboxKey = CompletableFuture.supplyAsync(
                () -> keys.loadOrMake("sandbox", JapanPaymentSignature::newKeyPair),
                runnable -> {
                    Thread thread = new Thread(runnable, "japan-payment-sandbox-key");
                    thread.setDaemon(true);
                    thread.start();
                });
        PublicKey merchantPublic;
        try {
            String configured = context.find(key);
            if (configured == null) {
                KeyPair pair = keys.loadOrMake("merchant", JapanPaymentSignature::newKeyPair);
                context.override(key, JapanPaymentSignature.pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
                merchantPublic = pair.getPublic();
            } else {
                RSAPrivateCrtKey privateKey = (RSAPrivateCrtKey) JapanPaymentSignature.privateKey(configured, key);
                merchantPublic = KeyFactory.getInstance("RSA").generatePublic(
                        new RSAPublicKeySpec(privateKey.getModulus(), privateKey.getPublicExponent()));
            }
        } catch (GeneralSecurityException | ClassCastException e) {
            throw new IllegalArgumentException(key + " must be an RSA private key (PKCS#8 PEM with CRT parameters)", e);
        }
        JapanPaymentSandbox.Settings settings = JapanPaymentSandbox.Settings.defaults(
                        Long.parseLong(context.get(P + "app-id-jpy")), Long.parseLong(context.get(P + "app-id-usd")))
                .withPort(context.integer(SANDBOX + "port"))
                .withSignAlgorithm(context.get(P + "sign-algorithm"))
                .withNotifyRetryInterval(Duration.ofMillis(context.integer(SANDBOX + "notify-retry-interval-ms")));
        JapanPaymentSandbox sandbox = new JapanPaymentSandbox(settings, merchantPublic,
                new io.kessai.sandbox.japanpayment.JdbcJapanPaymentOrders(context.dataSource()), sandboxKey.join()).start();
        context.closeWithContext(sandbox);
        context.bind("japanPaymentSandbox", sandbox);
        context.override(P + "base-url", sandbox.baseUrl());
        context.override(P + "provider-public-key", sandbox.publicKeyPem());
        return Optional.of(sandbox.baseUrl());
    }
}
