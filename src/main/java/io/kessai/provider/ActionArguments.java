package io.kessai.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kessai.model.FieldError;
import io.kessai.model.KessaiException;
import org.apache.camel.Exchange;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The arguments of a provider action an embedding application calls through a {@code direct:} endpoint or a
 * Kamelet (PAY.JP's Platform merchants, ITO-Japan's merchant users and marketplace): the message body as a JSON
 * object, a {@code Map} or JSON text; none is an empty object. An argument the operation does not take is refused
 * (400 {@code invalid_request}, every unknown name at once); a null argument counts as absent unless the operation
 * keeps it.
 */
public final class ActionArguments {
    private ActionArguments() {
    }

    public static Map<String, JsonNode> read(ObjectMapper json, Exchange exchange, Set<String> allowed,
                                             Set<String> keptWhenNull) {
        Object body = exchange.getMessage().getBody();
        JsonNode node;
        if (body == null || (body instanceof String s && s.isBlank())) {
            node = json.createObjectNode();
        } else if (body instanceof Map<?, ?> map) {
            node = json.valueToTree(map);
        } else if (body instanceof JsonNode n) {
            node = n;
        } else {
            node = ProviderJson.parseOrNull(json, exchange.getMessage().getBody(String.class));
        }
        if (node == null || !node.isObject()) {
            throw KessaiException.invalid("body", "type", "the arguments are a JSON object");
        }
        Map<String, JsonNode> args = new LinkedHashMap<>();
        List<FieldError> unknown = new ArrayList<>();
        node.fields().forEachRemaining(f -> {
            if (!allowed.contains(f.getKey())) {
                unknown.add(new FieldError(f.getKey(), "unknown", "not an argument of this operation (it takes "
                        + String.join(", ", new TreeSet<>(allowed)) + ")"));
            } else if (!f.getValue().isNull() || keptWhenNull.contains(f.getKey())) {
                args.put(f.getKey(), f.getValue());
            }
        });
        if (!unknown.isEmpty()) {
            throw KessaiException.invalid(unknown);
        }
        return args;
    }
}
