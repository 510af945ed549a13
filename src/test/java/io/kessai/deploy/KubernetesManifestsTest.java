package io.kessai.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.kessai.provider.ProviderModule;
import io.kessai.provider.ProviderModules;
import io.kessai.provider.Setting;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every manifest Kessai ships (deploy/ and the Kamelets in kamelets/) against the Camel K and Kubernetes schemas shipped
 * beside them (no cluster is needed), and the rules the manifests must keep between them: no secret inline, the
 * ConfigMap's prod profile is the jar's, every secret setting has its Secret key and its environment variable, the
 * probes point at the management server's health paths, the Quartz routes are not turned into CronJobs, and the
 * Dockerfile copies what the build makes.
 */
class KubernetesManifestsTest {
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final String LIVE = "/observe/health/live";
    private static final String READY = "/observe/health/ready";
    private static ManifestSchemas schemas;
    private static final Map<Path, JsonNode> MANIFESTS = new LinkedHashMap<>();

    @BeforeAll
    static void readManifestsAndSchemas() throws IOException {
        schemas = new ManifestSchemas();
        try (Stream<Path> files = Stream.concat(Files.walk(Path.of("deploy")), Files.list(Path.of("kamelets")))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml") && !f.toString().endsWith(".camel.yaml")
                            && !f.startsWith(ManifestSchemas.CRDS))
                    .sorted().toList()) {
                MANIFESTS.put(file, YAML.readTree(file.toFile()));
            }
        }
    }

    private static JsonNode one(String kind, String name) {
        return MANIFESTS.values().stream()
                .filter(m -> kind.equals(m.path("kind").asText()) && name.equals(m.path("metadata").path("name").asText()))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name + " among " + MANIFESTS.keySet()));
    }

    private static int managementPort() throws IOException {
        // kessai.management.port's default (camel-main's management server); the ConfigMap names the same default
        Properties defaults = new Properties();
        defaults.load(new StringReader(Files.readString(Path.of("config/kessai.properties"))));
        return Integer.parseInt(defaults.getProperty("kessai.management.port", "9876").trim());
    }

    private static int httpPort() throws IOException {
        Properties defaults = new Properties();
        defaults.load(new StringReader(Files.readString(Path.of("config/kessai.properties"))));
        return Integer.parseInt(defaults.getProperty("kessai.http.port").trim());
    }

    private static Properties configMapFile(String key) throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(one("ConfigMap", "kessai-config").path("data").path(key).asText()));
        return p;
    }

    @Test
    void everyShippedManifestIsValidAgainstItsCamelKOrKubernetesSchema() {
        assertThat(MANIFESTS.values()).extracting(m -> m.path("kind").asText())
                .contains("Integration", "Kamelet", "ConfigMap", "Secret", "Deployment", "Service");
        MANIFESTS.forEach((file, manifest) ->
                assertThat(schemas.validate(manifest)).as(file + " against its schema").isEmpty());
    }

    @Test
    void theSchemasRefuseAnUnknownFieldAndAWrongType() {
        ObjectNode integration = one("Integration", "kessai").deepCopy();
        ((ObjectNode) integration.path("spec").path("traits").path("health")).put("livenessPath", "/health");
        assertThat(schemas.validate(integration)).anyMatch(m -> m.contains("livenessPath"));

        ObjectNode kamelet = one("Kamelet", "kessai-pay-action").deepCopy();
        ((ObjectNode) kamelet.path("spec")).put("dependencies", "camel:direct");
        assertThat(schemas.validate(kamelet)).anyMatch(m -> m.contains("dependencies"));

        ObjectNode deployment = one("Deployment", "kessai").deepCopy();
        ((ObjectNode) deployment.path("spec")).put("replicas", "two");
        assertThat(schemas.validate(deployment)).anyMatch(m -> m.contains("replicas"));

        ObjectNode pipe = YAML.createObjectNode().put("apiVersion", "camel.apache.org/v1").put("kind", "Pipe");
        pipe.putObject("metadata").put("name", "p");
        pipe.putObject("spec").putObject("source").put("uri", "kamelet:kessai-events-source").put("bogus", 1);
        assertThat(schemas.validate(pipe)).anyMatch(m -> m.contains("bogus"));
    }

    @Test
    void theIntegrationRunsTheLibraryJarWithPropertiesFromTheConfigMapAndSecretsFromTheSecretNeverInline() throws IOException {
        JsonNode spec = one("Integration", "kessai").path("spec");
        String version = pomVersion();
        assertThat(spec.path("dependencies")).extracting(JsonNode::asText).contains("mvn:io.kessai:kessai:" + version);
        assertThat(spec.path("traits").path("mount").path("configs")).extracting(JsonNode::asText)
                .containsExactly("configmap:kessai-config", "secret:kessai-secrets");
        one("ConfigMap", "kessai-config");
        one("Secret", "kessai-secrets");
        assertThat(spec.has("configuration")).as("no inline configuration").isFalse();
        assertThat(spec.path("traits").path("camel").has("properties")).as("no inline properties").isFalse();
        assertThat(spec.path("traits").has("environment")).isFalse();
        assertThat(YAML.readTree(Path.of("deploy/camel-k/kessai-events-out.camel.yaml").toFile()))
                .as("the flow file for kamel run is the Integration's flows").isEqualTo(spec.path("flows"));
        // the flows use only Kamelets Kessai ships, and placeholders the ConfigMap defines
        String flows = YAML.writeValueAsString(spec.path("flows"));
        Matcher kamelets = Pattern.compile("kamelet:([a-z0-9-]+)").matcher(flows);
        while (kamelets.find()) {
            assertThat(Path.of("kamelets", kamelets.group(1) + ".kamelet.yaml")).exists();
        }
        Properties camelK = configMapFile("camel-k.properties");
        Matcher placeholders = Pattern.compile("\\{\\{([^}:]+)}}").matcher(flows);
        while (placeholders.find()) {
            assertThat(camelK.stringPropertyNames()).contains(placeholders.group(1));
        }
        assertThat(camelK.getProperty("camel.main.configuration-classes")).isEqualTo("io.kessai.runtime.KessaiCamelConfiguration");
        assertThat(camelK.getProperty("kessai.events.uri")).as("the relay feeds kessai-events-source").isEqualTo("direct:kessai-events");
    }

    @Test
    void theQuartzRoutesStayInsideKessaiTheCronTraitIsOff() throws IOException {
        assertThat(one("Integration", "kessai").path("spec").path("traits").path("cron").path("enabled").asBoolean(true))
                .isFalse();
        // the routes the cron trait would otherwise turn into CronJobs
        assertThat(Files.readString(Path.of("routes/schedules.camel.yaml"))).contains("quartz://");
    }

    @Test
    void theIntegrationsProbesAreTheManagementServersHealthPaths() throws IOException {
        JsonNode health = one("Integration", "kessai").path("spec").path("traits").path("health");
        int port = managementPort();
        assertThat(health.path("enabled").asBoolean()).isTrue();
        for (String probe : List.of("liveness", "readiness", "startup")) {
            assertThat(health.path(probe + "ProbeEnabled").asBoolean()).as(probe).isTrue();
            assertThat(health.path(probe + "Port").asInt()).as(probe).isEqualTo(port);
        }
        assertThat(health.path("livenessProbe").asText()).isEqualTo(LIVE);
        assertThat(health.path("startupProbe").asText()).isEqualTo(LIVE);
        assertThat(health.path("readinessProbe").asText()).isEqualTo(READY);
        Properties camelK = configMapFile("camel-k.properties");
        assertThat(camelK.getProperty("camel.management.enabled")).isEqualTo("true");
        assertThat(camelK.getProperty("camel.management.health-check-enabled")).isEqualTo("true");
        assertThat(camelK.getProperty("camel.management.port")).isEqualTo("{{kessai.management.port:" + port + "}}");
        assertThat(one("Integration", "kessai").path("spec").path("traits").path("container").path("port").asInt())
                .isEqualTo(httpPort());
    }

    @Test
    void theConfigMapsProdProfileIsTheJarsAndHoldsNoSecret() throws IOException {
        JsonNode data = one("ConfigMap", "kessai-config").path("data");
        assertThat(data.path("application-prod.properties").asText())
                .isEqualTo(Files.readString(Path.of("config/application-prod.properties"), StandardCharsets.UTF_8));
        Set<String> secrets = secretSettings();
        for (String file : List.of("application-prod.properties", "camel-k.properties")) {
            assertThat(configMapFile(file).stringPropertyNames()).as(file).doesNotContainAnyElementsOf(secrets);
        }
        assertThat(configMapFile("application-prod.properties").getProperty("kessai.db.url")).startsWith("jdbc:postgresql://");
    }

    @Test
    void theSecretHasAKeyForEverySecretSettingAndShipsNoValue() {
        JsonNode secret = one("Secret", "kessai-secrets");
        Set<String> keys = new TreeSet<>();
        secret.path("stringData").fields().forEachRemaining(e -> {
            keys.add(e.getKey());
            assertThat(e.getValue().asText()).as(e.getKey() + " ships no value").isEmpty();
        });
        assertThat(secret.has("data")).isFalse();
        assertThat(keys).isEqualTo(secretSettings());
    }

    @Test
    void theDeploymentMapsEverySecretToItsEnvironmentVariableAndProbesTheManagementPort() throws IOException {
        JsonNode container = one("Deployment", "kessai").path("spec").path("template").path("spec").path("containers").get(0);
        Map<String, String> envFromSecret = new LinkedHashMap<>();
        String profile = null;
        for (JsonNode env : container.path("env")) {
            JsonNode ref = env.path("valueFrom").path("secretKeyRef");
            if (!ref.isMissingNode()) {
                assertThat(ref.path("name").asText()).isEqualTo("kessai-secrets");
                envFromSecret.put(ref.path("key").asText(), env.path("name").asText());
            } else if (env.path("name").asText().equals("CAMEL_MAIN_PROFILE")) {
                profile = env.path("value").asText();
            } else {
                assertThat(env.path("name").asText()).as("a plain env var that is not a secret setting")
                        .isNotIn(secretSettings().stream().map(KubernetesManifestsTest::envName).toList());
            }
        }
        assertThat(profile).isEqualTo("prod");
        assertThat(envFromSecret.keySet()).isEqualTo(secretSettings());
        envFromSecret.forEach((key, env) -> assertThat(env).as(key).isEqualTo(envName(key)));

        int http = httpPort();
        int management = managementPort();
        Map<String, Integer> ports = new LinkedHashMap<>();
        container.path("ports").forEach(p -> ports.put(p.path("name").asText(), p.path("containerPort").asInt()));
        assertThat(ports).containsEntry("http", http).containsEntry("management", management);
        for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            JsonNode get = container.path(probe).path("httpGet");
            assertThat(get.path("port").asText()).as(probe).isEqualTo("management");
            assertThat(get.path("path").asText()).as(probe).isEqualTo(probe.equals("readinessProbe") ? READY : LIVE);
        }
        // the prod profile's file lands where KessaiMain reads it: config/ in the image's working directory
        JsonNode mount = container.path("volumeMounts").get(0);
        assertThat(mount.path("mountPath").asText()).isEqualTo(workdir() + "/config/application-prod.properties");
        assertThat(one("Service", "kessai").path("spec").path("ports").get(0).path("targetPort").asText()).isEqualTo("http");
    }

    @Test
    void theDockerfileCopiesWhatTheBuildMakesAndExposesBothPorts() throws IOException {
        List<String> lines = dockerfile();
        String pom = Files.readString(Path.of("pom.xml"));
        assertThat(pom).contains("<finalName>kessai</finalName>");
        List<String> copies = lines.stream().filter(l -> l.startsWith("COPY ")).toList();
        assertThat(copies).isNotEmpty();
        for (String copy : copies) {
            String[] words = copy.replaceAll("--chown=\\S+\\s*", "").split("\\s+");
            String source = words[1];
            // target/kessai.jar is what `mvn package` makes (the shade plugin's finalName); anything else must exist
            assertThat(source.equals("target/kessai.jar") || Files.exists(Path.of(source))).as(copy).isTrue();
        }
        String jar = copies.get(0).split("\\s+")[copies.get(0).split("\\s+").length - 1];
        assertThat(lines).anyMatch(l -> l.startsWith("ENTRYPOINT") && l.contains("\"" + jar + "\""));
        String expose = "EXPOSE " + httpPort() + " " + managementPort();
        assertThat(lines).anyMatch(l -> l.equals(expose));
        assertThat(lines).anyMatch(l -> l.matches("USER \\d+"));
    }

    private static List<String> dockerfile() throws IOException {
        return Files.readAllLines(Path.of("deploy/kubernetes/Dockerfile")).stream().map(String::trim)
                .filter(l -> !l.startsWith("#") && !l.isEmpty()).toList();
    }

    private static String workdir() throws IOException {
        return dockerfile().stream().filter(l -> l.startsWith("WORKDIR ")).map(l -> l.substring(8).trim()).findFirst()
                .orElseThrow();
    }

    /**
     * The core's secrets (the store's password, the management port's) and every secret setting of the provider
     * modules (their kessai.providers.* keys).
     */
    static Set<String> secretSettings() {
        Set<String> keys = new TreeSet<>(Set.of("kessai.db.password", "kessai.management.auth.password"));
        for (ProviderModule module : ProviderModules.discover()) {
            for (Setting s : module.settings()) {
                if (s.secret() && s.key().startsWith("kessai.providers.")) {
                    keys.add(s.key());
                }
            }
        }
        return keys;
    }

    /** The contract's environment variable of a key: upper-cased, every character outside [A-Z0-9] as _. */
    static String envName(String key) {
        return key.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    private static String pomVersion() throws IOException {
        Matcher m = Pattern.compile("<artifactId>kessai</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(Files.readString(Path.of("pom.xml")));
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    static List<Path> manifestFiles() {
        return new ArrayList<>(MANIFESTS.keySet());
    }
}
