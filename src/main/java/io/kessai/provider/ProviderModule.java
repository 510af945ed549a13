package io.kessai.provider;

import java.util.List;
import java.util.Optional;
import java.util.function.ToIntFunction;

/**
 * A payment provider plugged into Kessai: the only thing the core knows about it. Discovered with
 * {@link java.util.ServiceLoader} (a line in {@code META-INF/services/io.kessai.provider.ProviderModule}) and switched
 * on by configuration ({@code kessai.providers.enabled}, default every module found; {@code kessai.providers.<id>.enabled}).
 *
 * <p>At start-up Kessai, for each installed module: puts its {@link #settings()} defaults under the configuration;
 * when {@code kessai.sandbox.enabled}, calls {@link #startSandbox}; checks that every required setting has a
 * value; calls {@link #install} (which binds the module's beans); loads {@link #routes()}; and stops with a message
 * if the routes do not serve {@code direct:kessai-<id>-<operation>} for every operation of {@link #capabilities()}.
 * See {@code docs/adding-a-provider.md}.
 */
public interface ProviderModule {
    /** The provider id of the contract ({@code gmo-pg}): in endpoints, configuration keys and payments. */
    String id();

    /** What the provider takes and offers; see {@link Capabilities}. */
    Capabilities capabilities();

    /** Every configuration key the module reads, with its default and whether it is required or secret. */
    List<Setting> settings();

    /**
     * Reads the settings (failing with a message naming the key when one is wrong), binds the beans its routes
     * use into the Camel registry ({@link ProviderContext#bind}), and answers the installed provider.
     */
    Installed install(ProviderContext context);

    /**
     * Starts the built-in sandbox of this provider (when {@code kessai.sandbox.enabled}), closes it with the context
     * ({@link ProviderContext#closeWithContext}) and points the provider at it with {@link ProviderContext#override}.
     * Runs before the required settings are checked and before {@link #install}.
     *
     * @return where the sandbox listens (Kessai logs it); empty: the provider has no sandbox (the default)
     */
    default Optional<String> startSandbox(ProviderContext context) {
        return Optional.empty();
    }

    /** The classpath resource of the provider's routes. */
    default String routes() {
        return "routes/providers/" + id() + ".camel.yaml";
    }

    /**
     * The installed provider's run-time parts.
     *
     * @param provider        the capability table and the document's rules, checked before any upstream call
     * @param webhookVerifier checks the provider's notifications ({@code POST /webhooks/<id>}); null when it sends none
     *                        (then the provider offers no {@code notice})
     * @param inFlightLimit   per endpoint path below the base URL, how many calls may be in flight at once (the
     *                        provider's concurrency limit); the groups are the request builder's {@link ProviderExchange#UPSTREAM_GROUP}
     */
    record Installed(PaymentProvider provider, WebhookVerifier webhookVerifier, ToIntFunction<String> inFlightLimit) {
        public Installed {
            if (provider == null || inFlightLimit == null) {
                throw new IllegalArgumentException("an installed provider has its rules and its in-flight limits");
            }
        }
    }
}
