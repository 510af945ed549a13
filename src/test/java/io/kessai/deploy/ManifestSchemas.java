package io.kessai.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The schemas shipped under deploy/ for the manifests Kessai ships: the Camel K CRDs (deploy/camel-k/crds, from
 * apache/camel-k) with their openAPIV3Schema turned into JSON Schema, and the Kubernetes JSON schemas
 * (deploy/kubernetes/schemas, the "standalone-strict" form of yannh/kubernetes-json-schema for Kubernetes 1.32.2).
 * Strict as {@code kubectl apply --validate=strict} is: a field a schema does not define is an error, except under
 * {@code x-kubernetes-preserve-unknown-fields}.
 */
final class ManifestSchemas {
    static final Path CRDS = Path.of("deploy/camel-k/crds");
    static final Path KUBERNETES = Path.of("deploy/kubernetes/schemas");
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> KUBERNETES_FILES = Map.of(
            "v1/ConfigMap", "configmap-v1.json",
            "v1/Secret", "secret-v1.json",
            "v1/Service", "service-v1.json",
            "apps/v1/Deployment", "deployment-apps-v1.json");

    private final JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4);
    private final SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(false).build();
    private final Map<String, JsonSchema> schemas = new HashMap<>();

    ManifestSchemas() throws IOException {
        try (var files = Files.list(CRDS)) {
            for (Path crd : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
                JsonNode node = YAML.readTree(crd.toFile());
                JsonNode spec = node.path("spec");
                String group = spec.path("group").asText();
                String kind = spec.path("names").path("kind").asText();
                for (JsonNode version : spec.path("versions")) {
                    if (!version.path("served").asBoolean()) {
                        continue;
                    }
                    JsonNode schema = openApiToJsonSchema(version.path("schema").path("openAPIV3Schema").deepCopy());
                    ObjectNode properties = (ObjectNode) schema.path("properties");
                    properties.putObject("apiVersion").putArray("enum").add(group + "/" + version.path("name").asText());
                    properties.putObject("kind").putArray("enum").add(kind);
                    ((ObjectNode) schema).putArray("required").add("apiVersion").add("kind").add("metadata");
                    schemas.put(group + "/" + version.path("name").asText() + "/" + kind, factory.getSchema(schema, config));
                }
            }
        }
        for (Map.Entry<String, String> e : KUBERNETES_FILES.entrySet()) {
            JsonNode schema = withoutKubernetesExtensions(JSON.readTree(KUBERNETES.resolve(e.getValue()).toFile()));
            ((ObjectNode) schema).putArray("required").add("apiVersion").add("kind").add("metadata");
            schemas.put(e.getKey(), factory.getSchema(schema, config));
        }
    }

    /** The messages of the manifest's schema (empty: valid); a manifest of a kind without a schema is an error. */
    List<String> validate(JsonNode manifest) {
        String key = manifest.path("apiVersion").asText() + "/" + manifest.path("kind").asText();
        JsonSchema schema = schemas.get(key);
        if (schema == null) {
            return List.of("no schema shipped under deploy/ for " + key);
        }
        List<String> messages = new ArrayList<>();
        for (ValidationMessage m : schema.validate(manifest)) {
            messages.add(m.getMessage());
        }
        return messages;
    }

    /**
     * A CRD's openAPIV3Schema as JSON Schema: objects with properties allow no other field (unless
     * x-kubernetes-preserve-unknown-fields), int-or-string is either, nullable admits null, and the Kubernetes
     * extensions (x-kubernetes-*) are dropped once applied.
     */
    static JsonNode openApiToJsonSchema(JsonNode node) {
        if (node instanceof ObjectNode o) {
            boolean preserve = o.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
            if (o.path("x-kubernetes-int-or-string").asBoolean(false)) {
                o.remove("type");
                ArrayNode anyOf = o.putArray("anyOf");
                anyOf.addObject().put("type", "integer");
                anyOf.addObject().put("type", "string");
            }
            if (o.path("nullable").asBoolean(false) && o.path("type").isTextual()) {
                String type = o.path("type").asText();
                o.putArray("type").add(type).add("null");
            }
            o.remove("nullable");
            for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
                if (it.next().startsWith("x-kubernetes-")) {
                    it.remove();
                }
            }
            if (o.has("properties")) {
                o.get("properties").elements().forEachRemaining(ManifestSchemas::openApiToJsonSchema);
                if (!preserve && !o.has("additionalProperties")) {
                    o.put("additionalProperties", false);
                }
            }
            for (String child : List.of("items", "additionalProperties")) {
                if (o.get(child) instanceof ObjectNode) {
                    openApiToJsonSchema(o.get(child));
                }
            }
            for (String list : List.of("anyOf", "allOf", "oneOf")) {
                if (o.get(list) instanceof ArrayNode a) {
                    a.forEach(ManifestSchemas::openApiToJsonSchema);
                }
            }
        }
        return node;
    }

    private static JsonNode withoutKubernetesExtensions(JsonNode node) {
        if (node instanceof ObjectNode o) {
            for (Iterator<String> it = o.fieldNames(); it.hasNext(); ) {
                if (it.next().startsWith("x-kubernetes-")) {
                    it.remove();
                }
            }
            o.elements().forEachRemaining(ManifestSchemas::withoutKubernetesExtensions);
        } else if (node instanceof ArrayNode a) {
            a.forEach(ManifestSchemas::withoutKubernetesExtensions);
        }
        return node;
    }
}
