package io.kessai.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.networknt.schema.oas.OpenApi31;
import io.kessai.support.HttpRecorder.Recorded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Kessai's API description (docs/openapi.yaml, as packaged: {@code classpath:kessai/openapi.yaml}) as a judge of real
 * traffic: each recorded request and answer is matched to its path and operation, and the answer's status, content
 * type, required headers and body, and (for an answer Kessai accepted, 2xx or 3xx) the request's parameters and body
 * are validated with the document's own schemas (JSON Schema 2020-12, the OpenAPI 3.1 dialect, by networknt's
 * json-schema-validator). A path the document does not have must answer the document's {@code NotFound}; a method
 * it does not list on a path must answer its {@code MethodNotAllowed}, whose {@code Allow} lists exactly the
 * document's methods of that path.
 */
public final class OpenApiContract {
    public static final String RESOURCE = "kessai/openapi.yaml";
    private static final String LOCATION = "classpath:" + RESOURCE;
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JsonNode document;
    private final JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
            builder -> builder.metaSchema(OpenApi31.getInstance()).defaultMetaSchemaIri(OpenApi31.getInstance().getIri()));
    private final SchemaValidatorsConfig config = SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
    private final Map<String, JsonSchema> schemas = new ConcurrentHashMap<>();

    private OpenApiContract(JsonNode document) {
        this.document = document;
    }

    /** The packaged document (target/classes/kessai/openapi.yaml, copied from docs/openapi.yaml). */
    public static OpenApiContract load() {
        try (InputStream in = OpenApiContract.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is not on the classpath (docs/openapi.yaml, see pom.xml)");
            }
            return new OpenApiContract(new ObjectMapper(new YAMLFactory()).readTree(in));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public JsonNode document() {
        return document;
    }

    /** What in this exchange the document does not describe (empty: it conforms). */
    public List<String> violations(Recorded r) {
        List<String> v = new ArrayList<>();
        String pathKey = pathOf(r.path());
        if (pathKey == null) {
            checkResponse(r, "/components/responses/NotFound", v, "unknown path");
            return v;
        }
        String pathPointer = "/paths/" + escape(pathKey);
        JsonNode pathItem = document.at(pathPointer);
        String method = r.method().toLowerCase(Locale.ROOT);
        JsonNode operation = pathItem.get(method);
        if (operation == null) {
            checkResponse(r, "/components/responses/MethodNotAllowed", v, "method not in the document");
            if (r.status() == 405) {
                Set<String> documented = new TreeSet<>();
                pathItem.fieldNames().forEachRemaining(m -> {
                    if (METHODS.contains(m)) {
                        documented.add(m.toUpperCase(Locale.ROOT));
                    }
                });
                Set<String> allowed = new TreeSet<>();
                String allow = r.responseHeader("allow");
                if (allow != null) {
                    for (String m : allow.split(",")) {
                        allowed.add(m.trim().toUpperCase(Locale.ROOT));
                    }
                }
                if (!allowed.equals(documented)) {
                    v.add("Allow " + allowed + " but the document has " + documented + " on " + pathKey);
                }
            }
            return v;
        }
        String operationPointer = pathPointer + "/" + method;
        String status = String.valueOf(r.status());
        if (!operation.path("responses").has(status)) {
            v.add("status " + status + " is not documented for " + r.method() + " " + pathKey);
            return v;
        }
        checkResponse(r, operationPointer + "/responses/" + status, v, r.method() + " " + pathKey);
        if (r.status() < 400) {
            checkRequest(r, pathKey, operationPointer, v);
        }
        return v;
    }

    // ---- responses ------------------------------------------------------------------------------

    private void checkResponse(Recorded r, String pointer, List<String> v, String what) {
        String resolved = resolve(pointer);
        JsonNode response = document.at(resolved);
        String status = String.valueOf(r.status());
        if (resolved.startsWith("/components/responses/") && pointer.startsWith("/components/")) {
            // A rule of the whole API (unknown path, method not allowed): its status is fixed.
            String expected = pointer.endsWith("NotFound") ? "404" : "405";
            if (!expected.equals(status)) {
                v.add(what + ": answered " + status + " instead of " + expected);
                return;
            }
        }
        Iterator<Map.Entry<String, JsonNode>> headers = response.path("headers").fields();
        while (headers.hasNext()) {
            Map.Entry<String, JsonNode> h = headers.next();
            String value = r.responseHeader(h.getKey());
            String headerPointer = resolve(resolved + "/headers/" + escape(h.getKey()));
            if (value == null) {
                if (document.at(headerPointer).path("required").asBoolean(false)) {
                    v.add(what + " " + status + ": header " + h.getKey() + " is required");
                }
            } else {
                validate(headerPointer + "/schema", new TextNode(value), what + " " + status + " header " + h.getKey(), v);
            }
        }
        JsonNode content = response.get("content");
        String body = r.responseBody() == null ? "" : r.responseBody();
        if (content == null || content.isEmpty()) {
            if (!body.isEmpty()) {
                v.add(what + " " + status + ": the document has no body, the answer has one: " + abbreviate(body));
            }
            return;
        }
        String mediaType = mediaType(r.responseHeader("content-type"));
        if (mediaType == null || !content.has(mediaType)) {
            v.add(what + " " + status + ": content type " + r.responseHeader("content-type") + " is not one of "
                    + names(content));
            return;
        }
        JsonNode instance = instance(mediaType, body.getBytes(StandardCharsets.UTF_8), what + " " + status + " body", v);
        if (instance != null) {
            validate(resolved + "/content/" + escape(mediaType) + "/schema", instance, what + " " + status + " body", v);
        }
    }

    // ---- requests -------------------------------------------------------------------------------

    private void checkRequest(Recorded r, String pathKey, String operationPointer, List<String> v) {
        String what = "request " + r.method() + " " + pathKey;
        List<String> parameters = new ArrayList<>();
        addParameters(parameters, "/paths/" + escape(pathKey) + "/parameters");
        addParameters(parameters, operationPointer + "/parameters");
        Map<String, String> pathValues = pathValues(pathKey, r.path());
        Map<String, String> query = r.query();
        for (String p : parameters) {
            JsonNode parameter = document.at(p);
            String name = parameter.path("name").asText();
            String value = switch (parameter.path("in").asText()) {
                case "path" -> pathValues.get(name);
                case "query" -> query.get(name);
                case "header" -> r.requestHeader(name);
                default -> null;
            };
            if (value == null) {
                if (parameter.path("required").asBoolean(false)) {
                    v.add(what + ": parameter " + name + " is required");
                }
                continue;
            }
            validate(p + "/schema", new TextNode(value), what + " parameter " + name, v);
        }
        byte[] body = dechunked(r);
        boolean hasBody = body != null && body.length > 0;
        if (!operationPointerHas(operationPointer, "requestBody")) {
            if (hasBody) {
                v.add(what + ": the document takes no body, the request had one");
            }
            return;
        }
        String bodyPointer = resolve(operationPointer + "/requestBody");
        JsonNode requestBody = document.at(bodyPointer);
        if (!hasBody) {
            if (requestBody.path("required").asBoolean(false)) {
                v.add(what + ": the document requires a body");
            }
            return;
        }
        String mediaType = mediaType(r.requestHeader("content-type"));
        JsonNode content = requestBody.path("content");
        String key = mediaType != null && content.has(mediaType) ? mediaType : content.has("*/*") ? "*/*" : null;
        if (key == null) {
            v.add(what + ": content type " + r.requestHeader("content-type") + " is not one of " + names(content));
            return;
        }
        JsonNode instance = instance(key.equals("*/*") ? "text/plain" : key, body, what + " body", v);
        if (instance != null) {
            validate(bodyPointer + "/content/" + escape(key) + "/schema", instance, what + " body", v);
        }
    }

    private boolean operationPointerHas(String operationPointer, String member) {
        return document.at(operationPointer).has(member);
    }

    private void addParameters(List<String> into, String pointer) {
        JsonNode list = document.at(pointer);
        for (int i = 0; i < list.size(); i++) {
            into.add(resolve(pointer + "/" + i));
        }
    }

    // ---- matching and resolving -----------------------------------------------------------------

    /** The document's path that matches (a path without template parameters wins), or null. */
    String pathOf(String path) {
        String best = null;
        Iterator<String> keys = document.path("paths").fieldNames();
        while (keys.hasNext()) {
            String key = keys.next();
            if (pathValues(key, path) != null && (best == null || best.contains("{") && !key.contains("{"))) {
                best = key;
            }
        }
        return best;
    }

    /** The template's parameters in this path, or null when the path does not match the template. */
    private static Map<String, String> pathValues(String template, String path) {
        String[] t = template.split("/", -1);
        String[] p = path.split("/", -1);
        if (t.length != p.length) {
            return null;
        }
        Map<String, String> values = new java.util.HashMap<>();
        for (int i = 0; i < t.length; i++) {
            if (t[i].startsWith("{") && t[i].endsWith("}")) {
                if (p[i].isEmpty()) {
                    return null;
                }
                values.put(t[i].substring(1, t[i].length() - 1), java.net.URLDecoder.decode(p[i], StandardCharsets.UTF_8));
            } else if (!t[i].equals(p[i])) {
                return null;
            }
        }
        return values;
    }

    /** Follows {@code $ref} (local references of this document) to the pointer of the object it names. */
    private String resolve(String pointer) {
        for (int hops = 0; hops < 10; hops++) {
            JsonNode node = document.at(pointer);
            if (node.isMissingNode()) {
                throw new IllegalStateException("the document has nothing at " + pointer);
            }
            JsonNode ref = node.get("$ref");
            if (ref == null) {
                return pointer;
            }
            if (!ref.asText().startsWith("#/")) {
                throw new IllegalStateException("only local references are used: " + ref.asText());
            }
            pointer = ref.asText().substring(1);
        }
        throw new IllegalStateException("a $ref loop at " + pointer);
    }

    private void validate(String schemaPointer, JsonNode instance, String what, List<String> v) {
        JsonSchema schema = schemas.computeIfAbsent(schemaPointer, p ->
                factory.getSchema(SchemaLocation.of(LOCATION + "#" + encodeFragment(p)), config));
        for (ValidationMessage m : schema.validate(instance)) {
            v.add(what + ": " + m.getMessage());
        }
    }

    private static JsonNode instance(String mediaType, byte[] body, String what, List<String> v) {
        if (mediaType.equals("application/json") || mediaType.endsWith("+json")) {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                v.add(what + ": not JSON: " + abbreviate(new String(body, StandardCharsets.UTF_8)));
                return null;
            }
        }
        return new TextNode(new String(body, StandardCharsets.UTF_8));
    }

    /** A chunk-encoded body as the bytes it carries (a raw request may send one); the body as it is otherwise. */
    private static byte[] dechunked(Recorded r) {
        byte[] body = r.requestBody();
        if (body == null || !"chunked".equalsIgnoreCase(String.valueOf(r.requestHeader("transfer-encoding")))) {
            return body;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int at = 0;
        try {
            while (true) {
                int eol = indexOf(body, at);
                int size = Integer.parseInt(new String(body, at, eol - at, StandardCharsets.ISO_8859_1).split(";")[0].trim(), 16);
                if (size == 0) {
                    return out.toByteArray();
                }
                out.write(body, eol + 2, size);
                at = eol + 2 + size + 2;
            }
        } catch (RuntimeException broken) {
            return body;
        }
    }

    private static int indexOf(byte[] b, int from) {
        for (int i = from; i + 1 < b.length; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n') {
                return i;
            }
        }
        throw new IllegalArgumentException("no line end");
    }

    private static String mediaType(String contentType) {
        if (contentType == null) {
            return null;
        }
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
    }

    private static String names(JsonNode content) {
        List<String> names = new ArrayList<>();
        content.fieldNames().forEachRemaining(names::add);
        return names.toString();
    }

    /** A JSON pointer token. */
    private static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }

    /** A JSON pointer as a URI fragment. */
    private static String encodeFragment(String pointer) {
        StringBuilder b = new StringBuilder();
        for (char c : pointer.toCharArray()) {
            if (Character.isLetterOrDigit(c) || "/~-._".indexOf(c) >= 0) {
                b.append(c);
            } else {
                for (byte x : String.valueOf(c).getBytes(StandardCharsets.UTF_8)) {
                    b.append('%').append(String.format("%02X", x & 0xff));
                }
            }
        }
        return b.toString();
    }

    private static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }
}
