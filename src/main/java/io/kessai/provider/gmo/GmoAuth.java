package io.kessai.provider.gmo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kessai.model.ErrorCode;
import io.kessai.model.KessaiException;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;

/**
 * GMO authentication: {@code password} mode sends Basic shopId:shopPass; {@code token} mode sends a Bearer
 * access token from the authorization server, cached until {@code expires_in} minus a margin, and renewed
 * once when GMO answers 401 (providers.md, gmo-pg). The token is fetched by the route
 * {@code direct:gmo-pg-token}.
 */
public final class GmoAuth implements CamelContextAware {
    static final String RENEWED = "kessaiGmoTokenRenewed";

    private final GmoSettings settings;
    private final ObjectMapper json;
    private final Clock clock;
    private CamelContext camelContext;
    private ProducerTemplate producer;
    private volatile CachedToken token;

    private record CachedToken(String value, Instant renewAt) {
    }

    public GmoAuth(GmoSettings settings, ObjectMapper json, Clock clock) {
        this.settings = settings;
        this.json = json;
        this.clock = clock;
    }

    public boolean tokenMode() {
        return GmoSettings.TOKEN.equals(settings.authMode());
    }

    /** Sets the Authorization header of a GMO API call. */
    public void authorize(Exchange exchange) {
        exchange.getMessage().setHeader("Authorization", tokenMode() ? "Bearer " + currentToken() : basic());
    }

    /** The Basic credentials of the token endpoint (and of every call in password mode). */
    public String basic() {
        String pair = settings.shopId() + ":" + settings.shopPass();
        return "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
    }

    /** A 401 in token mode is answered once by a fresh token: the cached one may have expired early. */
    public boolean renewable(Exchange exchange) {
        return tokenMode() && !exchange.getProperty(RENEWED, false, Boolean.class);
    }

    public void renew(Exchange exchange) {
        String rejected = exchange.getMessage().getHeader("Authorization", String.class);
        synchronized (this) {
            CachedToken cached = token;
            if (cached != null && rejected != null && rejected.equals("Bearer " + cached.value())) {
                token = null;
            }
        }
        exchange.setProperty(RENEWED, true);
        authorize(exchange);
    }

    private String currentToken() {
        CachedToken cached = token;
        if (cached != null && clock.instant().isBefore(cached.renewAt())) {
            return cached.value();
        }
        synchronized (this) {
            cached = token;
            if (cached == null || !clock.instant().isBefore(cached.renewAt())) {
                cached = fetch();
                token = cached;
            }
            return cached.value();
        }
    }

    private CachedToken fetch() {
        Exchange answer = producer().send("direct:gmo-pg-token", e -> { });
        if (answer.getException() != null) {
            throw io.kessai.provider.UpstreamFailures.toKessai(answer.getException(), "GMO PG authorization server");
        }
        int status = answer.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        String body = answer.getMessage().getBody(String.class);
        if (status == 401) {
            throw new KessaiException(ErrorCode.PROVIDER_AUTH_FAILED,
                    "GMO PG authorization server rejected Kessai's credentials (check shop-id and shop-pass)",
                    java.util.List.of(), "unauthorized_request", null);
        }
        if (status < 200 || status >= 300) {
            throw GmoAnswers.error(status, null, null);
        }
        try {
            JsonNode node = json.readTree(body);
            String value = node.path("access_token").asText(null);
            long expiresIn = Long.parseLong(node.path("expires_in").asText("3600"));
            if (value == null) {
                throw new KessaiException(ErrorCode.PROVIDER_ERROR, "GMO PG token answer has no access_token");
            }
            long lifetime = Math.max(0, expiresIn - settings.tokenRenewMargin().toSeconds());
            return new CachedToken(value, clock.instant().plusSeconds(lifetime));
        } catch (IOException | NumberFormatException e) {
            throw new KessaiException(ErrorCode.PROVIDER_ERROR, "GMO PG token answer is malformed");
        }
    }

    private ProducerTemplate producer() {
        if (producer == null) {
            producer = camelContext.createProducerTemplate();
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
}
