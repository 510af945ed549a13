package io.kessai.sandbox.payjp;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parameters of one request, parsed strictly: {@code application/x-www-form-urlencoded} bodies and query strings
 * (the v1 reference: "リクエストは application/x-www-form-urlencoded", nested keys as {@code metadata[key]=value}) and
 * {@code multipart/form-data} bodies (the Platform applications, {@code curl -F}). A malformed encoding (a bad
 * {@code %} escape, bytes that are not UTF-8, a pair without {@code =}, an empty pair) is
 * {@code 400 invalid_querystring}; a name that is neither {@code name}, {@code name[key]} nor {@code name[]} is
 * {@code 400 invalid_param_key}; so is a parameter the endpoint does not take, and one given twice.
 */
final class PayjpForm {

    /** One parameter: a text value, or a file (multipart only). */
    record Part(String name, String base, String subKey, boolean array, String value, String filename,
                String contentType, byte[] content) {
        boolean isFile() {
            return filename != null;
        }
    }

    private static final Pattern NAME = Pattern.compile("([A-Za-z0-9_]+)(?:\\[([^\\[\\]]*)])?");

    private final List<Part> parts;

    private PayjpForm(List<Part> parts) {
        this.parts = parts;
    }

    static PayjpForm empty() {
        return new PayjpForm(List.of());
    }

    boolean isEmpty() {
        return parts.isEmpty();
    }

    List<Part> parts() {
        return parts;
    }

    /** Parses a query string or a form body (both {@code name=value} pairs joined by {@code &}). */
    static PayjpForm urlEncoded(String raw) {
        List<Part> parts = new ArrayList<>();
        if (raw == null || raw.isEmpty()) {
            return new PayjpForm(parts);
        }
        for (String pair : raw.split("&", -1)) {
            int eq = pair.indexOf('=');
            if (pair.isEmpty() || eq <= 0) {
                throw PayjpError.invalidQuery(pair.isEmpty() ? null : decode(eq < 0 ? pair : pair.substring(0, eq)));
            }
            String name = decode(pair.substring(0, eq));
            String value = decode(pair.substring(eq + 1));
            parts.add(part(name, value, null, null, null));
        }
        return new PayjpForm(parts);
    }

