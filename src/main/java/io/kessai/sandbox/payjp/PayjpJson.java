package io.kessai.sandbox.payjp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** JSON and identifier helpers of the PAY.JP sandbox. */
final class PayjpJson {

    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private PayjpJson() {
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    static ArrayNode array() {
        return MAPPER.createArrayNode();
    }

    /**
     * The answer's bytes with every object's keys in alphabetical order, as PAY.JP's answers are written (all the
     * samples of the reference and of payjp-platform.txt are sorted).
     */
    static byte[] write(JsonNode node) {
        try {
            return MAPPER.writeValueAsBytes(sorted(node));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode sorted(JsonNode node) {
        if (node instanceof ObjectNode o) {
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            Collections.sort(names);
            ObjectNode copy = object();
            for (String n : names) {
                copy.set(n, sorted(o.get(n)));
            }
            return copy;
        }
        if (node instanceof ArrayNode a) {
            ArrayNode copy = array();
            a.forEach(child -> copy.add(sorted(child)));
            return copy;
        }
        return node;
    }

    /**
     * A new identifier: the prefix then lowercase hex digits, 32 characters in all like the reference's samples
     * ({@code ch_fa990a4c10672a93053a774730b0a}, {@code acct_fc88af3e62e095ef754d31bd559},
     * {@code car_6845da1a8651f889bc432362dfcb}); {@code pf_tr_} ids have 29 digits after the prefix like the sample
     * {@code pf_tr_23748b8c95c79edff22a8b7b795xx}.
     */
    static String newId(String prefix) {
        int digits = prefix.equals("pf_tr_") ? 29 : 32 - prefix.length();
        return prefix + hex(digits);
    }

    static String hex(int digits) {
        StringBuilder sb = new StringBuilder(digits);
        for (int i = 0; i < digits; i++) {
            sb.append(Character.forDigit(RANDOM.nextInt(16), 16));
        }
        return sb.toString();
    }

    /** A list object {@code {"count","data","has_more","object":"list","url"}}; count is the size of data. */
    static ObjectNode list(List<? extends JsonNode> data, boolean hasMore, String url) {
        ObjectNode list = object();
        list.put("count", data.size());
        ArrayNode array = list.putArray("data");
        data.forEach(array::add);
        list.put("has_more", hasMore);
        list.put("object", "list");
        list.put("url", url);
        return list;
    }
}
