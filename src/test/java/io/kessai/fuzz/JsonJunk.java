package io.kessai.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * Generators of hostile JSON for the fuzz properties: values of the wrong type, huge and strange strings, numbers
 * that are not money, nested nulls and deep nesting, and mutations that apply them to a valid document.
 */
final class JsonJunk {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private JsonJunk() {
    }

    /** Strings a careful reader must survive: control characters, bidi and zero-width marks, emoji, injections, huge. */
    static Arbitrary<String> strangeStrings() {
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(4, smallStrangeStrings()), net.jqwik.api.Tuple.of(1, hugeStrings()));
    }

    /** {@link #strangeStrings()} without the huge ones (for URLs). */
    static Arbitrary<String> smallStrangeStrings() {
        return Arbitraries.oneOf(
                Arbitraries.of("", " ", "\u0000", "\t\n\r", "\uFEFF", "\u202Eevil", "\u200B", "😀💴", "山田\u0000太郎",
                        "ｶﾀｶﾅ", "null", "true", "undefined", "NaN", "Infinity", "-0", "0x10", "１０００", "1,000",
                        "<script>alert(1)</script>", "' OR '1'='1", "${jndi:ldap://127.0.0.1/x}", "%s%n%x",
                        "\\u0000", "\"", "\\", "../../etc/passwd", "CON", "ORD-\u0301", "tok_\u0000visa"),
                Arbitraries.strings().all().ofMaxLength(40),
                Arbitraries.strings().withCharRange('\u0000', '\u001f').ofMinLength(1).ofMaxLength(8),
                Arbitraries.strings().withCharRange('\u3000', '\u30ff').ofMinLength(1).ofMaxLength(60));
    }

    /** 5,000 to 120,000 characters, ASCII or not. */
    static Arbitrary<String> hugeStrings() {
        return Combinators.combine(Arbitraries.of("x", "山", "😀", "ab-", "0"), Arbitraries.integers().between(5_000, 120_000))
                .as((unit, n) -> unit.repeat(Math.max(1, n / unit.length())));
    }

    /** Amount-like strings that are not a positive decimal the currency allows (and a few that are). */
    static Arbitrary<String> amounts() {
        return Arbitraries.oneOf(
                Arbitraries.of("0", "0.00", "-1", "-1000", "+1000", "1e3", "1E3", "1000.5", "1000.00", "0.0000001",
                        "99999999999999999999999999999999999999", "1" + "0".repeat(400), "0." + "0".repeat(400) + "1",
                        ".5", "5.", "1..0", "--1", "1 000", "\u0661\u0660\u0660", "١٠٠٠", "１０００", "NaN", "Infinity",
                        "0x3E8", "1000\u0000", " 1000", "1000 ", "", "9223372036854775808", "4.99", "300", "150001"),
                Arbitraries.bigDecimals().between(new BigDecimal("-1e30"), new BigDecimal("1e30")).ofScale(6)
                        .map(BigDecimal::toPlainString),
                Arbitraries.bigIntegers().between(BigInteger.ONE, BigInteger.TEN.pow(40)).map(BigInteger::toString));
    }

    static Arbitrary<String> currencies() {
        return Arbitraries.oneOf(
                Arbitraries.of("JPY", "USD", "EUR", "jpy", "XXX", "XTS", "SGP-USD", "JP", "JPYY", "¥", "JPY\u0000", " JPY"),
                Arbitraries.strings().withCharRange('A', 'Z').ofLength(3));
    }

    /** JSON values of every type, including the absurd. */
    static Arbitrary<JsonNode> anyValue() {
        return anyValue(strangeStrings(), 900);
    }

    /** {@link #anyValue()} of a size that fits in a URL. */
    static Arbitrary<JsonNode> anySmallValue() {
        return anyValue(smallStrangeStrings(), 40);
    }

    private static Arbitrary<JsonNode> anyValue(Arbitrary<String> strings, int maxDepth) {
        return Arbitraries.oneOf(
                Arbitraries.just(NODES.nullNode()),
                Arbitraries.of(true, false).map(NODES::booleanNode),
                Arbitraries.integers().map(NODES::numberNode),
                Arbitraries.longs().map(NODES::numberNode),
                Arbitraries.doubles().map(NODES::numberNode),
                Arbitraries.of(new BigDecimal("1e400"), new BigDecimal("-1e-400"), new BigDecimal("1000.5"),
                        new BigDecimal("1000")).map(NODES::numberNode),
                strings.map(NODES::textNode),
                amounts().map(NODES::textNode),
                Arbitraries.just(NODES.arrayNode()),
                Arbitraries.just(NODES.objectNode()),
                Arbitraries.integers().between(1, 5).map(JsonJunk::nestedNulls),
                // deeper than Jackson writes (1,000): the raw bodies below go further
                Arbitraries.integers().between(10, maxDepth).map(JsonJunk::deeplyNested));
    }

    /** {"a":[null,{"b":null}],...}: nulls inside objects and arrays. */
    static JsonNode nestedNulls(int width) {
        ObjectNode node = NODES.objectNode();
        for (int i = 0; i < width; i++) {
            ArrayNode a = node.putArray("k" + i);
            a.addNull();
            a.addObject().putNull("v");
        }
        node.putNull("type");
        return node;
    }

    /** depth levels of [[[...]]] or {"a":{"a":...}} (Jackson refuses more than 1,000 when parsing). */
    static JsonNode deeplyNested(int depth) {
        JsonNode node = NODES.nullNode();
        for (int i = 0; i < depth; i++) {
            if (i % 2 == 0) {
                ArrayNode a = NODES.arrayNode();
                a.add(node);
                node = a;
            } else {
                ObjectNode o = NODES.objectNode();
                o.set("a", node);
                node = o;
            }
        }
        return node;
    }

    /** One change to a document at a path ("a.b", "items[0].x"), described for the report of a failing try. */
    record Mutation(String path, String kind, JsonNode value) {
        void applyTo(ObjectNode root) {
            String[] parts = path.split("\\.");
            JsonNode parent = root;
            for (int i = 0; i < parts.length - 1; i++) {
                JsonNode next = child(parent, parts[i]);
                if (next == null || !next.isContainerNode()) {
                    if (!(parent instanceof ObjectNode o) || parts[i].contains("[")) {
                        return;   // nothing to mutate here: the document has another shape already
                    }
                    next = o.putObject(parts[i]);
                }
                parent = next;
            }
            String last = parts[parts.length - 1];
            if (!(parent instanceof ObjectNode target) || last.contains("[")) {
                return;
            }
            switch (kind) {
                case "remove" -> target.remove(last);
                case "set" -> target.set(last, value);
                default -> throw new IllegalArgumentException(kind);
            }
        }

        private static JsonNode child(JsonNode parent, String part) {
            int bracket = part.indexOf('[');
            if (bracket < 0) {
                return parent.get(part);
            }
            JsonNode array = parent.get(part.substring(0, bracket));
            int index = Integer.parseInt(part.substring(bracket + 1, part.length() - 1));
            return array == null || !array.isArray() ? null : array.get(index);
        }

        @Override
        public String toString() {
            String v = value == null ? "" : value.toString();
            return kind + " " + path + (v.isEmpty() ? "" : " = " + (v.length() > 120 ? v.substring(0, 120) + "...(" + v.length() + ")" : v));
        }
    }

    /** Every path of a document's fields (objects and their members; array items by index). */
    static List<String> paths(JsonNode node) {
        List<String> paths = new ArrayList<>();
        collect(node, "", paths);
        return paths;
    }

    private static void collect(JsonNode node, String prefix, List<String> paths) {
        if (node.isObject()) {
            Iterator<String> names = node.fieldNames();
            while (names.hasNext()) {
                String name = names.next();
                String path = prefix.isEmpty() ? name : prefix + "." + name;
                paths.add(path);
                collect(node.get(name), path, paths);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                collect(node.get(i), prefix + "[" + i + "]", paths);
            }
        }
    }

    /** Raw bodies that are not one JSON object: garbage, truncations, other JSON types, deep nesting, bad UTF-8. */
    static Arbitrary<byte[]> junkBodies(String validJson) {
        byte[] valid = validJson.getBytes(StandardCharsets.UTF_8);
        return Arbitraries.oneOf(
                Arbitraries.strings().all().ofMaxLength(200).map(s -> s.getBytes(StandardCharsets.UTF_8)),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(300),
                Arbitraries.integers().between(1, valid.length - 1).map(n -> java.util.Arrays.copyOf(valid, n)),
                Arbitraries.of("[]", "null", "true", "0", "\"order\"", "[{\"orderId\":\"ORD-1\"}]", "{", "}", "{\"a\":}",
                        "{\"orderId\":\"ORD-1\",\"orderId\":\"ORD-2\"}", "{'orderId':'ORD-1'}", "{\"amount\":NaN}",
                        "{\"amount\":1e99999}", "\uFEFF{}", "/* c */ {}", "{\"a\":\"\\ud800\"}")
                        .map(s -> s.getBytes(StandardCharsets.UTF_8)),
                Arbitraries.integers().between(500, 20_000).map(n -> ("[".repeat(n) + "]".repeat(n)).getBytes(StandardCharsets.UTF_8)),
                Arbitraries.integers().between(500, 20_000).map(n -> ("{\"a\":".repeat(n) + "1" + "}".repeat(n))
                        .getBytes(StandardCharsets.UTF_8)),
                Arbitraries.of(new byte[] {(byte) 0xC3, (byte) 0x28}, new byte[] {'{', '"', (byte) 0xFF, '"', ':', '1', '}'},
                        new byte[] {(byte) 0xFE, (byte) 0xFF, 0, '{', 0, '}'}));
    }

    static String base64Url(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
