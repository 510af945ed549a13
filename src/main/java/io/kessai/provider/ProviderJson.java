package io.kessai.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;

/** Reading providers' JSON leniently: absent and null fields are the same, and an unparseable body is null. */
public final class ProviderJson {
    private ProviderJson() {
    }

    /** The field as text, or null when it is absent or JSON null. */
    public static String text(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** The parsed body, or null when it is empty or not JSON. */
    public static JsonNode parseOrNull(ObjectMapper json, String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return json.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }
}
