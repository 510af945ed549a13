package io.kessai.support;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;

/**
 * Every log line written while it is open, from logback and from java.util.logging (System.Logger), with Kessai's
 * own loggers at TRACE: a secret in a debug line is still a leak. For the tests that scan logs for secrets.
 */
public final class CapturedLogs implements AutoCloseable {
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final List<LogRecord> julRecords = new ArrayList<>();
    private final Handler julHandler = new Handler() {
        @Override
        public void publish(LogRecord record) {
            synchronized (julRecords) {
                julRecords.add(record);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private final Level previousKessaiLevel;

    private CapturedLogs(String name) {
        LoggerContext logback = (LoggerContext) LoggerFactory.getILoggerFactory();
        appender.setContext(logback);
        appender.setName(name);
        appender.start();
        logback.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(appender);
        Logger kessai = logback.getLogger("io.kessai");
        previousKessaiLevel = kessai.getLevel();
        kessai.setLevel(Level.TRACE);
        java.util.logging.Logger.getLogger("").addHandler(julHandler);
    }

    /** Starts capturing; {@code name} names the appender. */
    public static CapturedLogs start(String name) {
        return new CapturedLogs(name);
    }

    /** Every captured line so far: level, logger, formatted message, and the stack trace of its throwable. */
    public List<String> lines() {
        List<String> lines = new ArrayList<>();
        synchronized (appender) {
            for (ILoggingEvent e : appender.list) {
                String line = e.getLevel() + " " + e.getLoggerName() + " - " + e.getFormattedMessage();
                if (e.getThrowableProxy() != null) {
                    line += "\n" + ThrowableProxyUtil.asString(e.getThrowableProxy());
                }
                lines.add(line);
            }
        }
        SimpleFormatter formatter = new SimpleFormatter();
        synchronized (julRecords) {
            for (LogRecord r : julRecords) {
                String line = r.getLevel() + " " + r.getLoggerName() + " - " + formatter.formatMessage(r);
                if (r.getThrown() != null) {
                    StringWriter trace = new StringWriter();
                    r.getThrown().printStackTrace(new PrintWriter(trace));
                    line += "\n" + trace;
                }
                lines.add(line);
            }
        }
        return lines;
    }

    @Override
    public void close() {
        LoggerContext logback = (LoggerContext) LoggerFactory.getILoggerFactory();
        logback.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(appender);
        logback.getLogger("io.kessai").setLevel(previousKessaiLevel);
        java.util.logging.Logger.getLogger("").removeHandler(julHandler);
        appender.stop();
    }
}
