package io.kessai.sandbox.gmo;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.ValidationMessage;

import java.util.List;

/**
 * GMO's OpenAPI schemas (the same repaired document the sandbox validates requests with), for checking
 * that Kessai's requests and the sandbox's answers have GMO's shapes.
 */
public final class GmoSchemas {
    private GmoSchemas() {
    }

    /** Every violation of {@code #/components/schemas/<schema>} by {@code instance}; empty when it conforms. */
    public static List<String> violations(String schema, JsonNode instance) {
        return GmoOpenApi.get().validate(schema, instance).stream().map(ValidationMessage::getMessage).sorted().toList();
    }
}
