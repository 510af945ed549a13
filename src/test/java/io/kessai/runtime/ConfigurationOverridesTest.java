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
    void anInvalidSettingStopsStartUpWithOneLineNamingTheKeyAndTheRule(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("kessai.log");
        Process kessai = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Dkessai.http.port=" + freePort(),
                "-Dkessai.management.port=0",
                "-Dkessai.db.url=jdbc:h2:file:" + dir.resolve("store/kessai"),
                "-Dkessai.providers.gmo-pg.merchant.name=" + "x".repeat(31),
                KessaiMain.class.getName()))
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            assertThat(kessai.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).as("Kessai exits by itself").isTrue();
            String output = Files.readString(log);
            assertThat(kessai.exitValue()).as(output).isEqualTo(1);
            assertThat(output).contains("Kessai could not start: ")
                    .contains("kessai.providers.gmo-pg.merchant.name")
                    .contains("at most 30 characters")
                    .doesNotContain("\tat ").doesNotContain("Exception in thread");
        } finally {
            kessai.destroyForcibly();
        }
    }

    @Test
    void environmentVariablesAndSystemPropertiesOverrideTheDefaults(@TempDir Path dir) throws Exception {
        int port = freePort();
        Path log = dir.resolve("kessai.log");
        ProcessBuilder builder = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                "-Dkessai.scheduler.name=kessai-overrides-test",
                // not the default management port 9876, which another run on this machine may hold
                "-Dkessai.management.port=" + freePort(),
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

            // kessai.public-base-url was not set: it follows the port, so 3-D Secure comes back to this Kessai.
            HttpRequest tds = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/payments"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Orders.json(Orders.gmoCard("tok_tds")))).build();
            HttpResponse<String> created = http.send(tds, HttpResponse.BodyHandlers.ofString());
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            String acsPage = new com.fasterxml.jackson.databind.ObjectMapper().readTree(created.body())
                    .path("nextAction").path("url").asText();
            HttpResponse<String> acs = http.send(HttpRequest.newBuilder(URI.create(acsPage + "?result=success")).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(acs.statusCode()).isEqualTo(302);
            assertThat(acs.headers().firstValue("Location").orElseThrow())
                    .startsWith("http://localhost:" + port + "/callbacks/gmo-pg?p=");
        } finally {
            kessai.destroy();
            kessai.waitFor();
        }
    }
}
