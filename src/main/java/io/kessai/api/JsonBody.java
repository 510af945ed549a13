package io.kessai.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kessai.model.FieldError;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * The rules for a JSON request body (contract sections 2 and 5): exactly one JSON document, in UTF-8, sent
 * as {@code application/json} (a {@code charset}, if given, must be {@code utf-8}).
 *
 * <ul>
 *   <li>{@link #check(Exchange)}, at the HTTP door of every POST: a body without that media type, or one in
 *       UTF-16 or UTF-32 (a byte order mark, or NUL bytes), is {@code 415 unsupported_media_type}. No body
 *       at all needs no media type (capture and refund without a body take the whole amount).</li>
 *   <li>{@link #readOne}, wherever a JSON body is read (the API's orders and amounts, webhooks): bytes that
 *       are not UTF-8, a byte order mark, malformed JSON, a repeated key, or anything after the first
 *       document are one error on the body (field {@code ""}).</li>
 * </ul>
 */
public final class JsonBody {
    public static final String MEDIA_TYPE = "application/json";

    /**
     * The HTTP door's media-type rule for a POST; leaves the body as the raw bytes that arrived, so that
     * what is read later is exactly what was checked.
     *
     * @throws HttpProblem 415 unsupported_media_type
     */
    public void check(Exchange exchange) {
        Message message = exchange.getMessage();
        if (!"POST".equalsIgnoreCase(message.getHeader(Exchange.HTTP_METHOD, String.class))) {
            return;
        }
        // Before the body is touched: a form body has been decoded into headers by then, not kept as bytes.
        requireMediaType(message);
        byte[] body = message.getBody(byte[].class);
        body = body == null ? new byte[0] : body;
        message.setBody(body);
        requireUtf8(body);
    }

    /**
     * A request that has a body must declare it {@code application/json}, with no charset or {@code utf-8}.
     * A request without a body needs no media type. A body is there when Content-Length is above 0, when
     * the bytes are not blank, or when a chunked request names a media type (a form's bytes have become
     * headers by now).
     *
     * @throws HttpProblem 415 unsupported_media_type
     */
    public static void requireMediaType(Message message) {
        String contentType = message.getHeader(Exchange.CONTENT_TYPE, String.class);
        String length = message.getHeader("Content-Length", String.class);
        boolean declared = (length != null && !length.isBlank() && !"0".equals(length.trim()))
                || (message.getHeader("Transfer-Encoding") != null && contentType != null);
        if (!declared && !hasContent(message)) {
            return;
        }
        if (contentType == null || contentType.isBlank()) {
            throw HttpProblem.unsupportedMediaType("Content-Type", "required",
                    "a request body needs Content-Type: " + MEDIA_TYPE);
        }
        String[] parts = contentType.split(";");
        if (!MEDIA_TYPE.equals(parts[0].trim().toLowerCase(Locale.ROOT))) {
            throw HttpProblem.unsupportedMediaType("Content-Type", "media_type",
                    "the body must be sent as " + MEDIA_TYPE);
        }
        for (int i = 1; i < parts.length; i++) {
            String[] parameter = parts[i].split("=", 2);
            if ("charset".equalsIgnoreCase(parameter[0].trim())) {
                String charset = parameter.length < 2 ? "" : parameter[1].trim().replace("\"", "");
                if (!"utf-8".equalsIgnoreCase(charset)) {
                    throw HttpProblem.unsupportedMediaType("Content-Type", "charset",
                            "the charset of an " + MEDIA_TYPE + " body must be utf-8");
                }
            }
        }
    }

    /**
     * A JSON body in UTF-16 or UTF-32 (a byte order mark, or NUL bytes, which UTF-8 JSON never has) is not
     * the media type this door takes.
     *
     * @throws HttpProblem 415 unsupported_media_type
     */
    public static void requireUtf8(byte[] body) {
        if (body != null && isWideEncoding(body)) {
            throw HttpProblem.unsupportedMediaType("body", "encoding",
                    "the body must be UTF-8; this one is UTF-16 or UTF-32 (a byte order mark or NUL bytes)");
        }
    }

    /**
     * Exactly one JSON document in strict UTF-8. A broken rule is added to {@code errors} as an error on the
     * body (field {@code ""}) and the answer is null; an empty or blank body answers null with no error.
     */
    public static JsonNode readOne(ObjectMapper json, byte[] body, List<FieldError> errors) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            errors.add(new FieldError("", "encoding", "the body is not valid UTF-8"));
            return null;
        }
        if (text.startsWith("\uFEFF")) {
            errors.add(new FieldError("", "encoding", "the body must not start with a byte order mark"));
            return null;
        }
        JsonNode node;
        try (JsonParser parser = json.createParser(text)) {
            node = json.readTree(parser);
            if (node == null) {
                return null;
            }
            JsonToken next;
            try {
                next = parser.nextToken();
            } catch (JsonProcessingException e) {
                next = JsonToken.NOT_AVAILABLE;
            }
            if (next != null) {
                errors.add(new FieldError("", "trailing_content",
                        "the body must be one JSON document with nothing after it"));
                return null;
            }
            return node;
        } catch (IOException e) {
            errors.add(new FieldError("", "malformed_json", "the request body is not valid JSON"));
            return null;
        }
    }

    /** Whether the message carries body bytes that are not blank; a stream is left unread (its headers tell). */
    private static boolean hasContent(Message message) {
        Object body = message.getBody();
        if (body == null || body instanceof java.io.InputStream) {
            return false;
        }
        if (body instanceof String text) {
            return !text.isBlank();
        }
        return !isBlank(body instanceof byte[] bytes ? bytes : message.getBody(byte[].class));
    }

    private static boolean isBlank(byte[] body) {
        if (body == null) {
            return true;
        }
        for (byte b : body) {
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                return false;
            }
        }
        return true;
    }

    /** UTF-16 and UTF-32 BOMs; without one, a JSON text in those encodings has NUL bytes (UTF-8 JSON never has). */
    private static boolean isWideEncoding(byte[] body) {
        if (body.length >= 2 && ((body[0] == (byte) 0xFE && body[1] == (byte) 0xFF)
                || (body[0] == (byte) 0xFF && body[1] == (byte) 0xFE))) {
            return true;
        }
        for (byte b : body) {
            if (b == 0) {
                return true;
            }
        }
        return false;
    }
}
