package io.kessai.runtime;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The standalone Kessai's logging (kessai.jar only: the shaded jar registers it as logback's {@link Configurator}),
 * the same as {@code logback.xml} says but set up in code: reading and interpreting an XML configuration was about a
 * tenth of the start-up's main thread (the XML parser and logback's Joran classes). {@code -Dlogback.configurationFile}
 * still wins: then this configurator steps aside. The library jar does not register it, so an application that
 * embeds Kessai keeps its own logging.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class StandaloneLogging extends ContextAwareBase implements Configurator {

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        String format = LogFormat.of(System.getProperty(LogFormat.KEY, System.getenv("KESSAI_LOG_FORMAT")));
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName(format);
        console.setEncoder(LogFormat.encoder(format, context));
        console.start();
        context.getLogger("org.apache.camel").setLevel(Level.INFO);
        context.getLogger("org.flywaydb").setLevel(Level.WARN);
        context.getLogger("com.networknt").setLevel(Level.ERROR);
        context.getLogger("com.zaxxer.hikari").setLevel(Level.WARN);
        ch.qos.logback.classic.Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        root.addAppender(console);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
