package io.kessai.ops;

import io.kessai.sandbox.gmo.GmoSandbox;
import io.kessai.support.KessaiInstance;
import io.kessai.support.KessaiInstance.Answer;
import io.kessai.support.TestDatabases;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The {@code prod} profile ({@code camel.main.profile=prod}): the management port asks for HTTP Basic authentication
 * on every path but the two probes (401 without or with wrong credentials), the password comes from configuration (in production the
 * environment) and Kessai does not start without one; the built-in sandboxes are off.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProdProfileTest {
    private static final String PASSWORD = "ops-" + Long.toHexString(System.nanoTime());
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    GmoSandbox gmo;
    KessaiInstance kessai;

    @BeforeAll
    void start() {
        gmo = new GmoSandbox(GmoSandbox.Settings.defaults("tshop00000001", "sandbox-pass")).start();
        kessai = KessaiInstance.startWith(gmo, TestDatabases.h2(), Map.of(
                "camel.main.profile", "prod",
                "kessai.management.enabled", "true",
                // set by environment variable (KESSAI_MANAGEMENT_AUTH_PASSWORD) in production
                "kessai.management.auth.password", PASSWORD));
    }

    @AfterAll
    void stop() {
        if (kessai != null) {
            kessai.close();
        }
        if (gmo != null) {
            gmo.close();
        }
    }

    @Test
    void theManagementPortAsksForBasicAuthenticationOnEveryPathButTheProbes() throws Exception {
        for (String path : new String[] {"/observe/health", "/observe/metrics", "/observe/jolokia/version"}) {
            HttpResponse<String> anonymous = get(path, null);
            assertThat(anonymous.statusCode()).as(path).isEqualTo(401);
            assertThat(anonymous.headers().firstValue("WWW-Authenticate").orElse("")).startsWith("Basic realm=\"kessai\"");
            assertThat(get(path, basic("kessai", "wrong")).statusCode()).as(path + " with a wrong password").isEqualTo(401);
            assertThat(get(path, basic("someone", PASSWORD)).statusCode()).as(path + " as another user").isEqualTo(401);
            if (!path.contains("jolokia")) {
                HttpResponse<String> operator = get(path, basic("kessai", PASSWORD));
                assertThat(operator.statusCode()).as(path + ": " + operator.body()).isEqualTo(200);
            }
        }
        // a kubelet's probes send no password (kessai.management.auth.open-probes, default true)
        for (String probe : new String[] {"/observe/health/live", "/observe/health/ready"}) {
            HttpResponse<String> anonymous = get(probe, null);
            assertThat(anonymous.statusCode()).as(probe + ": " + anonymous.body()).isEqualTo(200);
        }
        assertThat(get("/observe/metrics", basic("kessai", PASSWORD)).body()).contains("kessai_outbox_lag_seconds");
        Answer api = kessai.get("/payments/pay_nope");
        assertThat(api.status()).as("the API port stays as it is").isEqualTo(404);
    }

    @Test
    void theProdProfileSwitchesTheSandboxesOff() {
        assertThat(kessai.context().resolvePropertyPlaceholders("{{kessai.sandbox.enabled}}")).isEqualTo("false");
        assertThat(kessai.context().resolvePropertyPlaceholders("{{kessai.management.auth.enabled}}")).isEqualTo("true");
        assertThat(kessai.context().getCamelContextExtension().getProfile()).isEqualTo("prod");
    }

    @Test
    void withoutAPasswordTheProdProfileDoesNotStartAndSaysWhichVariableToSet() {
        assertThatThrownBy(() -> KessaiInstance.startWith(gmo, TestDatabases.h2(), Map.of(
                "camel.main.profile", "prod",
                "kessai.management.enabled", "true")).close())
                .hasStackTraceContaining("kessai.management.auth.password has no value")
                .hasStackTraceContaining("KESSAI_MANAGEMENT_AUTH_PASSWORD");
    }

    private HttpResponse<String> get(String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(kessai.managementUrl() + path))
                .timeout(Duration.ofSeconds(30)).GET();
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }
}
