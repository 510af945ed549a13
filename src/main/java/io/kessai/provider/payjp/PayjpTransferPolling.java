package io.kessai.provider.payjp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.provider.ProviderJson;
import io.kessai.provider.TransferEvents;
import io.kessai.provider.UpstreamFailures;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.Locale;

/**
 * One run of the PAY.JP transfer polling (route {@code payjp-transfer-polling}): {@code GET /v1/platform/transfers}
 * from the cursor minus the overlap window up to the run's start, page by page while {@code has_more}, and for each
 * platform transfer ({@code pf_tr_}) every page of its merchant transfers ({@code /platform/transfers/{id}/transfers},
 * {@code tr_}). Each transfer goes to {@link TransferEvents#record}, which publishes {@code transfer.<status>} when
 * it is new or its status changed, in the transaction that stores the status: a run cut short (a restart, an
 * upstream failure) loses nothing and the next run, starting from the same cursor, publishes nothing twice.
 *
 * <p>The cursor ({@code since}, epoch seconds) moves only at the end of a complete run: to the {@code created} of
 * the oldest platform transfer that is not {@code paid} or has a merchant transfer not {@code paid} (statuses still
 * change there), but never further back than {@code transfers.lookback-days}; to the run's start when all are paid.
 * Every page is one call through the upstream-call template ({@code direct:kessai-payjp-platform-get}).
 */
