package io.kessai.support;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.read.ListAppender;
import io.kessai.runtime.LogFormat;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;

/**
 * Every log line written while it is open, from logback and from java.util.logging (System.Logger), with Kessai's
 * own loggers at TRACE: a secret in a debug line is still a leak. For the tests that scan logs for secrets. Every
 * logback event is also written as {@code kessai.log.format=json} writes it ({@link #jsonLines()}), MDC included.
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
    private final ByteArrayOutputStream jsonBytes = new ByteArrayOutputStream();
    private final OutputStreamAppender<ILoggingEvent> json = new OutputStreamAppender<>();

    private CapturedLogs(String name) {
        LoggerContext logback = (LoggerContext) LoggerFactory.getILoggerFactory();
        appender.setContext(logback);
        appender.setName(name);
        appender.start();
        logback.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(appender);
        // encoded on the logging thread, while its MDC is there (a ListAppender's events read the MDC later)
        json.setContext(logback);
        json.setName(name + "-json");
        json.setEncoder(LogFormat.encoder(LogFormat.JSON, logback));
        json.setOutputStream(jsonBytes);
        json.start();
        logback.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).addAppender(json);
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

    /** Every captured logback line so far as the JSON log format writes it: one JSON object per line. */
    public List<String> jsonLines() {
        String all;
        synchronized (jsonBytes) {
            all = jsonBytes.toString(StandardCharsets.UTF_8);
        }
        List<String> lines = new ArrayList<>();
        for (String line : all.split("\n")) {
            if (!line.isBlank()) {
                lines.add(line);
            }
        }
        return lines;
    }

    /**
     * Each JSON line as written and, after it, every text value in it decoded (JSON escapes undone): a secret is
     * searched for in both.
     */
    public List<String> jsonLinesDecoded() {
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        List<String> decoded = new ArrayList<>();
        for (String line : jsonLines()) {
            StringBuilder b = new StringBuilder(line);
            try {
                mapper.readTree(line).forEach(v -> texts(v, b));
            } catch (java.io.IOException e) {
                throw new AssertionError("a JSON log line that is not JSON: " + line, e);
            }
            decoded.add(b.toString());
        }
        return decoded;
    }

    private static void texts(com.fasterxml.jackson.databind.JsonNode node, StringBuilder into) {
        if (node.isTextual()) {
            into.append('\n').append(node.asText());
        } else if (node.isContainerNode()) {
            node.fields().forEachRemaining(f -> {
                into.append('\n').append(f.getKey());
                texts(f.getValue(), into);
            });
            if (node.isArray()) {
                node.forEach(v -> texts(v, into));
            }
        }
    }

    @Override
    public void close() {
        LoggerContext logback = (LoggerContext) LoggerFactory.getILoggerFactory();
        logback.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(appender);
        logback.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).detachAppender(json);
        json.stop();
        logback.getLogger("io.kessai").setLevel(previousKessaiLevel);
        java.util.logging.Logger.getLogger("").removeHandler(julHandler);
        appender.stop();
    }
}
