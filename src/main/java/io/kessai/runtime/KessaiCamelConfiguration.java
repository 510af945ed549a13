package io.kessai.runtime;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;

/**
 * Kessai for a runtime that Kessai does not start itself (a Camel K Integration, any camel-main application): named in
 * {@code camel.main.configuration-classes = io.kessai.runtime.KessaiCamelConfiguration}, it installs Kessai into the
 * context the runtime configures: the beans, the sandboxes if enabled, the core routes, the installed providers'
 * routes, and (when {@code camel.server.enabled} is true) the HTTP API on camel-main's platform-http server with
 * Kessai's limits and problems. A context Kessai is already installed in (the standalone {@link KessaiMain}) is left
 * as it is, so the property may also stand in a properties file the standalone runtime reads.
 */
public class KessaiCamelConfiguration implements CamelConfiguration {
    @Override
    public void configure(CamelContext context) throws Exception {
        if (context.getRegistry().lookupByName("kessaiModules") != null) {
            return;
        }
        boolean httpApi = context.getPropertiesComponent().resolveProperty("camel.server.enabled")
                .map(v -> Boolean.parseBoolean(v.trim())).orElse(false);
        if (httpApi) {
            context.getRegistry().bind("kessaiHttpServerFactory", new KessaiHttpServer.Factory());
        }
        Kessai.install(context, httpApi);
    }
}
