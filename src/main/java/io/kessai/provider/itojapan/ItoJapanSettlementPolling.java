package io.kessai.provider.itojapan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.kessai.model.Money;
import io.kessai.provider.ProviderJson;
import io.kessai.provider.TransferEvents;
import io.kessai.provider.UpstreamFailures;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One run of the ITO-Japan settlement and wallet deposit polling (route {@code ito-japan-transfer-polling}), done as
 * the PAY.JP transfer polling is: each settlement ({@code GET /api/merchant/settlements}) and each USDT wallet deposit
 * ({@code GET /api/merchant/wallet/deposits}) goes to {@link TransferEvents#record}, which publishes
 * {@code transfer.<status>} (ITO-Japan's status word as it is, as PAY.JP's are; {@code data} is ITO-Japan's record)
 * when the record is new or its status changed, in the transaction that stores the status: a run cut short loses
 * nothing and the next run publishes nothing twice.
 *
 * <p>ITO-Japan's lists take no {@code since}: they come newest first, {@code per_page} at a time, so the cursor is a
 * record, not a time. It names the oldest record that was still open (its status may still change) at the end of the
 * last complete run. A run reads page after page and stops at the first page, at or after the one holding that
 * record, on which nothing was new or changed: everything older was final and recorded when that run ended. The first
 * run (no cursor) and a run that never meets the cursor's record read every page. A settlement is open until
 * {@code paid} or {@code failed}; a deposit while {@code pending}, and while {@code confirmed} for
 * {@code transfers.confirmed-watch-hours} after {@code confirmed_at} (it may still be {@code granted}).
 *
 * <p>Transfer ids are {@code settlement-<id>} and {@code deposit-<tx_hash>}; the amount of a settlement event is its
 * {@code net_amount} in its {@code currency}, that of a deposit its {@code usdt_amount} in {@code USDT}.
 */
public final class ItoJapanSettlementPolling implements CamelContextAware {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ItoJapanSettlementPolling.class);
    /** The cursor value meaning: no record was open at the end of the last run. */
    static final String NONE_OPEN = "-";
    private static final Pattern STATUS = Pattern.compile("[a-z_]{1,32}");
    private static final Pattern SETTLEMENT_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern TX_HASH = Pattern.compile("0x[0-9A-Fa-f]{1,100}");
    private static final Set<String> SETTLEMENT_FINAL = Set.of("paid", "failed");
    private static final Set<String> DEPOSIT_FINAL = Set.of("granted", "skipped");

    private final ItoJapanMarketplaceSettings settings;
    private final TransferEvents transfers;
    private final ObjectMapper exact;
    private final Clock clock;
    private CamelContext camelContext;
    private volatile ProducerTemplate producer;

    public ItoJapanSettlementPolling(ItoJapanMarketplaceSettings settings, TransferEvents transfers, ObjectMapper json,
                                     Clock clock) {
        this.settings = settings;
        this.transfers = transfers;
        // amounts as written (10.50 stays 10.50): never through a binary float
        this.exact = json.copy().setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));
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

    /** The summary of a run: records read, pages read and events published, per list. */
    public record Run(int settlements, int settlementPages, int deposits, int depositPages, int published) {
    }

    private record Walk(int read, int pages, int published) {
    }

    public Run poll() {
        Walk s = settings.settlements() ? walk("settlements", "direct:kessai-ito-japan-marketplace-settlements")
                : new Walk(0, 0, 0);
        Walk d = settings.walletDeposits() ? walk("wallet-deposits", "direct:kessai-ito-japan-marketplace-wallet-deposits")
                : new Walk(0, 0, 0);
        Run run = new Run(s.read(), s.pages(), d.read(), d.pages(), s.published() + d.published());
        if (run.published() > 0) {
            LOG.info("ITO-Japan: {} settlements and {} wallet deposits read, {} transfer events published",
                    run.settlements(), run.deposits(), run.published());
        }
        return run;
    }

    private Walk walk(String list, String endpoint) {
        boolean deposits = list.equals("wallet-deposits");
        String cursorName = list + ".oldest-open";
        var saved = transfers.cursor(cursorName);
        boolean firstRun = saved.isEmpty();
        String marker = saved.orElse(NONE_OPEN);
        boolean passed = NONE_OPEN.equals(marker);
        String oldestOpen = null;
        Instant now = clock.instant();
        int read = 0;
        int published = 0;
        int page = 1;
        for (; ; page++) {
            JsonNode answer = page(endpoint, page);
            JsonNode data = answer.get("data");
            boolean news = false;
            for (JsonNode r : data) {
                TransferEvents.Transfer t = deposits ? deposit(r) : settlement(r);
                boolean changed = transfers.record(t);
                news |= changed;
                published += changed ? 1 : 0;
                if (deposits ? depositOpen(r, now) : !SETTLEMENT_FINAL.contains(t.status())) {
                    oldestOpen = t.id();
                }
                passed |= t.id().equals(marker);
                read++;
            }
            int last = answer.get("meta").get("last_page").asInt();
            if (data.isEmpty() || page >= last || (!firstRun && passed && !news)) {
                break;
            }
        }
        transfers.saveCursor(cursorName, oldestOpen == null ? NONE_OPEN : oldestOpen);
        return new Walk(read, page, published);
    }

    private boolean depositOpen(JsonNode r, Instant now) {
        String status = ProviderJson.text(r, "status");
        if (DEPOSIT_FINAL.contains(status)) {
            return false;
        }
        if (!"confirmed".equals(status)) {
            return true;
        }
        Instant confirmed = time(r, "confirmed_at");
        return confirmed == null || confirmed.plus(Duration.ofHours(settings.confirmedWatchHours())).isAfter(now);
    }

    private TransferEvents.Transfer settlement(JsonNode r) {
        JsonNode id = r.get("id");
        String status = ProviderJson.text(r, "status");
        if (id == null || !id.isValueNode() || !SETTLEMENT_ID.matcher(id.asText()).matches()
                || status == null || !STATUS.matcher(status).matches()) {
            throw UpstreamFailures.unreadable(ItoJapanProvider.ID, "a settlement without an id or a status");
        }
        String currency = ProviderJson.text(r, "currency");
        return new TransferEvents.Transfer("settlement-" + id.asText(), null, status, time(r, "created_at"),
                amount(r.get("net_amount"), currency), currency, r);
    }

    private TransferEvents.Transfer deposit(JsonNode r) {
        String hash = ProviderJson.text(r, "tx_hash");
        String status = ProviderJson.text(r, "status");
        if (hash == null || !TX_HASH.matcher(hash).matches() || status == null || !STATUS.matcher(status).matches()) {
            throw UpstreamFailures.unreadable(ItoJapanProvider.ID, "a wallet deposit without a tx_hash or a status");
        }
        return new TransferEvents.Transfer("deposit-" + hash, null, status, time(r, "confirmed_at"),
                amount(r.get("usdt_amount"), "USDT"), "USDT", r);
    }

    /** The amount when it is a number the currency can carry as it is; else null (the record in data still has it). */
    private static BigDecimal amount(JsonNode n, String currency) {
        if (n == null || !n.isNumber() || currency == null) {
            return null;
        }
        try {
            BigDecimal a = n.decimalValue();
            return a.stripTrailingZeros().scale() <= Money.fractionDigits(currency) ? a : null;
        } catch (IllegalArgumentException e) {
            return null;   // a currency Kessai does not know
        }
    }

    private static Instant time(JsonNode r, String field) {
        String text = ProviderJson.text(r, field);
        if (text == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** The run failed (ITO-Japan unreachable, Kessai stopping): the cursors stay, the next run reads again. */
    public void failed(Exchange exchange) {
        Throwable e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        LOG.warn("ITO-Japan settlement and deposit polling run stopped; the next run starts from the same cursors: {}",
                e == null ? "unknown" : e.getMessage());
    }

    /** One page through the marketplace endpoint (and so the upstream-call template); stops when Kessai is stopping. */
    private JsonNode page(String endpoint, int page) {
        if (!camelContext.getStatus().isStarted()) {
            throw new IllegalStateException("Kessai is stopping: the settlement polling run ends here");
        }
        String body = producer().requestBody(endpoint, Map.of("per_page", settings.pageSize(), "page", page), String.class);
        JsonNode answer = ProviderJson.parseOrNull(exact, body);
        if (answer == null || answer.get("data") == null || !answer.get("data").isArray()
                || !answer.path("meta").path("last_page").canConvertToInt()) {
            throw UpstreamFailures.unreadable(ItoJapanProvider.ID, "a list without data or meta.last_page");
        }
        return answer;
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
