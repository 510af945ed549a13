package io.kessai.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.Configurator;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * kessai.jar sets its logging up in code ({@link StandaloneLogging}, for a faster start); the library jar and the
 * tests use logback.xml. Both must say the same: the same levels and the same console format.
 */
class StandaloneLoggingTest {
    private static final List<String> LOGGERS = List.of("ROOT", "org.apache.camel", "org.flywaydb", "com.networknt",
            "com.zaxxer.hikari", "io.kessai");

    @Test
    void theStandalonesLoggingInCodeSaysWhatLogbackXmlSays() throws Exception {
        LoggerContext fromXml = new LoggerContext();
        JoranConfigurator joran = new JoranConfigurator();
        joran.setContext(fromXml);
        joran.doConfigure(getClass().getResource("/logback.xml"));

        LoggerContext inCode = new LoggerContext();
        StandaloneLogging configurator = new StandaloneLogging();
        configurator.setContext(inCode);
        assertThat(configurator.configure(inCode)).isEqualTo(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);

        for (String name : LOGGERS) {
            assertThat(inCode.getLogger(name).getEffectiveLevel()).as(name)
                    .isEqualTo(fromXml.getLogger(name).getEffectiveLevel());
        }
        assertThat(inCode.getLogger("ROOT").getAppender("text")).as("the text console appender").isNotNull();
        assertThat(fromXml.getLogger("ROOT").getAppender("text")).as("logback.xml's text console appender").isNotNull();
        assertThat(inCode.getStatusManager().getCopyOfStatusList())
                .noneMatch(s -> s.getLevel() >= ch.qos.logback.core.status.Status.WARN);
    }
}
