package io.kessai.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kessai.support.KessaiInstance;
import io.kessai.support.TestDatabases;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * kessai.log.format (issue 13 item 5): logback.xml writes text or JSON as the system property kessai.log.format or
 * the environment variable KESSAI_LOG_FORMAT says, Kessai's configuration switches it when it starts, the JSON line
 * carries the MDC, and a value that is neither is refused at start naming the key.
 */
class LogFormatTest {

    @Test
    void logbackXmlWritesTextByDefaultAndJsonWhenThePropertyOrTheEnvironmentVariableSaysSo() throws Exception {
        assertThat(consoleEncoderOfLogbackXml(null, null)).isInstanceOf(PatternLayoutEncoder.class);
        assertThat(consoleEncoderOfLogbackXml("kessai.log.format", "json")).isInstanceOf(JsonEncoder.class);
        // logback looks a variable up in its context, the system properties, then the environment: the context
        // stands in for the environment here
        assertThat(consoleEncoderOfLogbackXml("KESSAI_LOG_FORMAT", "json")).isInstanceOf(JsonEncoder.class);
        assertThat(consoleEncoderOfLogbackXml("kessai.log.format", "text")).isInstanceOf(PatternLayoutEncoder.class);
    }

    @Test
    void theJsonFormatWritesOneObjectPerLineWithTheMdcAndTheFormattedMessage() throws Exception {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        var encoder = LogFormat.encoder("json", context);
        Logger logger = context.getLogger("io.kessai.test");
        List<ILoggingEvent> events = new ArrayList<>();
        var capture = new ch.qos.logback.core.AppenderBase<ILoggingEvent>() {
            @Override
            protected void append(ILoggingEvent e) {
                e.prepareForDeferredProcessing();
                events.add(e);
            }
        };
        capture.setContext(context);
        capture.start();
        logger.addAppender(capture);
        try (var ignored = io.kessai.payment.PaymentLog.scope("pay_X", "ORD-1", "gmo-pg", "capture")) {
            logger.info("payment {} at {}", "pay_X", "gmo-pg");
        } finally {
            logger.detachAppender(capture);
        }
        assertThat(MDC.get("paymentId")).as("the scope put the MDC back").isNull();
        String line = new String(encoder.encode(events.get(0)), StandardCharsets.UTF_8);
        assertThat(line).endsWith("\n").doesNotContain("\n\n");
        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.path("level").asText()).isEqualTo("INFO");
        assertThat(json.path("loggerName").asText()).isEqualTo("io.kessai.test");
        assertThat(json.path("formattedMessage").asText()).isEqualTo("payment pay_X at gmo-pg");
        assertThat(json.path("mdc")).isEqualTo(new ObjectMapper().readTree(
                "{\"paymentId\":\"pay_X\",\"orderId\":\"ORD-1\",\"provider\":\"gmo-pg\",\"operation\":\"capture\"}"));
        assertThat(json.has("arguments")).as("arguments are not repeated").isFalse();
    }

    @Test
    void theConfigurationSwitchesTheConsoleAndPutsItBack() {
        Logger root = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        assertThat(root.getAppender("text")).as("the test JVM logs text").isNotNull();
        String before = LogFormat.apply("json");
        try {
            assertThat(before).isEqualTo("text");
            assertThat(root.getAppender("text")).isNull();
            assertThat(((ConsoleAppender<ILoggingEvent>) root.getAppender("json")).getEncoder()).isInstanceOf(JsonEncoder.class);
            assertThat(LogFormat.apply("JSON")).as("already json: nothing changes").isNull();
        } finally {
            LogFormat.apply(before);
        }
        assertThat(root.getAppender("json")).isNull();
        assertThat(((ConsoleAppender<ILoggingEvent>) root.getAppender("text")).getEncoder())
                .isInstanceOf(PatternLayoutEncoder.class);
    }

    @Test
    void aFormatThatIsNeitherTextNorJsonIsRefusedAtStartNamingTheKey() {
        assertThatThrownBy(() -> KessaiInstance.start(TestDatabases.h2(), Map.of("kessai.log.format", "xml")))
                .rootCause().hasMessage("configuration key kessai.log.format must be text or json, not 'xml'");
    }

    /** logback.xml of the classpath in a fresh logback context with this variable set: the root's console encoder. */
    private static Object consoleEncoderOfLogbackXml(String variable, String value) throws Exception {
        LoggerContext context = new LoggerContext();
        if (variable != null) {
            context.putProperty(variable, value);
        }
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(LogFormatTest.class.getClassLoader().getResource("logback.xml"));
        List<Appender<ILoggingEvent>> appenders = new ArrayList<>();
        context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).iteratorForAppenders().forEachRemaining(appenders::add);
        // a warning makes logback print its whole status list on the console before Kessai's first line
        assertThat(context.getStatusManager().getCopyOfStatusList())
                .as("logback's status of logback.xml").allMatch(st -> st.getLevel() < ch.qos.logback.core.status.Status.WARN);
        context.stop();
        assertThat(appenders).as("the root's appenders").hasSize(1);
        return ((ConsoleAppender<ILoggingEvent>) appenders.get(0)).getEncoder();
    }
}
