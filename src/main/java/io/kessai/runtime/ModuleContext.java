package io.kessai.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kessai.provider.PaymentLookup;
import io.kessai.provider.ProviderContext;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;

import java.time.Clock;
import java.util.List;

/** The {@link ProviderContext} Kessai hands one provider module: its configuration, shared services and the registry. */
final class ModuleContext implements ProviderContext {
    private final String providerId;
    private final CamelContext camelContext;
    private final Kessai.Config config;
    private final ObjectMapper json;
    private final Clock clock;
    private final PaymentLookup payments;
    private final javax.sql.DataSource dataSource;
    private final io.kessai.provider.TransferEvents transfers;

    ModuleContext(String providerId, CamelContext camelContext, Kessai.Config config, ObjectMapper json, Clock clock,
                  PaymentLookup payments, javax.sql.DataSource dataSource, io.kessai.provider.TransferEvents transfers) {
        this.transfers = transfers;
        this.dataSource = dataSource;
        this.providerId = providerId;
        this.camelContext = camelContext;
        this.config = config;
        this.json = json;
        this.clock = clock;
        this.payments = payments;
    }

    @Override
    public javax.sql.DataSource dataSource() {
        return dataSource;
    }

    @Override
    public io.kessai.provider.TransferEvents transfers() {
        return transfers;
    }

    @Override
    public String providerId() {
        return providerId;
    }

    @Override
    public CamelContext camelContext() {
        return camelContext;
    }

    @Override
    public String find(String key) {
        return config.find(key);
    }

    @Override
    public String get(String key) {
        return config.get(key);
    }

    @Override
    public int integer(String key) {
        return config.integer(key);
    }

    @Override
    public boolean flag(String key) {
        return config.flag(key);
    }

    @Override
    public List<String> list(String key) {
        return config.list(key);
    }

    @Override
    public void override(String key, String value) {
        camelContext.getPropertiesComponent().addOverrideProperty(key, value);
    }

    @Override
    public String publicBaseUrl() {
        String url = config.get("kessai.public-base-url");
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    @Override
    public ObjectMapper json() {
        return json;
    }

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public PaymentLookup payments() {
        return payments;
    }

    @Override
    public void bind(String name, Object bean) {
        if (bean instanceof CamelContextAware aware) {
            aware.setCamelContext(camelContext);
        }
        camelContext.getRegistry().bind(name, bean);
    }

    @Override
    public void closeWithContext(AutoCloseable closeable) {
        Kessai.closeWithContext(camelContext, closeable);
    }
}