    /** Parses a {@code multipart/form-data} body with the boundary of its Content-Type. */
    static PayjpForm multipart(byte[] body, String contentType) {
        String boundary = boundary(contentType);
        if (boundary == null) {
            throw PayjpError.client("invalid_querystring", "The multipart boundary is missing.", null);
        }
        byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
        List<Part> parts = new ArrayList<>();
        int pos = indexOf(body, delimiter, 0);
        if (pos != 0) {
            throw malformedMultipart();
        }
        pos += delimiter.length;
        while (true) {
            if (startsWith(body, pos, "--")) {
                return new PayjpForm(parts);   // the closing delimiter
            }
            if (!startsWith(body, pos, "\r\n")) {
                throw malformedMultipart();
            }
            pos += 2;
            int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), pos);
            if (headersEnd < 0) {
                throw malformedMultipart();
            }
            Map<String, String> headers = new LinkedHashMap<>();
            for (String line : new String(body, pos, headersEnd - pos, StandardCharsets.UTF_8).split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon <= 0) {
                    throw malformedMultipart();
                }
                headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
            }
            int contentStart = headersEnd + 4;
            byte[] next = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
            int contentEnd = indexOf(body, next, contentStart);
            if (contentEnd < 0) {
                throw malformedMultipart();
            }
            byte[] content = java.util.Arrays.copyOfRange(body, contentStart, contentEnd);
            String disposition = headers.get("content-disposition");
            if (disposition == null || !disposition.toLowerCase(Locale.ROOT).startsWith("form-data")) {
                throw malformedMultipart();
            }
            String name = dispositionParameter(disposition, "name");
            String filename = dispositionParameter(disposition, "filename");
            if (name == null || name.isEmpty()) {
                throw malformedMultipart();
            }
            if (filename != null) {
                String type = headers.getOrDefault("content-type", "application/octet-stream");
                parts.add(part(name, null, filename, type, content));
            } else {
                parts.add(part(name, utf8(content), null, null, null));
            }
            pos = contentEnd + next.length;
        }
    }

    private static Part part(String name, String value, String filename, String contentType, byte[] content) {
        Matcher m = NAME.matcher(name);
        if (!m.matches()) {
            throw PayjpError.invalidParamKey(name);
        }
        String sub = m.group(2);
        boolean array = sub != null && sub.isEmpty();
        return new Part(name, m.group(1), array ? null : sub, array, value, filename, contentType, content);
    }

    /** Refuses any parameter outside these: scalars by name, nested objects ({@code base[key]}) and arrays. */
    void allow(Set<String> scalars, Set<String> nested, Set<String> arrays) {
        Set<String> seenScalars = new LinkedHashSet<>();
        Set<String> seenNested = new LinkedHashSet<>();
        for (Part p : parts) {
            if (p.subKey() != null) {
                if (!nested.contains(p.base()) || !seenNested.add(p.base() + "[" + p.subKey() + "]")) {
                    throw PayjpError.invalidParamKey(p.name());
                }
            } else if (p.array()) {
                if (!arrays.contains(p.base())) {
                    throw PayjpError.invalidParamKey(p.name());
                }
            } else if (arrays.contains(p.base())) {
                // a repeated plain name is an array too (curl -F "product_type=goods" -F "product_type=services")
            } else if (!scalars.contains(p.base()) || !seenScalars.add(p.base())) {
                throw PayjpError.invalidParamKey(p.name());
            }
        }
    }

    /** The text value of a scalar, or null when absent. */
    String value(String name) {
        for (Part p : parts) {
            if (p.base().equals(name) && p.subKey() == null && !p.array()) {
                if (p.isFile()) {
                    return null;
                }
                return p.value();
            }
        }
        return null;
    }

    boolean has(String name) {
        for (Part p : parts) {
            if (p.base().equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** The file of a scalar, or null. */
    Part file(String name) {
        for (Part p : parts) {
            if (p.base().equals(name) && p.isFile()) {
                return p;
            }
        }
        return null;
    }

    /** {@code base[key]=value} pairs in order. */
    Map<String, String> nested(String base) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Part p : parts) {
            if (p.base().equals(base) && p.subKey() != null) {
                out.put(p.subKey(), p.value());
            }
        }
        return out;
    }

    /** The values of an array parameter ({@code base[]=v} or the plain name repeated). */
    List<String> values(String base) {
        List<String> out = new ArrayList<>();
        for (Part p : parts) {
            if (p.base().equals(base) && p.subKey() == null && !p.isFile()) {
                out.add(p.value());
            }
        }
        return out;
    }

    /** What identifies the request's parameters regardless of their order (for Idempotency-Key comparisons). */
    String fingerprint() {
        List<String> items = new ArrayList<>();
        for (Part p : parts) {
            items.add(p.name() + "=" + (p.isFile()
                    ? "file:" + p.filename() + ":" + java.util.Arrays.hashCode(p.content()) : p.value()));
        }
        items.sort(null);
        return String.join("&", items);
    }

    // ------------------------------------------------------------------ decoding

    private static String decode(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '+') {
                out.write(' ');
            } else if (c == '%') {
                if (i + 2 >= s.length()) {
                    throw PayjpError.invalidQuery(null);
                }
                int hi = Character.digit(s.charAt(i + 1), 16);
                int lo = Character.digit(s.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    throw PayjpError.invalidQuery(null);
                }
                out.write(hi * 16 + lo);
                i += 2;
            } else if (c > 0x7e || c < 0x20) {
                throw PayjpError.invalidQuery(null);   // must be percent-encoded
            } else {
                out.write(c);
            }
        }
        return utf8(out.toByteArray());
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw PayjpError.invalidQuery(null);
        }
    }

    private static String boundary(String contentType) {
        if (contentType == null) {
            return null;
        }
        for (String param : contentType.split(";")) {
            String p = param.trim();
            if (p.toLowerCase(Locale.ROOT).startsWith("boundary=")) {
                String b = p.substring("boundary=".length());
                if (b.length() >= 2 && b.startsWith("\"") && b.endsWith("\"")) {
                    b = b.substring(1, b.length() - 1);
                }
                return b.isEmpty() ? null : b;
            }
        }
        return null;
    }

    private static String dispositionParameter(String disposition, String name) {
        Matcher m = Pattern.compile(";\\s*" + name + "=\"([^\"]*)\"").matcher(disposition);
        return m.find() ? m.group(1) : null;
    }

    private static PayjpError malformedMultipart() {
        return PayjpError.client("invalid_querystring", "The multipart body is malformed.", null);
    }

    private static boolean startsWith(byte[] body, int pos, String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        if (pos + b.length > body.length) {
            return false;
        }
        for (int i = 0; i < b.length; i++) {
            if (body[pos + i] != b[i]) {
                return false;
            }
        }
        return true;
    }

    private static int indexOf(byte[] body, byte[] needle, int from) {
        outer:
        for (int i = from; i <= body.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (body[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