public final class PayjpTransferPolling implements CamelContextAware {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PayjpTransferPolling.class);
    static final String CURSOR = "platform-transfers.since";
    private static final String PAID = "paid";

    private final PayjpSettings settings;
    private final TransferEvents transfers;
    private final ObjectMapper json;
    private final Clock clock;
    private CamelContext camelContext;
    private volatile ProducerTemplate producer;

    public PayjpTransferPolling(PayjpSettings settings, TransferEvents transfers, ObjectMapper json, Clock clock) {
        this.settings = settings;
        this.transfers = transfers;
        this.json = json;
        this.clock = clock;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    /** The summary of a run (for the log and the tests' reading of the route). */
    public record Run(long since, long until, int platformTransfers, int merchantTransfers, int published, long cursor) {
    }

    public Run poll() {
        long now = clock.instant().getEpochSecond();
        long floor = now - settings.transfers().lookbackDays() * 86_400L;
        long cursor = transfers.cursor(CURSOR).map(Long::parseLong).orElse(floor);
        long since = Math.max(0, cursor - settings.transfers().overlapSeconds());
        int size = settings.transfers().pageSize();
        Long oldestOpen = null;
        int platform = 0;
        int merchant = 0;
        int published = 0;
        for (int offset = 0; ; ) {
            JsonNode page = list("/platform/transfers", "limit=" + size + "&offset=" + offset + "&since=" + since
                    + "&until=" + now);
            JsonNode data = page.get("data");
            for (JsonNode pf : data) {
                String id = requireId(pf, "pf_tr_");
                boolean open = !PAID.equals(ProviderJson.text(pf, "status"));
                for (int moff = 0; ; ) {
                    JsonNode children = list("/platform/transfers/" + id + "/transfers", "limit=" + size + "&offset=" + moff);
                    JsonNode cdata = children.get("data");
                    for (JsonNode tr : cdata) {
                        requireId(tr, "tr_");
                        open |= !PAID.equals(ProviderJson.text(tr, "status"));
                        published += transfers.record(transfer(tr, id, "amount")) ? 1 : 0;
                        merchant++;
                    }
                    if (!children.get("has_more").asBoolean() || cdata.isEmpty()) {
                        break;
                    }
                    moff += cdata.size();
                }
                ObjectNode own = ((ObjectNode) pf).deepCopy();
                own.remove("transfers");   // each merchant transfer is published on its own
                published += transfers.record(transfer(own, null, "fee_amount")) ? 1 : 0;
                platform++;
                long created = pf.path("created").asLong(now);
                if (open && (oldestOpen == null || created < oldestOpen)) {
                    oldestOpen = created;
                }
            }
            if (!page.get("has_more").asBoolean() || data.isEmpty()) {
                break;
            }
            offset += data.size();
        }
        long next = oldestOpen == null ? now : Math.max(oldestOpen, floor);
        transfers.saveCursor(CURSOR, Long.toString(next));
        Run run = new Run(since, now, platform, merchant, published, next);
        if (published > 0) {
            LOG.info("PAY.JP transfers: {} platform and {} merchant transfers read, {} events published, next run from {}",
                    platform, merchant, published, Instant.ofEpochSecond(next));
        }
        return run;
    }

    /**
     * A stored {@code transfer.*} event (route {@code payjp-transfer-notice}): the body only names the transfer; it
     * is fetched from PAY.JP ({@code GET /platform/transfers/{id}}, or {@code .../{pf_tr_}/transfers/{tr_}} for a
     * merchant transfer whose platform transfer the polling recorded) and handed to {@link TransferEvents#record}, as
     * the polling does: a status is published once, whichever of the two sees it first. A merchant transfer the
     * polling never saw fails here (the event is tried again later; the polling records it meanwhile).
     *
     * @return what was done, for the inbox's record
     */
    public String notice(String body) {
        JsonNode event = ProviderJson.parseOrNull(json, body);
        String id = event == null ? null : ProviderJson.text(event.path("data"), "id");
        if (id == null || !id.matches("(pf_tr|tr)_[A-Za-z0-9]{1,64}")) {
            return "ignored: the event names no transfer";
        }
        boolean platformTransfer = id.startsWith("pf_tr_");
        String parent = platformTransfer ? null : transfers.parent(id).orElseThrow(() -> new IllegalStateException(
                "merchant transfer " + id + " is not known yet; the transfer polling reads it with its platform transfer"));
        String path = platformTransfer ? "/platform/transfers/" + id : "/platform/transfers/" + parent + "/transfers/" + id;
        JsonNode fetched = fetch(path);
        String object = platformTransfer ? "platform_transfer" : "transfer";
        if (!object.equals(ProviderJson.text(fetched, "object")) || !id.equals(ProviderJson.text(fetched, "id"))) {
            throw new IllegalStateException("PAY.JP answered GET " + path + " with something else than the "
                    + object + " the event names");
        }
        requireId(fetched, platformTransfer ? "pf_tr_" : "tr_");
        ObjectNode own = ((ObjectNode) fetched).deepCopy();
        own.remove("transfers");   // each merchant transfer is published on its own
        own.remove("charges");
        boolean published = transfers.record(transfer(own, parent, platformTransfer ? "fee_amount" : "amount"));
        String status = ProviderJson.text(fetched, "status");
        return (published ? "published transfer." : "already published transfer.") + status;
    }

    /** The run failed (PAY.JP unreachable, Kessai stopping): the cursor stays, the next run reads the window again. */
    public void failed(Exchange exchange) {
        Throwable e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        LOG.warn("PAY.JP transfer polling run stopped; the next run starts from the same cursor: {}",
                e == null ? "unknown" : e.getMessage());
    }

    private TransferEvents.Transfer transfer(JsonNode t, String parent, String amountField) {
        JsonNode amount = t.get(amountField);
        String currency = ProviderJson.text(t, "currency");
        JsonNode created = t.get("created");
        return new TransferEvents.Transfer(ProviderJson.text(t, "id"), parent, ProviderJson.text(t, "status"),
                created != null && created.canConvertToLong() ? Instant.ofEpochSecond(created.asLong()) : null,
                amount != null && amount.canConvertToLong() ? BigDecimal.valueOf(amount.asLong()) : null,
                currency == null ? null : currency.toUpperCase(Locale.ROOT), t);
    }

    private static String requireId(JsonNode t, String prefix) {
        String id = ProviderJson.text(t, "id");
        String status = ProviderJson.text(t, "status");
        if (id == null || !id.startsWith(prefix) || status == null || !status.matches("[a-z_]{1,32}")) {
            throw UpstreamFailures.unreadable("PAY.JP", "a transfer without a " + prefix + " id or a status");
        }
        return id;
    }

    /** One page through the upstream-call template; stops the run when Kessai is stopping. */
    private JsonNode list(String path, String query) {
        if (!camelContext.getStatus().isStarted()) {
            throw new IllegalStateException("Kessai is stopping: the transfer polling run ends here");
        }
        JsonNode list = get(path, query);
        if (list == null || !"list".equals(ProviderJson.text(list, "object")) || list.get("data") == null
                || !list.get("data").isArray() || list.get("has_more") == null || !list.get("has_more").isBoolean()) {
            throw UpstreamFailures.unreadable("PAY.JP", "a transfer list without data or has_more");
        }
        return list;
    }

    /** One transfer through the upstream-call template. */
    private JsonNode fetch(String path) {
        JsonNode transfer = get(path, null);
        if (transfer == null || !transfer.isObject()) {
            throw UpstreamFailures.unreadable("PAY.JP", "a transfer that is not a JSON object");
        }
        return transfer;
    }

    private JsonNode get(String path, String query) {
        Exchange answer = producer().send("direct:kessai-payjp-platform-get", e -> {
            e.setProperty(PayjpRequests.PLATFORM_PATH, path);
            if (query != null) {
                e.setProperty(PayjpRequests.QUERY, query);
            }
        });
        if (answer.getException() != null) {
            throw new IllegalStateException("GET " + path + ": " + answer.getException().getMessage(), answer.getException());
        }
        return ProviderJson.parseOrNull(json, answer.getMessage().getBody(String.class));
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
}
