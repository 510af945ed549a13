package io.kessai.runtime;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.Context;
import ch.qos.logback.core.encoder.Encoder;
import org.slf4j.LoggerFactory;

import java.util.Locale;

/**
 * The standalone Kessai's log format, {@code kessai.log.format}: {@code text} (one line of text per event, the
 * default) or {@code json} (one JSON object per line: logback's JsonEncoder with timestamp, level, thread, logger,
 * the MDC ({@code paymentId}, {@code orderId}, {@code provider}, {@code operation}, Camel's {@code camel.*}), key-value
 * pairs, the formatted message and the throwable).
 *
 * <p>logback starts before camel-main reads its properties: logback.xml chooses the console appender from the
 * system property {@code kessai.log.format} or the environment variable {@code KESSAI_LOG_FORMAT}, and when
 * Kessai's configuration says otherwise (config/application.properties) {@link #apply} switches the root's console
 * appender once the configuration is read.
 */
public final class LogFormat {
    public static final String KEY = "kessai.log.format";
    public static final String TEXT = "text";
    public static final String JSON = "json";
    /** The text layout (logback.xml's "text" appender writes the same). */
    public static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{30} - %msg%n";

    private LogFormat() {
    }

    /** The format a value names, or an error naming the key and the rule. */
    public static String of(String value) {
        String format = value == null ? TEXT : value.trim().toLowerCase(Locale.ROOT);
        if (format.isEmpty()) {
            return TEXT;
        }
        if (!format.equals(TEXT) && !format.equals(JSON)) {
            throw new IllegalArgumentException("configuration key " + KEY + " must be " + TEXT + " or " + JSON
                    + ", not '" + value + "'");
        }
        return format;
    }

    /** An encoder of the format (started), as logback.xml configures it. */
    public static Encoder<ILoggingEvent> encoder(String format, Context context) {
        Encoder<ILoggingEvent> encoder;
        if (JSON.equals(of(format))) {
            JsonEncoder json = new JsonEncoder();
            json.setWithSequenceNumber(false);
            json.setWithNanoseconds(false);
            json.setWithContext(false);
            json.setWithMessage(false);
            json.setWithFormattedMessage(true);
            json.setWithArguments(false);
            encoder = json;
        } else {
            PatternLayoutEncoder text = new PatternLayoutEncoder();
            text.setPattern(PATTERN);
            encoder = text;
        }
        encoder.setContext(context);
        encoder.start();
        return encoder;
    }

    /**
     * Makes the root logger write to the console in this format: its console appender named after the format is kept,
     * one named after the other format is replaced. Does nothing when SLF4J is not bound to logback (an application
     * that embeds Kessai keeps its own logging). Returns the format written before, or null when nothing changed.
     */
    public static String apply(String value) {
        String format = of(value);
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return null;
        }
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (root.getAppender(format) != null) {
            return null;
        }
        String other = JSON.equals(format) ? TEXT : JSON;
        Appender<ILoggingEvent> previous = root.getAppender(other);
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setContext(context);
        console.setName(format);
        console.setEncoder(encoder(format, context));
        console.start();
        root.addAppender(console);
        if (previous != null) {
            root.detachAppender(previous);
            previous.stop();
        }
        return previous == null ? null : other;
    }
}
