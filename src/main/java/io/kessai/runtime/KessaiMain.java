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
    /** The log format before this Kessai applied kessai.log.format (null: it changed nothing), put back at stop. */
    private volatile String logFormatBefore;

    public KessaiMain(Properties overrides) {
        main = new Main(KessaiMain.class);
        // Kessai has no @Configuration, RouteBuilder or @BindToRegistry classes to find: its beans are bound by
        // Kessai.bind and its routes are YAML files named below, so the package scan would only cost start-up time.
        main.configure().setBasePackageScanEnabled(false);
        String profile = profile(overrides);
        if (profile != null) {
            main.configure().setProfile(profile);
        }
        main.setPropertyPlaceholderLocations(placeholderLocations(profile));
        // camel-main's start-up summary prints every property it set; the provider modules' secrets must never be among them.
        main.configure().setAdditionalSensitiveKeywords(Kessai.sensitiveKeywords());
        main.configure().setAutoConfigurationLogSummary(false);
        if (overrides != null && !overrides.isEmpty()) {
            main.setOverrideProperties(overrides);
        }
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void beforeConfigure(BaseMainSupport support) {
                // logback chose its format from the system property or the environment; the configuration decides.
                String before = LogFormat.apply(new Kessai.Config(support.getCamelContext()).find(LogFormat.KEY));
                if (before != null && logFormatBefore == null) {
                    logFormatBefore = before;
                }
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
     * Where the standalone reads its properties. The first location that has a key wins (Camel's properties component
     * looks them up in order): the profile's {@code application-<profile>.properties} beside the jar (config/), then in
     * the jar ({@code prod}: PostgreSQL and the real providers), then application.properties beside the jar and in the
     * jar, then Kessai's defaults. System properties and environment variables win over all of them.
     */
    static String placeholderLocations(String profile) {
        String locations = "file:config/application.properties;optional=true,classpath:application.properties;optional=true,"
                + Kessai.DEFAULTS;
        if (profile == null) {
            return locations;
        }
        return "file:config/application-" + profile + ".properties;optional=true,classpath:application-" + profile
                + ".properties;optional=true," + locations;
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
        try {
            main.stop();
        } finally {
            String before = logFormatBefore;
            if (before != null) {
                logFormatBefore = null;
                LogFormat.apply(before);
            }
        }
    }
}
