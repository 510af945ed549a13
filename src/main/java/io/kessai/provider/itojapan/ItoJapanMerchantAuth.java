package io.kessai.provider.itojapan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kessai.model.ErrorCode;
import io.kessai.model.KessaiException;
import io.kessai.provider.ProviderJson;
import io.kessai.provider.RetryableUpstreamAnswer;
import io.kessai.provider.Setting;
import io.kessai.provider.UpstreamFailures;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * ITO-Japan's merchant OAuth (client credentials, {@code ito-japan.txt} "Merchant OAuth"): {@code POST
 * {base-url}/oauth/token} with the form {@code grant_type=client_credentials&client_id=..&client_secret=..&scope=}
 * (route {@code direct:ito-japan-oauth-token}); the {@code access_token} is sent as {@code Authorization: Bearer}
 * on every {@code /api/oauth/merchant/*} call.
 *
 * <p>The token is cached until {@code expires_in} minus {@code oauth.token-renew-margin-seconds} (at most half its
 * lifetime; without {@code expires_in}, until ITO-Japan refuses it). One fetch at a time: callers that find no
 * usable token wait on one lock and the first fetches; the others then find the fresh token (no stampede). A 401
 * is answered once per call by a fresh token ({@link #renew}): the rejected token is dropped only if it is still
 * the cached one, so a burst of 401s after an early expiry fetches one new token, not one each. A second 401 is
 * {@code provider_auth_failed}.
 *
 * <p>The token and the client secret never leave this class except in the Authorization header and the token
 * request's body; they are never logged, put in an exception message, an exchange property or an event.
 */
public final class ItoJapanMerchantAuth implements CamelContextAware {
    /** Set once a call has had its one renewal. */
    static final String RENEWED = "kessaiItoJapanTokenRenewed";
    static final String TOKEN_PATH = "/oauth/token";
    static final String RENEW_MARGIN = ItoJapanSettings.P + "oauth.token-renew-margin-seconds";

    /** The merchant OAuth keys this class adds to the module's settings (client-id and client-secret are in {@link ItoJapanSettings}). */
    static final List<Setting> SETTINGS = List.of(
            Setting.of(RENEW_MARGIN, "60", "the merchant OAuth token is renewed this long before its expires_in runs out (at most half its lifetime)"),
            Setting.of(ItoJapanSettings.SANDBOX + "token-lifetime-seconds", "3600", "expires_in of the merchant OAuth tokens the ITO-Japan sandbox issues"));

    private final String clientId;
    private final String clientSecret;
    private final Duration margin;
    private final ObjectMapper json;
    private final Clock clock;
    private final ReentrantLock fetching = new ReentrantLock();
    private CamelContext camelContext;
    private volatile ProducerTemplate producer;
    private volatile CachedToken token;

    /** The cached token; {@code renewAt} null: no expiry was given. Its toString names no token. */
    private record CachedToken(String value, Instant renewAt) {
        boolean usable(Instant now) {
            return renewAt == null || now.isBefore(renewAt);
        }

        @Override
        public String toString() {
            return "CachedToken[renewAt=" + renewAt + "]";
        }
    }

    ItoJapanMerchantAuth(String clientId, String clientSecret, Duration margin, ObjectMapper json, Clock clock) {
        this.clientId = clientId;
        this.clientSecret = clientSecret;
        this.margin = margin;
        this.json = json;
        this.clock = clock;
    }

    /** @param property looks a key up (Camel properties); returns null when unset */
    static ItoJapanMerchantAuth from(Function<String, String> property, ObjectMapper json, Clock clock) {
        String margin = property.apply(RENEW_MARGIN);
        long seconds;
        try {
            seconds = margin == null ? 60 : Long.parseLong(margin);
        } catch (NumberFormatException e) {
            seconds = -1;
        }
        if (seconds < 0) {
            throw new IllegalArgumentException(RENEW_MARGIN + " must be a whole number of seconds, 0 or more");
        }
        return new ItoJapanMerchantAuth(property.apply(ItoJapanSettings.P + "client-id"),
                property.apply(ItoJapanSettings.P + "client-secret"), Duration.ofSeconds(seconds), json, clock);
    }

    /** Fails before any call when the OAuth client is not configured. */
    public void requireClient(Exchange exchange) {
        if (clientId == null || clientSecret == null) {
            throw new KessaiException(ErrorCode.INTERNAL_ERROR, "the ITO-Japan merchant endpoints need "
                    + ItoJapanSettings.P + "client-id and " + ItoJapanSettings.P + "client-secret (the merchant OAuth"
                    + " client); nothing was sent");
        }
    }

    /** Sets the Authorization header of one merchant call: the cached token, or a fresh one. */
    public void authorize(Exchange exchange) {
        exchange.getMessage().setHeader("Authorization", "Bearer " + current().value());
    }

    /** A 401 is answered once per call by a fresh token: the cached one may have expired early or been revoked. */
    public boolean renewable(Exchange exchange) {
        return !exchange.getProperty(RENEWED, false, Boolean.class);
    }

    /** Drops the rejected token (only if no other call has renewed it meanwhile) and authorizes with a fresh one. */
    public void renew(Exchange exchange) {
        String rejected = exchange.getMessage().getHeader("Authorization", String.class);
        fetching.lock();
        try {
            CachedToken cached = token;
            if (cached != null && rejected != null && rejected.equals("Bearer " + cached.value())) {
                token = null;
            }
        } finally {
            fetching.unlock();
        }
        exchange.setProperty(RENEWED, true);
        authorize(exchange);
    }

    /** The token request's form (the document's: grant_type, client_id, client_secret, an empty scope). */
    public String tokenForm() {
        return "grant_type=client_credentials&client_id=" + URLEncoder.encode(clientId, StandardCharsets.UTF_8)
                + "&client_secret=" + URLEncoder.encode(clientSecret, StandardCharsets.UTF_8) + "&scope=";
    }

    private CachedToken current() {
        CachedToken cached = token;
        if (cached != null && cached.usable(clock.instant())) {
            return cached;
        }
        try {
            // interruptible: an attempt cut at its time limit stops waiting
            fetching.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KessaiException(ErrorCode.PROVIDER_UNAVAILABLE,
                    "interrupted while waiting for ito-japan's merchant OAuth token; the merchant call was not sent");
        }
        try {
            cached = token;
            if (cached == null || !cached.usable(clock.instant())) {
                cached = fetch();
                token = cached;
            }
            return cached;
        } finally {
            fetching.unlock();
        }
    }

    private CachedToken fetch() {
        Exchange answer = producer().send("direct:ito-japan-oauth-token", e -> { });
        if (answer.getException() != null) {
            Exception failure = answer.getException();
            if (failure instanceof KessaiException k) {
                throw k;
            }
            if (UpstreamFailures.isBeforeSending(failure)) {
                // the template sends the merchant call again, and this fetch with it
                throw new IllegalStateException("ito-japan's token endpoint could not be reached", unwrapped(failure));
            }
            throw new KessaiException(ErrorCode.PROVIDER_UNAVAILABLE, "ito-japan's token endpoint (" + TOKEN_PATH
                    + ") did not answer (" + failure.getClass().getSimpleName() + "); the merchant call was not sent");
        }
        int status = answer.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        JsonNode node = ProviderJson.parseOrNull(json, answer.getMessage().getBody(String.class));
        answer.getMessage().setBody(null);
        String error = node == null || !node.isObject() ? null : ProviderJson.text(node, "error");
        if (status == 429 || status >= 500) {
            // nothing was sent yet but the token request, which is harmless to send again
            throw new RetryableUpstreamAnswer(status, error == null ? String.valueOf(status) : error, true);
        }
        if (status == 400 || status == 401 || status == 403) {
            String description = node == null ? null : ProviderJson.text(node, "error_description");
            throw new KessaiException(ErrorCode.PROVIDER_AUTH_FAILED, "ito-japan's token endpoint (" + TOKEN_PATH
                    + ") refused Kessai's merchant OAuth client with HTTP " + status
                    + (error == null ? "" : " " + error) + (description == null ? "" : ": " + shortened(description))
                    + "; check " + ItoJapanSettings.P + "client-id and client-secret", List.of(),
                    error == null ? String.valueOf(status) : error, null);
        }
        if (status != 200 || node == null || !node.isObject()) {
            throw new KessaiException(ErrorCode.PROVIDER_ERROR, "ito-japan's token endpoint (" + TOKEN_PATH
                    + ") answered HTTP " + status + (node == null ? " without JSON" : ""), List.of(), String.valueOf(status), null);
        }
        JsonNode value = node.get("access_token");
        JsonNode expiresIn = node.get("expires_in");
        String type = ProviderJson.text(node, "token_type");
        if (value == null || !value.isTextual() || value.asText().isBlank()
                || (type != null && !"bearer".equalsIgnoreCase(type))) {
            throw new KessaiException(ErrorCode.PROVIDER_ERROR, "ito-japan's token answer has no Bearer access_token",
                    List.of(), UpstreamFailures.UNREADABLE, null);
        }
        if (expiresIn == null || expiresIn.isNull()) {
            return new CachedToken(value.asText(), null);
        }
        if (!expiresIn.canConvertToLong() || expiresIn.asLong() < 0) {
            throw new KessaiException(ErrorCode.PROVIDER_ERROR, "ito-japan's token answer has an expires_in that is not"
                    + " a whole number of seconds", List.of(), UpstreamFailures.UNREADABLE, null);
        }
        long lifetime = expiresIn.asLong();
        long early = Math.min(margin.toSeconds(), lifetime / 2);
        return new CachedToken(value.asText(), clock.instant().plusSeconds(lifetime - early));
    }

    private static Throwable unwrapped(Throwable t) {
        Throwable current = t;
        while (current.getCause() != null && !UpstreamFailures.isBeforeSending(current)) {
            current = current.getCause();
        }
        return current;
    }

    private static String shortened(String text) {
        return text.length() <= 200 ? text : text.substring(0, 200) + "…";
    }

    private ProducerTemplate producer() {
        if (producer == null) {
            synchronized (this) {
                if (producer == null) {
                    producer = camelContext.createProducerTemplate();
                }
            }
        }
        return producer;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    @Override
    public String toString() {
        return "ItoJapanMerchantAuth[renewMargin=" + margin + "]";
    }
}
