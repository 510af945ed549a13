package io.kessai.model;

import java.math.BigDecimal;
import java.net.URI;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Collects broken rules of one request, each under its field path with a rule code and a message that
 * says what the rule is (never the rejected value, which may be personal data).
 */
public final class FieldRules {
    private static final Pattern DECIMAL = Pattern.compile("(0|[1-9][0-9]*)(\\.[0-9]+)?");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");
    private static final Pattern IPV4 = Pattern.compile(
            "((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,39}");

    private final List<FieldError> errors;

    public FieldRules(List<FieldError> errors) {
        this.errors = errors;
    }

    public List<FieldError> errors() {
        return errors;
    }

    public void add(String field, String code, String message) {
        errors.add(new FieldError(field, code, message));
    }

    public boolean has(String field) {
        return errors.stream().anyMatch(e -> e.field().equals(field));
    }

    public void required(String field, Object value) {
        if (value == null || (value instanceof String s && s.isBlank())) {
            add(field, "required", "is required");
        }
    }

    public boolean pattern(String field, String value, Pattern pattern, String rule) {
        if (value != null && !pattern.matcher(value).matches()) {
            add(field, "pattern", "must be " + rule);
            return false;
        }
        return true;
    }

    public void maxLength(String field, String value, int max) {
        if (value != null && value.codePointCount(0, value.length()) > max) {
            add(field, "max_length", "must be at most " + max + " characters");
        }
    }

    public void maxBytes(String field, String value, int max, Charset charset) {
        if (value != null && value.getBytes(charset).length > max) {
            add(field, "max_bytes", "must be at most " + max + " bytes in " + charset.name());
        }
    }

    public void maxUtf8(String field, String value, int maxChars, int maxBytes) {
        maxLength(field, value, maxChars);
        if (!has(field)) {
            maxBytes(field, value, maxBytes, StandardCharsets.UTF_8);
        }
    }

    public void oneOf(String field, String value, List<String> allowed) {
        if (value != null && !allowed.contains(value)) {
            add(field, "enum", "must be one of " + String.join(", ", allowed));
        }
    }

    /** A non-negative decimal string; returns its value, or null when it is not one. */
    public BigDecimal decimal(String field, String value) {
        if (value == null) {
            return null;
        }
        if (!DECIMAL.matcher(value).matches()) {
            add(field, "format", "must be a decimal string such as \"1000\" or \"4.99\" (digits, at most one '.', no sign or exponent)");
            return null;
        }
        return new BigDecimal(value);
    }

    public void email(String field, String value) {
        if (value == null) {
            return;
        }
        if (value.length() > 254 || !EMAIL.matcher(value).matches()) {
            add(field, "format", "must be an e-mail address of at most 254 characters");
        }
    }

    public void ip(String field, String value) {
        if (value != null && !IPV4.matcher(value).matches() && !(value.contains(":") && IPV6.matcher(value).matches())) {
            add(field, "format", "must be an IPv4 or IPv6 address");
        }
    }

    public void absoluteUrl(String field, String value, int maxLength) {
        if (value == null) {
            return;
        }
        try {
            URI uri = new URI(value);
            String scheme = uri.getScheme();
            if (uri.getHost() == null || !("https".equals(scheme) || "http".equals(scheme))) {
                add(field, "format", "must be an absolute http or https URL");
                return;
            }
        } catch (java.net.URISyntaxException e) {
            add(field, "format", "must be an absolute http or https URL");
            return;
        }
        maxLength(field, value, maxLength);
    }
}
