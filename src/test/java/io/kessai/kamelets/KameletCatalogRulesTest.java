package io.kessai.kamelets;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The catalog rules of kamelets/README.md, checked on every file in kamelets/ (whoever added it): the camel-kamelets
 * format (name = file stem, type label, definition with titled and described properties, secrets as passwords in the
 * credentials group, dependencies declared), templates that use every property they define and only endpoints Kessai
 * serves, and a test that runs each Kamelet. Each rule reports the file and what is wrong.
 */
class KameletCatalogRulesTest {
    private static final Path KAMELETS = Path.of("kamelets");
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final Set<String> TYPES = Set.of("source", "action", "sink");
    private static final Set<String> PROPERTY_TYPES = Set.of("string", "integer", "number", "boolean", "array", "object");
    /** A property whose name says it holds a credential. */
    private static final Pattern SECRET_NAME = Pattern.compile(
            "(?i).*(password|secret|token|api-?key|access-?key|private-?key|credential).*");
    private static final String CREDENTIALS = "urn:camel:group:credentials";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\??([A-Za-z0-9_.-]+)(?::[^}]*)?}}");
    private static final Pattern URI = Pattern.compile("(?m)^\\s*(?:-\\s*)?(?:uri|to|toD|wireTap):\\s*\"?([a-z][a-z0-9+.-]*):([^\"\\s?]*)");
    private static final Map<Path, JsonNode> CATALOG = new LinkedHashMap<>();
    private static final Map<Path, String> TEXT = new LinkedHashMap<>();

    @BeforeAll
    static void readTheCatalog() throws IOException {
        try (Stream<Path> files = Files.list(KAMELETS)) {
            for (Path file : files.filter(f -> !f.getFileName().toString().equals("README.md")).sorted().toList()) {
                TEXT.put(file, Files.readString(file));
                CATALOG.put(file, YAML.readTree(file.toFile()));
            }
        }
    }

    private static String stem(Path file) {
        return file.getFileName().toString().replaceFirst("\\.kamelet\\.yaml$", "");
    }

    @Test
    void everyFileIsOneKameletNamedAfterItsFileWithItsTypeLabelAndCatalogAnnotations() throws IOException {
        String version = pomVersion().replace("-SNAPSHOT", "");
        SoftAssertions soft = new SoftAssertions();
        for (Map.Entry<Path, JsonNode> e : CATALOG.entrySet()) {
            Path file = e.getKey();
            JsonNode k = e.getValue();
            soft.assertThat(file.getFileName().toString()).as(file + ": file name").endsWith(".kamelet.yaml");
            soft.assertThat(k.path("apiVersion").asText()).as(file + ": apiVersion").isEqualTo("camel.apache.org/v1");
            soft.assertThat(k.path("kind").asText()).as(file + ": kind").isEqualTo("Kamelet");
            String name = k.path("metadata").path("name").asText();
            soft.assertThat(name).as(file + ": metadata.name is the file stem").isEqualTo(stem(file));
            soft.assertThat(name).as(file + ": name").matches("kessai-[a-z0-9]+(-[a-z0-9]+)*");
            String type = k.path("metadata").path("labels").path("camel.apache.org/kamelet.type").asText();
            soft.assertThat(TYPES).as(file + ": label camel.apache.org/kamelet.type").contains(type);
            soft.assertThat(name).as(file + ": the name ends with its type").endsWith("-" + type);
            JsonNode annotations = k.path("metadata").path("annotations");
            soft.assertThat(annotations.path("camel.apache.org/provider").asText()).as(file + ": provider").isEqualTo("Kessai");
            soft.assertThat(annotations.path("camel.apache.org/kamelet.group").asText()).as(file + ": group").isEqualTo("Kessai");
            soft.assertThat(annotations.path("camel.apache.org/catalog.version").asText()).as(file + ": catalog.version")
                    .isEqualTo(version);
            soft.assertThat(annotations.path("camel.apache.org/kamelet.support.level").asText()).as(file + ": support level")
                    .isIn("Stable", "Preview", "Experimental");
        }
        soft.assertAll();
    }

    @Test
    void everyDefinitionHasATitleADescriptionAndTitledDescribedTypedProperties() {
        SoftAssertions soft = new SoftAssertions();
        CATALOG.forEach((file, k) -> {
            JsonNode definition = k.path("spec").path("definition");
            soft.assertThat(definition.path("title").asText()).as(file + ": definition.title").isNotBlank();
            soft.assertThat(definition.path("description").asText()).as(file + ": definition.description").isNotBlank();
            soft.assertThat(definition.path("type").asText()).as(file + ": definition.type").isEqualTo("object");
            soft.assertThat(definition.path("properties").isObject()).as(file + ": definition.properties").isTrue();
            definition.path("properties").fields().forEachRemaining(p -> {
                String where = file + ": property " + p.getKey();
                JsonNode prop = p.getValue();
                soft.assertThat(prop.path("title").asText()).as(where + " title").isNotBlank();
                soft.assertThat(prop.path("description").asText()).as(where + " description").isNotBlank();
                soft.assertThat(PROPERTY_TYPES).as(where + " type").contains(prop.path("type").asText());
                if (prop.has("enum") && prop.has("default")) {
                    soft.assertThat(prop.path("enum")).as(where + " default among the enum").contains(prop.get("default"));
                }
            });
            for (JsonNode required : definition.path("required")) {
                soft.assertThat(definition.path("properties").has(required.asText()))
                        .as(file + ": required " + required.asText() + " is a property").isTrue();
            }
        });
        soft.assertAll();
    }

    @Test
    void aSecretPropertyIsAPasswordInTheCredentialsGroupAndOnlyASecretIs() {
        SoftAssertions soft = new SoftAssertions();
        CATALOG.forEach((file, k) -> k.path("spec").path("definition").path("properties").fields().forEachRemaining(p -> {
            String where = file + ": property " + p.getKey();
            JsonNode prop = p.getValue();
            boolean password = "password".equals(prop.path("format").asText());
            Set<String> descriptors = new TreeSet<>();
            prop.path("x-descriptors").forEach(d -> descriptors.add(d.asText()));
            if (SECRET_NAME.matcher(p.getKey()).matches() || password || descriptors.contains(CREDENTIALS)) {
                soft.assertThat(password).as(where + " is a secret: format: password").isTrue();
                soft.assertThat(descriptors).as(where + " is a secret: x-descriptors").contains(CREDENTIALS);
                soft.assertThat(prop.has("default")).as(where + " is a secret: no default").isFalse();
                soft.assertThat(prop.has("example")).as(where + " is a secret: no example").isFalse();
            }
        }));
        soft.assertAll();
    }

    @Test
    void dependenciesNameTheKessaiJarAndEveryComponentTheTemplateUses() throws IOException {
        String jar = "mvn:io.kessai:kessai:" + pomVersion();
        SoftAssertions soft = new SoftAssertions();
        CATALOG.forEach((file, k) -> {
            Set<String> dependencies = new LinkedHashSet<>();
            k.path("spec").path("dependencies").forEach(d -> dependencies.add(d.asText()));
            soft.assertThat(dependencies).as(file + ": spec.dependencies").contains("camel:kamelet", jar);
            for (String d : dependencies) {
                soft.assertThat(d).as(file + ": dependency").matches("camel:[a-z0-9-]+|mvn:[^:\\s]+:[^:\\s]+:[^:\\s]+");
            }
            String template = template(file);
            for (String scheme : schemes(template)) {
                soft.assertThat(dependencies).as(file + ": the template uses " + scheme + ":").contains("camel:" + scheme);
            }
            if (template.contains("- bean:")) {
                soft.assertThat(dependencies).as(file + ": the template has a bean step").contains("camel:bean");
            }
        });
        soft.assertAll();
    }

    @Test
    void templatesHaveTheShapeOfTheirTypeAndUseEveryPropertyTheyDefine() {
        SoftAssertions soft = new SoftAssertions();
        CATALOG.forEach((file, k) -> {
            String type = k.path("metadata").path("labels").path("camel.apache.org/kamelet.type").asText();
            String from = k.path("spec").path("template").path("from").path("uri").asText();
            String template = template(file);
            switch (type) {
                case "source" -> {
                    soft.assertThat(from).as(file + ": a source does not start from kamelet:source").isNotEqualTo("kamelet:source");
                    soft.assertThat(template).as(file + ": a source ends in kamelet:sink").contains("kamelet:sink");
                }
                case "action" -> soft.assertThat(from).as(file + ": an action starts from kamelet:source")
                        .isEqualTo("kamelet:source");
                case "sink" -> {
                    soft.assertThat(from).as(file + ": a sink starts from kamelet:source").isEqualTo("kamelet:source");
                    soft.assertThat(template).as(file + ": a sink strips the dispatch header").contains("CamelHttpUri");
                }
                default -> soft.fail(file + ": unknown type " + type);
            }
            Set<String> defined = new TreeSet<>();
            k.path("spec").path("definition").path("properties").fieldNames().forEachRemaining(defined::add);
            Set<String> used = new TreeSet<>();
            Matcher m = PLACEHOLDER.matcher(template);
            while (m.find()) {
                used.add(m.group(1));
            }
            soft.assertThat(defined).as(file + ": every placeholder of the template is a property").containsAll(used);
            soft.assertThat(used).as(file + ": every property is used by the template").containsAll(defined);
        });
        soft.assertAll();
    }

    @Test
    void everyKessaiEndpointATemplateCallsIsServedByKessaisRoutes() throws IOException {
        Set<String> served = new TreeSet<>();
        try (Stream<Path> routes = Files.walk(Path.of("routes"))) {
            for (Path r : routes.filter(f -> f.toString().endsWith(".camel.yaml")).toList()) {
                Matcher m = Pattern.compile("(?m)^\\s*uri:\\s*\"?(direct:[a-z0-9-]+)").matcher(Files.readString(r));
                while (m.find()) {
                    served.add(m.group(1));
                }
            }
        }
        SoftAssertions soft = new SoftAssertions();
        CATALOG.forEach((file, k) -> {
            JsonNode steps = k.path("spec").path("template").path("from").path("steps");
            Matcher m = Pattern.compile("(direct:kessai-[a-z0-9-]+)").matcher(steps.toString());
            while (m.find()) {
                soft.assertThat(served).as(file + ": " + m.group(1) + " is served by a route in routes/").contains(m.group(1));
            }
        });
        soft.assertAll();
    }

    @Test
    void everyKameletIsRunByATest() throws IOException {
        StringBuilder tests = new StringBuilder();
        try (Stream<Path> files = Files.walk(Path.of("src/test/java"))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".java")
                    && !f.getFileName().toString().equals("KameletCatalogRulesTest.java")).toList()) {
                tests.append(Files.readString(f));
            }
        }
        String readme = Files.readString(Path.of("README.md"));
        List<String> unrun = new ArrayList<>();
        for (Path file : CATALOG.keySet()) {
            String name = stem(file);
            // by name in a test, or as a README route block that a test loads (KameletsInUseTest)
            boolean named = tests.indexOf("kamelet:" + name) >= 0 || tests.indexOf("\"" + name + "\"") >= 0;
            boolean viaPrefix = prefixedCall(tests, name);
            if (!named && !viaPrefix) {
                unrun.add(name);
            }
        }
        assertThat(unrun).as("Kamelets no test runs (name them as kamelet:<name> in a test against the sandboxes)").isEmpty();
        assertThat(readme).contains("kamelets/README.md");
    }

    /** A test that builds the Kamelet's URI from a prefix and the operation ("kamelet:kessai-payjp-merchant-" + name + "-action"). */
    private static boolean prefixedCall(CharSequence tests, String name) {
        Matcher m = Pattern.compile("\"kamelet:([a-z0-9-]+-)\"\\s*\\+\\s*\\w+\\s*\\+\\s*\"(-[a-z]+)\"").matcher(tests);
        while (m.find()) {
            String prefix = m.group(1);
            String suffix = m.group(2);
            if (name.startsWith(prefix) && name.endsWith(suffix)) {
                String operation = name.substring(prefix.length(), name.length() - suffix.length());
                if (Pattern.compile("\"" + Pattern.quote(operation) + "\"").matcher(tests).find()) {
                    return true;
                }
            }
        }
        return false;
    }

    private static String template(Path file) {
        String text = TEXT.get(file);
        int at = text.indexOf("\n  template:");
        return at < 0 ? "" : text.substring(at);
    }

    /** The URI schemes the template's endpoints use (kamelet:source and kamelet:sink count as kamelet). */
    private static Set<String> schemes(String template) {
        Set<String> schemes = new TreeSet<>();
        Matcher m = URI.matcher(template);
        while (m.find()) {
            schemes.add(m.group(1));
        }
        return schemes;
    }

    private static String pomVersion() throws IOException {
        Matcher m = Pattern.compile("<artifactId>kessai</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(Files.readString(Path.of("pom.xml")));
        assertThat(m.find()).isTrue();
        return m.group(1);
    }
}
