package io.kessai.sandbox.gmo;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonNodePath;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The GMO-PG OpenAPI 3.1 document (classpath {@code sandbox/gmo-pg/openapi-1.3.1.json}), loaded once per JVM and
 * used to validate JSON against {@code #/components/schemas/<Name>} with networknt json-schema-validator
 * (draft 2020-12, format assertions on), so that {@code $ref}s inside the document resolve.
 *
 * <p>The published document has defects that make a strict validator fail; they are repaired once at load time:
 * <ul>
 *   <li>{@code Payer.nameAlphabet} carries a doubly-escaped pattern ({@code \\x2c-\\x2f}) that is not a valid
 *       regular expression; every pattern that does not compile is un-escaped once (the reference text shows
 *       {@code ^[a-zA-Z0-9 \x2c-\x2f]+$}).</li>
 *   <li>{@code MemberId} and {@code Payer.accountId} allow spaces in the OAS file; the reference text says
 *       {@code ^[a-zA-Z0-9@_.-]{1,60}$}, and the text wins.</li>
 *   <li>{@code format: email} becomes a syntax-only RFC 5322 pattern (the validator's email format also
 *       insists on a known top-level domain, rejecting e.g. {@code shop@kessai.example}).</li>
 *   <li>{@code Status} is a {@code oneOf} of three string enums that share values (AUTH, CAPTURE, SALES, CANCEL,
 *       UNPROCESSED ...), so a correct status never matches exactly one branch: it becomes {@code anyOf}.</li>
 * </ul>
 * ({@code OrderInquiryResponse} is a {@code oneOf} of three objects none of which requires anything, so it can never
 * be satisfied either; validate credit answers against {@code OrderInquiryResponseCredit}, cash answers against
 * {@code OrderInquiryResponseCash}.)
 */
final class GmoOpenApi {

    static final String RESOURCE = "sandbox/gmo-pg/openapi-1.3.1.json";
    /** Retrieval URI under which the repaired document is registered with the schema factory. */
    private static final String BASE_URI = "https://sandbox.kessai.io/gmo-pg/openapi-1.3.1.json";
    private static final String MEMBER_ID_PATTERN = "^[a-zA-Z0-9@_.-]{1,60}$";
    /**
     * RFC 5322 addr-spec (dot-atom local part, dot-atom domain) without any top-level-domain list: networknt's
     * {@code email} format also checks the TLD against IANA's list, which GMO does not say it does.
     */
    static final String EMAIL_PATTERN =
            "^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
                    + "@[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$";

    static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private static volatile GmoOpenApi instance;

    private final JsonSchemaFactory factory;
    private final SchemaValidatorsConfig config;
    private final JsonNode document;
    private final Map<String, JsonSchema> schemas = new ConcurrentHashMap<>();

    private GmoOpenApi() {
        JsonNode root;
        try (InputStream in = GmoOpenApi.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("classpath resource " + RESOURCE + " is missing");
            }
            root = MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
        repair(root);
        this.document = root;
        String text;
        try {
            text = MAPPER.writeValueAsString(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
                builder -> builder.schemaLoaders(loaders -> loaders.schemas(Map.of(BASE_URI, text))));
        this.config = SchemaValidatorsConfig.builder()
                .formatAssertionsEnabled(true)
                .pathType(PathType.JSON_PATH)
                .build();
    }

    static GmoOpenApi get() {
        GmoOpenApi local = instance;
        if (local == null) {
            synchronized (GmoOpenApi.class) {
                local = instance;
                if (local == null) {
                    local = new GmoOpenApi();
                    instance = local;
                }
            }
        }
        return local;
    }

    /** The repaired document (read-only use). */
    JsonNode document() {
        return document;
    }

    JsonSchema schema(String name) {
        return schemas.computeIfAbsent(name, n -> {
            if (document.path("components").path("schemas").path(n).isMissingNode()) {
                throw new IllegalArgumentException("no schema #/components/schemas/" + n);
            }
            JsonSchema schema = factory.getSchema(SchemaLocation.of(BASE_URI + "#/components/schemas/" + n), config);
            schema.initializeValidators();
            return schema;
        });
    }

    /** All messages of validating {@code instance} against {@code #/components/schemas/<name>}. */
    Set<ValidationMessage> validate(String name, JsonNode instance) {
        return schema(name).validate(instance);
    }

    /**
     * Validates a request body and throws the problem GMO would answer for the most relevant violation:
     * {@code missing_parameter} for an absent required property, {@code invalid_parameter} otherwise, the detail
     * naming the field path ({@code The parameter value is invalid.(order.amount)}).
     */
    void validateRequest(String name, JsonNode body) {
        Set<ValidationMessage> messages = validate(name, body);
        if (messages.isEmpty()) {
            return;
        }
        List<ValidationMessage> relevant = resolveOneOf(messages);
        ValidationMessage best = relevant.stream()
                .min(Comparator.comparingInt((ValidationMessage m) -> "required".equals(m.getType()) ? 0 : 1)
                        .thenComparingInt(m -> m.getInstanceLocation().getNameCount())
                        .thenComparing(m -> fieldPath(m)))
                .orElseThrow();
        String field = fieldPath(best);
        if ("required".equals(best.getType())) {
            throw GmoProblem.missingParameter(field);
        }
        throw GmoProblem.invalidParameter(field);
    }

    /**
     * Drops the synthetic {@code oneOf} messages and, for each {@code oneOf}, keeps only the sub-messages of the branch
     * that came closest (fewest messages, first branch on a tie).
     */
    private static List<ValidationMessage> resolveOneOf(Set<ValidationMessage> messages) {
        Pattern branch = Pattern.compile("^(.*?\\.oneOf)\\[(\\d+)]");
        Map<String, Map<Integer, Integer>> counts = new HashMap<>();
        for (ValidationMessage m : messages) {
            Matcher matcher = branch.matcher(m.getEvaluationPath().toString());
            if (matcher.find()) {
                counts.computeIfAbsent(matcher.group(1), k -> new HashMap<>())
                        .merge(Integer.parseInt(matcher.group(2)), 1, Integer::sum);
            }
        }
        Map<String, Integer> chosen = new HashMap<>();
        counts.forEach((prefix, perBranch) -> chosen.put(prefix, perBranch.entrySet().stream()
                .min(Map.Entry.<Integer, Integer>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
                .orElseThrow().getKey()));
        List<ValidationMessage> kept = new ArrayList<>();
        List<ValidationMessage> oneOfs = new ArrayList<>();
        for (ValidationMessage m : messages) {
            if ("oneOf".equals(m.getType())) {
                oneOfs.add(m);
                continue;
            }
            Matcher matcher = branch.matcher(m.getEvaluationPath().toString());
            if (!matcher.find() || chosen.get(matcher.group(1)) == Integer.parseInt(matcher.group(2))) {
                kept.add(m);
            }
        }
        return kept.isEmpty() ? oneOfs : kept;
    }

    /** {@code order.items[0].price} style path of the offending field. */
    static String fieldPath(ValidationMessage m) {
        StringBuilder sb = new StringBuilder();
        JsonNodePath path = m.getInstanceLocation();
        for (int i = 0; i < path.getNameCount(); i++) {
            Object element = path.getElement(i);
            if (element instanceof Integer index) {
                sb.append('[').append(index).append(']');
            } else {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(element);
            }
        }
        if ("required".equals(m.getType()) && m.getProperty() != null) {
            if (sb.length() > 0) {
                sb.append('.');
            }
            sb.append(m.getProperty());
        }
        return sb.length() == 0 ? "body" : sb.toString();
    }

    private static void repair(JsonNode root) {
        repairPatterns(root);
        ObjectNode schemas = (ObjectNode) root.path("components").path("schemas");
        if (schemas.get("MemberId") instanceof ObjectNode memberId) {
            memberId.put("pattern", MEMBER_ID_PATTERN);
        }
        if (schemas.path("Payer").path("properties").get("accountId") instanceof ObjectNode accountId) {
            accountId.put("pattern", MEMBER_ID_PATTERN);
        }
        if (schemas.get("Status") instanceof ObjectNode status && status.has("oneOf")) {
            status.set("anyOf", status.remove("oneOf"));
        }
    }

    private static void repairPatterns(JsonNode node) {
        if (node instanceof ObjectNode object) {
            if ("email".equals(object.path("format").asText(null))) {
                object.remove("format");
                object.put("pattern", EMAIL_PATTERN);
            }
            JsonNode pattern = object.get("pattern");
            if (pattern != null && pattern.isTextual()) {
                try {
                    Pattern.compile(pattern.asText());
                } catch (PatternSyntaxException e) {
                    object.put("pattern", pattern.asText().replace("\\\\", "\\"));
                }
            }
            for (Iterator<JsonNode> it = object.elements(); it.hasNext(); ) {
                repairPatterns(it.next());
            }
        } else if (node instanceof ArrayNode array) {
            for (JsonNode child : array) {
                repairPatterns(child);
            }
        }
    }
}
