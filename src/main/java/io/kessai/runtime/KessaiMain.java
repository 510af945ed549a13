package io.kessai.runtime;

import org.apache.camel.CamelContext;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;

import java.util.Properties;

/**
 * The standalone Kessai: camel-main with the platform HTTP server, the embedded store and (by default)
 * the built-in sandboxes. {@code java -jar target/kessai.jar}.
 */
public final class KessaiMain {
    private final Main main;

    public KessaiMain(Properties overrides) {
        main = new Main(KessaiMain.class);
        main.setPropertyPlaceholderLocations(Kessai.DEFAULTS + ",classpath:application.properties;optional=true,"
                + "file:config/application.properties;optional=true");
        // camel-main's start-up summary prints every property it set; the provider modules' secrets must never be among them.
        main.configure().setAdditionalSensitiveKeywords(Kessai.sensitiveKeywords());
        main.configure().setAutoConfigurationLogSummary(false);
        if (overrides != null && !overrides.isEmpty()) {
            main.setOverrideProperties(overrides);
        }
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void beforeConfigure(BaseMainSupport support) {
                Kessai.bind(support.getCamelContext());
                // Only the installed providers' routes: a provider without configuration has no beans.
                support.configure().setRoutesIncludePattern(String.join(",",
                        Kessai.routes(support.getCamelContext(), true).stream().map(r -> "classpath:" + r).toList()));
            }
        });
    }

    public static void main(String[] args) throws Exception {
        new KessaiMain(null).main.run(args);
    }

    /** Starts Kessai without blocking (tests, embedding in a launcher). */
    public KessaiMain start() throws Exception {
        main.start();
        return this;
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    public void stop() throws Exception {
        main.stop();
    }
}
