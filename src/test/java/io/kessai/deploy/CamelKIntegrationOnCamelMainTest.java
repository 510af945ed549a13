package io.kessai.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.kessai.provider.ProviderModule;
import io.kessai.provider.ProviderModules;
import io.kessai.provider.Setting;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import java.io.IOException;
import java.io.StringReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.camel.CamelContext;
import org.apache.camel.ConsumerTemplate;
import org.apache.camel.Exchange;
import org.apache.camel.ServiceStatus;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Camel K Integration (deploy/camel-k/kessai.integration.yaml) as the operator would run it, on camel-main: its
 * flows as a routes file, its mounted ConfigMap's property files and its Secret's keys as the property locations
 * (Kessai adds its defaults under them), the Kessai jar's classes on the classpath (the Integration's dependency), and nothing else of the
 * standalone runtime. The test points the prod profile's store at the test PostgreSQL, turns the sandboxes on and
 * fills the Secret with the sandboxes' credentials; then a payment through the HTTP API reaches the GMO sandbox and its
 * events leave through the Integration's flow (Kamelet kessai-events-source) to the events sink.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CamelKIntegrationOnCamelMainTest {
    static final Path DEPLOY = Path.of("deploy");
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final ObjectMapper JSON = new ObjectMapper();

    private Main main;
    private int httpPort;
    private int managementPort;
    private final Map<String, String> configMapProperties = new LinkedHashMap<>();

    @BeforeAll
    void runTheIntegration(@TempDir Path dir) throws Exception {
        TestDatabases.Db db = TestDatabases.postgres();
        JsonNode integration = YAML.readTree(DEPLOY.resolve("camel-k/kessai.integration.yaml").toFile());
        Path flows = dir.resolve("kessai-flows.camel.yaml");
        Files.writeString(flows, YAML.writeValueAsString(integration.path("spec").path("flows")), StandardCharsets.UTF_8);

        // as on Camel K: the mounted property files only (Kessai's configuration class adds its defaults under them)
        List<String> locations = new ArrayList<>();
        for (JsonNode config : integration.path("spec").path("traits").path("mount").path("configs")) {
            String[] kindAndName = config.asText().split(":", 2);
            JsonNode resource = manifest(kindAndName[0].equals("configmap") ? "ConfigMap" : "Secret", kindAndName[1]);
            if (kindAndName[0].equals("configmap")) {
                for (Iterator<Map.Entry<String, JsonNode>> it = resource.path("data").fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> file = it.next();
                    assertThat(file.getKey()).as("a property file of the ConfigMap").endsWith(".properties");
                    Path path = dir.resolve(file.getKey());
                    Files.writeString(path, file.getValue().asText(), StandardCharsets.UTF_8);
                    locations.add("file:" + path.toAbsolutePath());
                    Properties p = new Properties();
                    p.load(new StringReader(file.getValue().asText()));
                    p.stringPropertyNames().forEach(k -> configMapProperties.put(k, p.getProperty(k)));
                }
            } else {
                // the operator fills the Secret; here with the credentials the sandboxes accept (the keys a sandbox
                // makes per run are left out, as for any run with the sandboxes)
                Properties secrets = new Properties();
                resource.path("stringData").fieldNames().forEachRemaining(k -> {
                    String value = sandboxValue(k);
                    if (value != null) {
                        secrets.setProperty(k, value);
                    }
                });
                Path path = dir.resolve("secret-" + kindAndName[1] + ".properties");
                try (var out = Files.newBufferedWriter(path, StandardCharsets.UTF_8)) {
                    secrets.store(out, null);
                }
                locations.add("file:" + path.toAbsolutePath());
            }
        }

        httpPort = freePort();
        managementPort = freePort();
        Properties overrides = new Properties();
        overrides.setProperty("kessai.db.url", db.url());
        overrides.setProperty("kessai.db.user", db.user());
        overrides.setProperty("kessai.db.password", db.password());
        overrides.setProperty("kessai.sandbox.enabled", "true");
        overrides.setProperty("kessai.http.port", String.valueOf(httpPort));
        overrides.setProperty("kessai.management.port", String.valueOf(managementPort));
        overrides.setProperty("kessai.scheduler.name", "camel-k-" + UUID.randomUUID());
        overrides.setProperty("kessai.events.relay-period-ms", "50");
        overrides.setProperty("integration.events-sink", "seda:integration-events");

        main = new Main();
        main.setPropertyPlaceholderLocations(String.join(",", locations));
        main.configure().setBasePackageScanEnabled(false);
        main.configure().withRoutesIncludePattern("file:" + flows.toAbsolutePath());
        main.setOverrideProperties(overrides);
        main.start();
    }

    @AfterAll
    void stop() throws Exception {
        if (main != null) {
            main.stop();
        }
    }

    /** The deploy/ manifest of this kind and name. */
    static JsonNode manifest(String kind, String name) throws IOException {
        try (var files = Files.walk(DEPLOY)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml") && !f.toString().endsWith(".camel.yaml")
                    && !f.toString().contains("crds")).toList()) {
                JsonNode node = YAML.readTree(file.toFile());
                if (kind.equals(node.path("kind").asText()) && name.equals(node.path("metadata").path("name").asText())) {
                    return node;
                }
            }
        }
        throw new AssertionError("no " + kind + " named " + name + " under deploy/");
    }

    /** What the sandbox of the key's provider accepts (kessai.sandbox.<id>.<name> default), else null (it makes one). */
    private static String sandboxValue(String key) {
        for (ProviderModule module : ProviderModules.discover()) {
            String prefix = "kessai.providers." + module.id() + ".";
            if (key.startsWith(prefix)) {
                String sandboxKey = "kessai.sandbox." + module.id() + "." + key.substring(prefix.length());
                for (Setting s : module.settings()) {
                    if (s.key().equals(sandboxKey) && s.defaultValue() != null) {
                        return s.defaultValue();
                    }
                }
            }
        }
        return key.equals("kessai.db.password") ? "" : null;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void theIntegrationsConfigurationIsTheProdProfileOnPostgresql() {
        assertThat(configMapProperties).containsEntry("camel.main.configuration-classes",
                "io.kessai.runtime.KessaiCamelConfiguration");
        assertThat(configMapProperties.get("kessai.db.url")).startsWith("jdbc:postgresql://");
        assertThat(configMapProperties).containsEntry("kessai.sandbox.enabled", "false");
        assertThat(configMapProperties.keySet()).as("no secret in the ConfigMap")
                .noneMatch(k -> k.endsWith("password") || k.endsWith("-key") || k.endsWith("secret") || k.endsWith("-pass"));
        CamelContext context = main.getCamelContext();
        assertThat(context.resolvePropertyPlaceholders("{{kessai.events.uri}}")).isEqualTo("direct:kessai-events");
        assertThat(context.resolvePropertyPlaceholders("{{kessai.db.pool-size}}"))
                .isEqualTo(configMapProperties.get("kessai.db.pool-size"));
    }

    @Test
    void everyRouteOfKessaiAndOfTheIntegrationStarts() {
        CamelContext context = main.getCamelContext();
        List<String> ids = context.getRoutes().stream().map(r -> r.getRouteId()).toList();
        assertThat(ids).contains("kessai-events-out", "kessai-pay", "kessai-outbox-relay", "kessai-janitor",
                "kessai-scheduled-captures", "gmo-pg-charge", "payjp-charge");
        assertThat(context.getRoutes()).as("the HTTP API on platform-http")
                .anyMatch(r -> r.getEndpoint().getEndpointUri().startsWith("rest://post:/payments?consumerComponentName=platform-http"));
        for (String id : ids) {
            assertThat(context.getRouteController().getRouteStatus(id)).as(id).isEqualTo(ServiceStatus.Started);
        }
    }

    @Test
    void aPaymentThroughTheApiReachesTheSandboxAndItsEventLeavesThroughTheIntegrationsFlow() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        String order = Orders.json(Orders.gmoCard("tok_camel_k"));
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/payments"))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(order)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(201);
        JsonNode result = JSON.readTree(answer.body());
        assertThat(result.path("status").asText()).isEqualTo("captured");
        String paymentId = result.path("paymentId").asText();

        ConsumerTemplate consumer = main.getCamelContext().createConsumerTemplate();
        Exchange event = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            Exchange e = consumer.receive("seda:integration-events", 1000);
            if (e != null && paymentId.equals(e.getMessage().getHeader("KessaiPaymentId"))
                    && "payment.captured".equals(e.getMessage().getHeader("KessaiEventType"))) {
                event = e;
                break;
            }
        }
        assertThat(event).as("payment.captured of " + paymentId + " at the events sink").isNotNull();
        JsonNode body = JSON.readTree(event.getMessage().getBody(String.class));
        assertThat(body.path("type").asText()).isEqualTo("payment.captured");
        assertThat(body.path("paymentId").asText()).isEqualTo(paymentId);
    }

    @Test
    void theProbesPathsAnswerOnTheManagementPort() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        for (String path : List.of("/observe/health/live", "/observe/health/ready")) {
            HttpResponse<String> answer = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + managementPort + path)).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).as(path + ": " + answer.body()).isEqualTo(200);
        }
    }
}
