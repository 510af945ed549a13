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
        // Kessai has no @Configuration, RouteBuilder or @BindToRegistry classes to find: its beans are bound by
        // Kessai.bind and its routes are YAML files named below, so the package scan would only cost start-up time.
        main.configure().setBasePackageScanEnabled(false);
        // The first location that has a key wins: a profile's files come before the defaults they override.
        String profile = profile(overrides);
        String profileLocations = "";
        if (profile != null) {
            main.configure().setProfile(profile);
            profileLocations = "file:config/application-" + profile + ".properties;optional=true,"
                    + "classpath:application-" + profile + ".properties;optional=true,";
        }
        main.setPropertyPlaceholderLocations(profileLocations + Kessai.DEFAULTS
                + ",classpath:application.properties;optional=true,file:config/application.properties;optional=true");
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
                // camel-main takes the HTTP server factory it finds in the registry: Kessai's limits and problems.
                support.getCamelContext().getRegistry().bind("kessaiHttpServerFactory", new KessaiHttpServer.Factory());
                // Only the installed providers' routes: a provider without configuration has no beans.
                support.configure().setRoutesIncludePattern(String.join(",",
                        Kessai.routes(support.getCamelContext(), true).stream().map(r -> "classpath:" + r).toList()));
            }
        });
    }

    /** The profile key (camel-main's): {@code prod} reads {@code application-prod.properties} first. */
    static final String PROFILE = "camel.main.profile";

    /**
     * The profile named by the overrides, a system property or the environment ({@code CAMEL_MAIN_PROFILE}), in that
     * order; null for none. Only letters, digits and hyphens: it names a file.
     */
    static String profile(Properties overrides) {
        String profile = overrides == null ? null : overrides.getProperty(PROFILE);
        if (profile == null) {
            profile = System.getProperty(PROFILE);
        }
        if (profile == null) {
            profile = System.getenv("CAMEL_MAIN_PROFILE");
        }
        if (profile == null || profile.isBlank()) {
            return null;
        }
        profile = profile.trim();
        if (!profile.matches("[A-Za-z0-9-]{1,32}")) {
            throw new IllegalArgumentException(PROFILE + " must be 1 to 32 letters, digits or hyphens (it names"
                    + " config/application-<profile>.properties), not " + profile);
        }
        return profile;
    }

    /**
     * Runs Kessai until it is stopped. A start that fails (an invalid setting, a port in use, a store that
     * cannot be reached) prints one line naming the cause and exits with status 1 at once, releasing the
     * sandbox ports and the H2 file lock.
     */
    public static void main(String[] args) {
        routeJavaUtilLoggingToSlf4j();
        try {
            new KessaiMain(null).main.run(args);
        } catch (Throwable e) {
            System.err.println("Kessai could not start: " + rootMessage(e));
            System.exit(1);
        }
    }

    /** One log format: java.util.logging records go through SLF4J (logback) instead of their own console handler. */
    static void routeJavaUtilLoggingToSlf4j() {
        if (!org.slf4j.bridge.SLF4JBridgeHandler.isInstalled()) {
            org.slf4j.bridge.SLF4JBridgeHandler.removeHandlersForRootLogger();
            org.slf4j.bridge.SLF4JBridgeHandler.install();
        }
    }

    /** The innermost message that says something (configuration errors name the key and the rule). */
    static String rootMessage(Throwable e) {
        String message = e.getMessage();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                message = t.getMessage();
            }
        }
        return message == null ? e.getClass().getName() : message.replace('\n', ' ').replaceAll("\\s+", " ").trim();
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
