package io.kessai.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kessai.support.KessaiInstance;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Hawtio 4, started as bin/hawtio starts it, opened in headless Chromium, connects to a running Kessai's Jolokia
 * (the management port, through Hawtio's proxy and Kessai's access policy) and lists Kessai's routes with their
 * exchange counts. The screenshot is the README's docs/hawtio.png.
 */
class HawtioConsoleTest {
    private static final Path CHROMIUM = Path.of(System.getProperty("kessai.test.chromium", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER = Path.of(System.getProperty("kessai.test.chromedriver", "/usr/bin/chromedriver"));

    private static void requireChromium() {
        if (Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER)) {
            return;
        }
        String message = "Chromium (" + CHROMIUM + ") or its driver (" + CHROMEDRIVER + ") is missing: "
                + "apt-get install chromium chromium-driver (.ci/run installs them)";
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new IllegalStateException(message);
        }
        System.err.println("SKIPPED HawtioConsoleTest: " + message);
        Assumptions.abort(message);
    }

    private static ChromeDriver chromium(Path profile) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // the machine has no network: nothing of Chromium's own (updates, sync, QUIC probes) goes out
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--user-data-dir=" + profile, "--window-size=1440,900");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void hawtioConnectedToKessaisJolokiaListsKessaisRoutesWithTheirExchangeCounts() throws Exception {
        requireChromium();
        Path profile = Files.createTempDirectory("kessai-chromium");
        try (KessaiInstance kessai = KessaiInstance.start(TestDatabases.h2(),
                Map.of("kessai.management.enabled", "true", "kessai.management.port", String.valueOf(freePort())))) {
            KessaiInstance.Answer payment = kessai.post("/payments", Orders.japanPayment("JPY", "1000", "konbini", "LAWSON").toString());
            assertThat(payment.status()).as(payment.body()).isEqualTo(201);

            // Hawtio in a JVM of its own, as bin/hawtio runs it: it sees Kessai only through Kessai's Jolokia
            int hawtioPort = freePort();
            Path log = Path.of("target/hawtio-console.log");
            ProcessBuilder console = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"),
                    "-Dkessai.hawtio.war=" + HawtioConsole.defaultWar().toAbsolutePath(),
                    HawtioConsole.class.getName(), kessai.managementUrl() + "/observe/jolokia")
                    .redirectErrorStream(true).redirectOutput(log.toFile());
            console.environment().put("HAWTIO_PORT", String.valueOf(hawtioPort));
            Process hawtio = console.start();
            try {
                String url = "http://127.0.0.1:" + hawtioPort + "/";
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
                    assertThat(hawtio.isAlive()).as("Hawtio runs (%s)", log).isTrue();
                    return Files.readString(log).contains("Hawtio for Kessai");
                });
                ChromeDriver browser = chromium(profile);
                try {
                    browser.get(url);
                    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                            .untilAsserted(() -> {
                                String text = browser.findElement(By.tagName("body")).getText();
                                assertThat(text).contains("api-pay");
                            });
                    // the context's "routes" folder: Hawtio's Routes tab, one row per route with its exchange counters
                    browser.findElement(By.xpath("//*[contains(@class,'pf-v5-c-tree-view__node')][normalize-space(.)='routes']")).click();
                    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                            .untilAsserted(() -> {
                                List<String> header = browser.findElements(By.xpath("//main//table//thead//th")).stream()
                                        .map(WebElement::getText).map(String::trim).toList();
                                List<String> row = browser.findElements(By.xpath("//main//table//tbody/tr[td[normalize-space(.)='api-pay']]/td"))
                                        .stream().map(WebElement::getText).map(String::trim).toList();
                                assertThat(header).as("the Routes table's columns").contains("Total");
                                assertThat(row).as("api-pay's row under %s", header).hasSize(header.size());
                                assertThat(Long.parseLong(row.get(header.indexOf("Total")))).as("api-pay's exchanges %s", row).isPositive();
                                assertThat(browser.findElements(By.xpath("//main//table//tbody/tr"))).as("Kessai's routes").hasSizeGreaterThan(10);
                            });
                    File shot = browser.getScreenshotAs(OutputType.FILE);
                    Files.copy(shot.toPath(), Path.of("docs/hawtio.png"), StandardCopyOption.REPLACE_EXISTING);
                } catch (AssertionError | RuntimeException e) {
                    Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), Path.of("target/hawtio-failure.png"),
                            StandardCopyOption.REPLACE_EXISTING);
                    Files.writeString(Path.of("target/hawtio-failure.html"), browser.getPageSource());
                    throw e;
                } finally {
                    browser.quit();
                }
            } finally {
                hawtio.destroy();
                if (!hawtio.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    hawtio.destroyForcibly();
                }
            }
        }
    }
}
