package io.kessai.webhook;

import io.kessai.api.HttpProblem;
import io.kessai.api.JsonBody;
import io.kessai.events.Notice;
import io.kessai.model.ProviderOutcome;
import io.kessai.payment.Flow;
import io.kessai.payment.StateMachine;
import io.kessai.provider.WebhookRejected;
import io.kessai.provider.WebhookVerifier;
import io.kessai.schedule.Backoff;
import io.kessai.store.InboxStore;
import io.kessai.store.PaymentRecord;
import io.kessai.store.PaymentStore;
import io.kessai.store.StoreException;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

/**
 * The webhook fan-in: {@code POST /webhooks/{provider}} verifies with the provider's verifier, stores the
 * raw notification (unique by the provider's identity of it) and only then answers 2xx; the inbox route
 * later confirms each stored notification with the provider and hands the answer to the state machine.
 */
public final class Webhooks {
    private static final Logger LOG = LoggerFactory.getLogger(Webhooks.class);
    private static final String STORED = "kessaiStoredWebhook";
    /** Whether the notification just received was stored now (false: a copy of one stored before). */
    private static final String STORED_NEW = "kessaiWebhookStoredNew";
    /** The endpoint that confirms a stored notification about something other than a payment. */
    public static final String OTHER_NOTICE = "kessaiOtherNotice";

    private final Map<String, WebhookVerifier> verifiers;
    private final InboxStore inbox;
    private final PaymentStore payments;
    private final StateMachine stateMachine;
    private final int maxBodyBytes;
    private final Backoff backoff;
    private final int batchSize;
    private final int confirmAttempts;
    private volatile io.kessai.ops.KessaiMetrics metrics = io.kessai.ops.KessaiMetrics.disabled();

    public Webhooks(Map<String, WebhookVerifier> verifiers, InboxStore inbox, PaymentStore payments,
                    StateMachine stateMachine, int maxBodyBytes, Backoff backoff, int batchSize,
                    int confirmAttempts) {
        this.confirmAttempts = confirmAttempts;
        this.verifiers = Map.copyOf(verifiers);
        this.inbox = inbox;
        this.payments = payments;
        this.stateMachine = stateMachine;
        this.maxBodyBytes = maxBodyBytes;
        this.backoff = backoff;
        this.batchSize = batchSize;
    }

    /** Where every notification's verdict is counted. */
    public void metrics(io.kessai.ops.KessaiMetrics metrics) {
        this.metrics = metrics;
    }

    /** POST /webhooks/{provider}: verify, store durably, answer; the verdict is counted per installed provider. */
    public String receive(Exchange exchange) {
        String provider = exchange.getMessage().getHeader("provider", String.class);
        WebhookVerifier verifier = verifiers.get(provider);
        if (verifier == null) {
            throw new WebhookRejected(404, "not_found", "no webhooks are taken for provider " + provider);
        }
        try {
            String answer = verifyAndStore(exchange, provider, verifier);
            metrics.webhook(provider, exchange.getProperty(STORED_NEW, true, Boolean.class) ? "accepted" : "duplicate");
            exchange.removeProperty(STORED_NEW);
            return answer;
        } catch (WebhookRejected r) {
            metrics.webhook(provider, r.status() == 401 ? "forged" : r.status() == 503 ? "unavailable" : "malformed");
            throw r;
        }
    }

    private String verifyAndStore(Exchange exchange, String provider, WebhookVerifier verifier) {
        boolean json = JsonBody.MEDIA_TYPE.equals(verifier.mediaType());
        try {
            if (json) {
                JsonBody.requireMediaType(exchange.getMessage());
            }
            byte[] body = body(exchange);
            if (json) {
                JsonBody.requireUtf8(body);
            }
            return store(exchange, provider, verifier, body);
        } catch (HttpProblem p) {
            throw p instanceof WebhookRejected w ? w : WebhookRejected.of(p);
        }
    }

    private String store(Exchange exchange, String provider, WebhookVerifier verifier, byte[] body) {
        WebhookVerifier.Verified verified = verifier.verify(body, exchange.getMessage().getHeaders(), remoteAddress(exchange));
        boolean stored;
        try {
            stored = inbox.store(provider, verified.dedupeKey(), verified.paymentRefId(),
                    verified.storedBody() != null ? verified.storedBody() : body);
        } catch (StoreException e) {
            LOG.error("webhook from {} not stored: {}", provider, e.getMessage());
            throw new WebhookRejected(503, "store_unavailable", "the notification could not be stored; retry later");
        }
        exchange.setProperty(STORED_NEW, stored);
        var message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        if (verified.acknowledgement() != null) {
            message.setHeader(Exchange.CONTENT_TYPE, "text/plain");
            return verified.acknowledgement();
        }
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        return stored ? "{\"received\":true}" : "{\"received\":true,\"duplicate\":true}";
    }

