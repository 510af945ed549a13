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

    /** Each rule collects every breach (file and what is wrong) and fails once with all of them. */
    private static final class Breaches {
        private final List<String> found = new ArrayList<>();

        void check(boolean kept, String breach) {
            if (!kept) {
                found.add(breach);
            }
        }

        void assertNone() {
            assertThat(found).as("catalog rules broken (kamelets/README.md)").isEmpty();
        }
    }

    @Test
    void everyFileIsOneKameletNamedAfterItsFileWithItsTypeLabelAndCatalogAnnotations() throws IOException {
        String version = pomVersion().replace("-SNAPSHOT", "");
        Breaches b = new Breaches();
        for (Map.Entry<Path, JsonNode> e : CATALOG.entrySet()) {
            Path file = e.getKey();
            JsonNode k = e.getValue();
            b.check(file.getFileName().toString().endsWith(".kamelet.yaml"), file + ": the file name ends with .kamelet.yaml");
            b.check(k.path("apiVersion").asText().equals("camel.apache.org/v1"), file + ": apiVersion is camel.apache.org/v1");
            b.check(k.path("kind").asText().equals("Kamelet"), file + ": kind is Kamelet");
            String name = k.path("metadata").path("name").asText();
            b.check(name.equals(stem(file)), file + ": metadata.name " + name + " is not the file stem " + stem(file));
            b.check(name.matches("kessai-[a-z0-9]+(-[a-z0-9]+)*"), file + ": the name is kessai-[a-z0-9-]+");
            String type = k.path("metadata").path("labels").path("camel.apache.org/kamelet.type").asText();
            b.check(TYPES.contains(type), file + ": label camel.apache.org/kamelet.type is source, action or sink, not " + type);
            b.check(name.endsWith("-" + type), file + ": the name ends with its type -" + type);
            JsonNode annotations = k.path("metadata").path("annotations");
            b.check(annotations.path("camel.apache.org/provider").asText().equals("Kessai"), file + ": provider is Kessai");
            b.check(annotations.path("camel.apache.org/kamelet.group").asText().equals("Kessai"), file + ": group is Kessai");
            b.check(annotations.path("camel.apache.org/catalog.version").asText().equals(version),
                    file + ": catalog.version is " + version);
            b.check(Set.of("Stable", "Preview", "Experimental")
                    .contains(annotations.path("camel.apache.org/kamelet.support.level").asText()), file + ": support level");
        }
        b.assertNone();
    }

    @Test
    void everyDefinitionHasATitleADescriptionAndTitledDescribedTypedProperties() {
        Breaches b = new Breaches();
        CATALOG.forEach((file, k) -> {
            JsonNode definition = k.path("spec").path("definition");
            b.check(!definition.path("title").asText().isBlank(), file + ": definition.title");
            b.check(!definition.path("description").asText().isBlank(), file + ": definition.description");
            b.check(definition.path("type").asText().equals("object"), file + ": definition.type is object");
            b.check(definition.path("properties").isObject(), file + ": definition.properties ({} when none)");
            definition.path("properties").fields().forEachRemaining(p -> {
                String where = file + ": property " + p.getKey();
                JsonNode prop = p.getValue();
                b.check(!prop.path("title").asText().isBlank(), where + " has a title");
                b.check(!prop.path("description").asText().isBlank(), where + " has a description");
                b.check(PROPERTY_TYPES.contains(prop.path("type").asText()), where + " has a JSON Schema type");
                if (prop.has("enum") && prop.has("default")) {
                    List<JsonNode> values = new ArrayList<>();
                    prop.path("enum").forEach(values::add);
                    b.check(values.contains(prop.get("default")), where + ": the default is one of the enum");
                }
            });
            for (JsonNode required : definition.path("required")) {
                b.check(definition.path("properties").has(required.asText()),
                        file + ": required " + required.asText() + " is a property");
            }
        });
        b.assertNone();
    }

    @Test
    void aSecretPropertyIsAPasswordInTheCredentialsGroupAndOnlyASecretIs() {
        Breaches b = new Breaches();
        CATALOG.forEach((file, k) -> k.path("spec").path("definition").path("properties").fields().forEachRemaining(p -> {
            String where = file + ": property " + p.getKey() + " is a secret: ";
            JsonNode prop = p.getValue();
            boolean password = "password".equals(prop.path("format").asText());
            Set<String> descriptors = new TreeSet<>();
            prop.path("x-descriptors").forEach(d -> descriptors.add(d.asText()));
            if (SECRET_NAME.matcher(p.getKey()).matches() || password || descriptors.contains(CREDENTIALS)) {
                b.check(password, where + "format: password");
                b.check(descriptors.contains(CREDENTIALS), where + "x-descriptors: [" + CREDENTIALS + "]");
                b.check(!prop.has("default"), where + "no default");
                b.check(!prop.has("example"), where + "no example");
            }
        }));
        b.assertNone();
    }

    @Test
    void dependenciesNameTheKessaiJarAndEveryComponentTheTemplateUses() throws IOException {
        String jar = "mvn:io.kessai:kessai:" + pomVersion();
        Breaches b = new Breaches();
        CATALOG.forEach((file, k) -> {
            Set<String> dependencies = new LinkedHashSet<>();
            k.path("spec").path("dependencies").forEach(d -> dependencies.add(d.asText()));
            b.check(dependencies.contains("camel:kamelet"), file + ": spec.dependencies lists camel:kamelet");
            b.check(dependencies.contains(jar), file + ": spec.dependencies lists " + jar);
            for (String d : dependencies) {
                b.check(d.matches("camel:[a-z0-9-]+|mvn:[^:\\s]+:[^:\\s]+:[^:\\s]+"),
                        file + ": dependency " + d + " is camel:<component> or mvn:<group>:<artifact>:<version>");
            }
            String template = template(file);
            for (String scheme : schemes(template)) {
                b.check(dependencies.contains("camel:" + scheme), file + ": the template uses " + scheme + ": without camel:" + scheme);
            }
            if (template.contains("- bean:")) {
                b.check(dependencies.contains("camel:bean"), file + ": the template has a bean step without camel:bean");
            }
        });
        b.assertNone();
    }

    @Test
    void templatesHaveTheShapeOfTheirTypeAndUseEveryPropertyTheyDefine() {
        Breaches b = new Breaches();
        CATALOG.forEach((file, k) -> {
            String type = k.path("metadata").path("labels").path("camel.apache.org/kamelet.type").asText();
            String from = k.path("spec").path("template").path("from").path("uri").asText();
            String template = template(file);
            switch (type) {
                case "source" -> {
                    b.check(!from.equals("kamelet:source"), file + ": a source starts from its own endpoint");
                    b.check(template.contains("kamelet:sink"), file + ": a source ends in kamelet:sink");
                }
                case "action" -> b.check(from.equals("kamelet:source"), file + ": an action starts from kamelet:source");
                case "sink" -> {
                    b.check(from.equals("kamelet:source"), file + ": a sink starts from kamelet:source");
                    b.check(template.contains("CamelHttpUri"), file + ": a sink strips the dispatch header CamelHttpUri");
                }
                default -> b.check(false, file + ": unknown type " + type);
            }
            Set<String> defined = new TreeSet<>();
            k.path("spec").path("definition").path("properties").fieldNames().forEachRemaining(defined::add);
            Set<String> used = new TreeSet<>();
            Matcher m = PLACEHOLDER.matcher(template);
            while (m.find()) {
                used.add(m.group(1));
            }
            for (String u : used) {
                b.check(defined.contains(u), file + ": the template's {{" + u + "}} is not a defined property");
            }
            for (String d : defined) {
                b.check(used.contains(d), file + ": property " + d + " is not used by the template");
            }
        });
        b.assertNone();
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
        Breaches b = new Breaches();
        CATALOG.forEach((file, k) -> {
            JsonNode steps = k.path("spec").path("template").path("from").path("steps");
            Matcher m = Pattern.compile("(direct:kessai-[a-z0-9-]+)").matcher(steps.toString());
            while (m.find()) {
                b.check(served.contains(m.group(1)), file + ": " + m.group(1) + " is served by no route in routes/");
            }
        });
        b.assertNone();
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
