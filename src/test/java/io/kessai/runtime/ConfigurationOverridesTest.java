package io.kessai.runtime;

import io.kessai.support.Orders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Contract section 7, the way an operator does it: the standalone Kessai in its own JVM, configured by
 * environment variables (KESSAI_HTTP_PORT, KESSAI_DB_URL) and a system property, pays through its sandbox.
 */
class ConfigurationOverridesTest {

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void environmentVariablesAndSystemPropertiesOverrideTheDefaults(@TempDir Path dir) throws Exception {
        int port = freePort();
        Path log = dir.resolve("kessai.log");
        ProcessBuilder builder = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Dkessai.public-base-url=http://localhost:" + port,
                "-Dkessai.scheduler.name=kessai-overrides-test",
                KessaiMain.class.getName()))
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("KESSAI_HTTP_PORT", String.valueOf(port));
        builder.environment().put("KESSAI_DB_URL", "jdbc:h2:file:" + dir.resolve("store/kessai"));
        Process kessai = builder.start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest pay = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/payments"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Orders.json(Orders.gmoCard("tok_visa")))).build();
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() ->
                    http.send(pay, HttpResponse.BodyHandlers.ofString()).statusCode() == 201 || !kessai.isAlive());
            assertThat(kessai.isAlive()).as(Files.readString(log)).isTrue();
            assertThat(Files.exists(dir.resolve("store/kessai.mv.db"))).isTrue();
            assertThat(Files.exists(dir.resolve("data"))).as("the default ./data store was not used").isFalse();
        } finally {
            kessai.destroy();
            kessai.waitFor();
        }
    }
}
