package io.kessai.payment;

import com.fasterxml.jackson.databind.JsonNode;
import io.kessai.model.FieldError;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads typed fields from one JSON object and records every type error, unknown field and missing
 * required field under its full path, so that a caller learns about all of them at once.
 */
final class JsonFields {
    private final JsonNode node;
    private final String path;
    private final List<FieldError> errors;

    JsonFields(JsonNode node, String path, List<FieldError> errors, Set<String> known) {
        this.node = node;
        this.path = path;
        this.errors = errors;
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!known.contains(name)) {
                errors.add(new FieldError(path(name), "unknown_field", "is not a field of this object"));
            }
        }
    }

    String path(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    private JsonNode present(String name) {
        JsonNode value = node.get(name);
        return value == null || value.isNull() ? null : value;
    }

    String string(String name, boolean required) {
        JsonNode value = present(name);
        if (value == null) {
            if (required) {
                errors.add(new FieldError(path(name), "required", "is required"));
            }
            return null;
        }
        if (!value.isTextual()) {
            errors.add(new FieldError(path(name), "type", "must be a JSON string"));
            return null;
        }
        return value.textValue();
    }

    Integer integer(String name, boolean required) {
        JsonNode value = present(name);
        if (value == null) {
            if (required) {
                errors.add(new FieldError(path(name), "required", "is required"));
            }
            return null;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt()) {
            errors.add(new FieldError(path(name), "type", "must be a whole number"));
            return null;
        }
        return value.intValue();
    }

    JsonFields object(String name, boolean required, Set<String> known) {
        return object(name, required, known, List.of());
    }

    /**
     * A nested object. A required one that is absent is reported as its own required fields ({@code method.type},
     * {@code customer.name}), which is what the caller must send; with none named, as the object itself.
     */
    JsonFields object(String name, boolean required, Set<String> known, List<String> requiredInside) {
        JsonNode value = present(name);
        if (value == null) {
            if (required && requiredInside.isEmpty()) {
                errors.add(new FieldError(path(name), "required", "is required"));
            } else if (required) {
                for (String inside : requiredInside) {
                    errors.add(new FieldError(path(name) + "." + inside, "required", "is required"));
                }
            }
            return null;
        }
        if (!value.isObject()) {
            errors.add(new FieldError(path(name), "type", "must be a JSON object"));
            return null;
        }
        return new JsonFields(value, path(name), errors, known);
    }

    List<JsonFields> array(String name, Set<String> known) {
        JsonNode value = present(name);
        if (value == null) {
            return null;
        }
        if (!value.isArray()) {
            errors.add(new FieldError(path(name), "type", "must be a JSON array"));
            return null;
        }
        List<JsonFields> items = new ArrayList<>();
        for (int i = 0; i < value.size(); i++) {
            JsonNode item = value.get(i);
            String itemPath = path(name) + "[" + i + "]";
            if (!item.isObject()) {
                errors.add(new FieldError(itemPath, "type", "must be a JSON object"));
            } else {
                items.add(new JsonFields(item, itemPath, errors, known));
            }
        }
        return items;
    }

    /** A JSON object whose values must all be strings. */
    Map<String, String> stringMap(String name) {
        JsonNode value = present(name);
        if (value == null) {
            return null;
        }
        if (!value.isObject()) {
            errors.add(new FieldError(path(name), "type", "must be a JSON object of strings"));
            return null;
        }
        Map<String, String> map = new LinkedHashMap<>();
        value.fields().forEachRemaining(e -> {
            if (e.getValue().isTextual()) {
                map.put(e.getKey(), e.getValue().textValue());
            } else {
                errors.add(new FieldError(path(name) + "." + e.getKey(), "type", "must be a JSON string"));
            }
        });
        return map;
    }
}
