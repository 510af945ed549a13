package io.kessai.provider;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.CamelContext;

import java.time.Clock;
import java.util.List;

/**
 * What Kessai hands a provider module while it installs it: its configuration, the shared JSON mapper and clock,
 * read-only access to the payments, and the Camel registry its routes look their beans up in.
 */
public interface ProviderContext {
    /** The id of the module being installed. */
    String providerId();

    CamelContext camelContext();

    /** The value of a configuration key (trimmed), or null when it is unset or blank. */
    String find(String key);

    /** The value of a configuration key; fails naming the key when it is unset. */
    String get(String key);

    int integer(String key);

    boolean flag(String key);

    /** A comma-separated key as a list (empty when unset). */
    List<String> list(String key);

    /** Sets a key for this run above every other source (a sandbox points the provider at itself). */
    void override(String key, String value);

    /** {@code kessai.public-base-url} without a trailing slash: callbacks and webhooks sent upstream are built from it. */
    String publicBaseUrl();

    /** Kessai's JSON mapper: decimals as BigDecimal, duplicate keys refused. */
    ObjectMapper json();

    Clock clock();

    /** Read-only payments, for browser-return handlers and webhook verifiers. */
    PaymentLookup payments();

    /** Binds a bean the provider's routes refer to; a {@link org.apache.camel.CamelContextAware} one gets the context. */
    void bind(String name, Object bean);

    /**
     * Kessai's database, for a module's sandbox to keep its own state in its own tables (created by Kessai's Flyway
     * migrations) so that it survives a restart. Provider code proper keeps nothing here: payments are the core's.
     */
    javax.sql.DataSource dataSource();

    /**
     * Where a module that polls its provider's transfers (payouts) stores them and publishes
     * {@code transfer.<status>} events, once per transfer and status; see {@link TransferEvents}.
     */
    TransferEvents transfers();

    /** Closes this when the Camel context stops (a sandbox, a client). */
    void closeWithContext(AutoCloseable closeable);
}