    private byte[] body(Exchange exchange) {
        Object raw = exchange.getMessage().getBody();
        byte[] bytes;
        try {
            if (raw == null) {
                bytes = new byte[0];
            } else if (raw instanceof byte[] b) {
                bytes = b;
            } else if (raw instanceof InputStream in) {
                bytes = in.readNBytes(maxBodyBytes + 1);
            } else if (raw instanceof String s) {
                bytes = s.getBytes(StandardCharsets.UTF_8);
            } else {
                bytes = exchange.getMessage().getBody(byte[].class);
            }
        } catch (IOException e) {
            throw WebhookRejected.malformed("the body could not be read");
        }
        if (bytes == null) {
            throw WebhookRejected.malformed("the body could not be read");
        }
        if (bytes.length > maxBodyBytes) {
            throw new WebhookRejected(413, "payload_too_large", "the body is larger than " + maxBodyBytes + " bytes");
        }
        return bytes;
    }

    /** The peer address as platform-http gives it (host, without port). */
    static String remoteAddress(Exchange exchange) {
        Object address = exchange.getMessage().getHeader("CamelVertxPlatformHttpRemoteAddress");
        if (address == null) {
            return null;
        }
        String text = address.toString();
        int colon = text.lastIndexOf(':');
        String host = colon > 0 && text.indexOf(':') == colon ? text.substring(0, colon) : text;
        return host.startsWith("[") ? host.substring(1, host.indexOf(']')) : host;
    }

    // ---- processing stored notifications ---------------------------------------------------------

    public List<InboxStore.StoredWebhook> due() {
        return inbox.due(batchSize);
    }

    /** Loads the payment a stored notification is about; one Kessai does not know is settled as ignored. */
    public void prepare(Exchange exchange) {
        InboxStore.StoredWebhook webhook = exchange.getMessage().getBody(InboxStore.StoredWebhook.class);
        exchange.setProperty(STORED, webhook);
        PaymentRecord payment = webhook.providerRefId() == null ? null
                : payments.findByProviderRef(webhook.provider(), webhook.providerRefId()).orElse(null);
        exchange.setProperty(Flow.CALL_UPSTREAM, payment != null);
        if (payment == null) {
            WebhookVerifier verifier = verifiers.get(webhook.provider());
            String other = webhook.providerRefId() != null || verifier == null ? null
                    : verifier.otherNoticeEndpoint(webhook.body());
            if (other != null) {
                exchange.setProperty(OTHER_NOTICE, other);
                exchange.getMessage().setBody(webhook.body());
                return;
            }
            inbox.processed(webhook.id(), "ignored: no payment with this provider id");
            return;
        }
        exchange.setProperty(Flow.PAYMENT, payment);
        exchange.setProperty(Flow.PROVIDER, payment.provider());
        exchange.setProperty(Flow.SOURCE, "webhook");
        exchange.setProperty(Flow.NOTICE, new Notice("webhook", webhook.dedupeKey(), webhook.receivedAt()));
        exchange.getMessage().setBody(webhook.body());
    }

    /** The provider confirmed: whatever it says now wins over the notification. */
    public void confirmed(Exchange exchange) {
        InboxStore.StoredWebhook webhook = exchange.getProperty(STORED, InboxStore.StoredWebhook.class);
        PaymentRecord payment = exchange.getProperty(Flow.PAYMENT, PaymentRecord.class);
        ProviderOutcome outcome = exchange.getMessage().getBody(ProviderOutcome.class);
        PaymentRecord after = stateMachine.apply(payment.paymentId(), outcome,
                exchange.getProperty(Flow.NOTICE, Notice.class));
        boolean unconfirmedClaim = after.status().isOpen() && verifiers.get(webhook.provider()).claimsFinalOutcome(webhook.body());
        if (unconfirmedClaim && webhook.attempts() + 1 < confirmAttempts) {
            // The provider does not say so yet: ask again later rather than settle the notice unconfirmed
            // (its copies would then be dropped as duplicates).
            inbox.retryLater(webhook.id(), OffsetDateTime.now(java.time.ZoneOffset.UTC).plus(backoff.after(webhook.attempts())),
                    "not confirmed yet: " + after.status().wire());
            return;
        }
        inbox.processed(webhook.id(), (unconfirmedClaim ? "never confirmed: " : "confirmed: ") + after.status().wire());
    }

    /** A notification about something other than a payment was confirmed and acted on by its endpoint. */
    public void otherConfirmed(Exchange exchange) {
        InboxStore.StoredWebhook webhook = exchange.getProperty(STORED, InboxStore.StoredWebhook.class);
        String outcome = exchange.getMessage().getBody(String.class);
        inbox.processed(webhook.id(), "confirmed: " + (outcome == null ? "done" : outcome));
    }

    public void failed(Exchange exchange) {
        InboxStore.StoredWebhook webhook = exchange.getProperty(STORED, InboxStore.StoredWebhook.class);
        Exception e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        Duration wait = backoff.after(webhook.attempts());
        inbox.retryLater(webhook.id(), OffsetDateTime.now(java.time.ZoneOffset.UTC).plus(wait),
                e == null ? "failed" : e.getMessage());
        LOG.warn("webhook {} of {} not confirmed yet (attempt {}), next try in {}: {}", webhook.dedupeKey(),
                webhook.provider(), webhook.attempts() + 1, wait, e == null ? "" : e.getMessage());
    }
}
