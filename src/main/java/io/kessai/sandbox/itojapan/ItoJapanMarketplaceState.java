package io.kessai.sandbox.itojapan;

import java.math.BigDecimal;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What the ITO-Japan sandbox's Marketplace and Crypto Wallet APIs serve ({@link ItoJapanMarketplaceApi}): merchants
 * (an access key and a secret key each), their orders, settlements and USDT wallet deposits. A test adds and changes
 * them here, as ITO-Japan's own back office would (buyers paying, escrow moving, settlements being paid, deposits
 * being confirmed on chain). Every record belongs to one merchant; the API shows a merchant only its own.
 */
public final class ItoJapanMarketplaceState {
    /** {@code status} of an order (the document's list). */
    public static final Set<String> ORDER_STATUSES = Set.of("pending", "paid", "cancelled", "refunded");
    /** {@code escrow_status} of an order (the document's list). */
    public static final Set<String> ESCROW_STATUSES = Set.of("holding", "shipped", "delivered", "released", "disputed");
    /**
     * {@code status} of a settlement. The document names none; the sandbox's: {@code pending} (the period is open),
     * {@code processing} (being paid out), then {@code paid} or {@code failed}.
     */
    public static final Set<String> SETTLEMENT_STATUSES = Set.of("pending", "processing", "paid", "failed");
    /** {@code status} of a wallet deposit (the document's list). */
    public static final Set<String> DEPOSIT_STATUSES = Set.of("pending", "confirmed", "granted", "skipped");

    /** A merchant: its Bearer access key and the secret key of its optional request signatures. */
    public record Merchant(int id, String accessKey, String secretKey) {
        @Override
        public String toString() {
            return "Merchant[id=" + id + "]";
        }
    }

    /** An order of a merchant's listing. {@code trackingNumber}, {@code carrier}, {@code shippedAt}: null until shipped. */
    public record Order(int merchantId, String number, String status, String escrowStatus, long listingId, String title,
                        int quantity, BigDecimal amount, String currency, boolean shippable, String trackingNumber,
                        String carrier, Instant shippedAt, Instant createdAt, Instant updatedAt) {
    }

    /** A settlement: the merchant's net proceeds of a period, paid out by ITO-Japan. */
    public record Settlement(int merchantId, long id, String periodFrom, String periodTo, int orderCount,
                             BigDecimal grossAmount, BigDecimal feeAmount, BigDecimal netAmount, String currency,
                             String status, Instant paidAt, Instant createdAt, Instant updatedAt) {
    }

    /** A USDT deposit to the merchant's wallet, with exactly the document's fields. */
    public record Deposit(int merchantId, String txHash, String fromAddress, String toAddress, BigDecimal usdtAmount,
                          BigDecimal sgpusdAmount, BigDecimal feeAmount, String status, Instant confirmedAt,
                          long sequence) {
        public String etherscanUrl() {
            return "https://etherscan.io/tx/" + txHash;
        }
    }

    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Merchant> merchantsByKey = new LinkedHashMap<>();
    private final Map<String, Order> orders = new LinkedHashMap<>();
    private final Map<Long, Settlement> settlements = new LinkedHashMap<>();
    private final Map<String, Deposit> deposits = new LinkedHashMap<>();
    private long nextSettlement = 1;
    private long nextDepositSequence = 1;

    ItoJapanMarketplaceState(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.SECONDS);
    }

    /** Registers a merchant (the sandbox's own access key is merchant 1); its records are its own. */
    public synchronized Merchant addMerchant(String accessKey, String secretKey) {
        Objects.requireNonNull(accessKey, "accessKey");
        Objects.requireNonNull(secretKey, "secretKey");
        if (merchantsByKey.containsKey(accessKey)) {
            throw new IllegalArgumentException("a merchant with this access key exists");
        }
        Merchant m = new Merchant(merchantsByKey.size() + 1, accessKey, secretKey);
        merchantsByKey.put(accessKey, m);
        return m;
    }

    synchronized Optional<Merchant> merchantByKey(String accessKey) {
        return Optional.ofNullable(merchantsByKey.get(accessKey));
    }

    synchronized List<Merchant> merchants() {
        return List.copyOf(merchantsByKey.values());
    }

    private Merchant merchant(String accessKey) {
        Merchant m = merchantsByKey.get(accessKey);
        if (m == null) {
            throw new IllegalArgumentException("no merchant with this access key");
        }
        return m;
    }

    // ---- orders ----------------------------------------------------------------------------------------

    /**
     * A buyer's order of one of the merchant's listings, as the marketplace records it.
     *
     * @return its number ({@code ORD-} and 8 capitals or digits)
     */
    public synchronized String addOrder(String accessKey, String status, String escrowStatus, boolean shippable,
                                        BigDecimal amount, String currency, String title) {
        Merchant m = merchant(accessKey);
        require(ORDER_STATUSES, status, "status");
        require(ESCROW_STATUSES, escrowStatus, "escrow_status");
        String number;
        do {
            number = "ORD-" + code(8);
        } while (orders.containsKey(number));
        Instant now = now();
        orders.put(number, new Order(m.id(), number, status, escrowStatus, 1000 + orders.size(), title, 1,
                Objects.requireNonNull(amount, "amount"), Objects.requireNonNull(currency, "currency"), shippable,
                null, null, null, now, now));
        return number;
    }

    public synchronized Optional<Order> order(String number) {
        return Optional.ofNullable(orders.get(number));
    }

    /** Moves an order (the buyer paid, cancelled, was refunded, the parcel was delivered...). */
    public synchronized Order changeOrder(String number, String status, String escrowStatus) {
        Order o = Objects.requireNonNull(orders.get(number), "no order " + number);
        require(ORDER_STATUSES, status, "status");
        require(ESCROW_STATUSES, escrowStatus, "escrow_status");
        Order changed = new Order(o.merchantId(), o.number(), status, escrowStatus, o.listingId(), o.title(),
                o.quantity(), o.amount(), o.currency(), o.shippable(), o.trackingNumber(), o.carrier(), o.shippedAt(),
                o.createdAt(), now());
        orders.put(number, changed);
        return changed;
    }

    /** A merchant's orders, newest first, filtered when a filter is given. */
    synchronized List<Order> orders(int merchantId, String status, String escrowStatus) {
        List<Order> list = new ArrayList<>();
        for (Order o : orders.values()) {
            if (o.merchantId() == merchantId && (status == null || status.equals(o.status()))
                    && (escrowStatus == null || escrowStatus.equals(o.escrowStatus()))) {
                list.add(0, o);
            }
        }
        return list;
    }

    /** The shipment of a merchant's own paid order still held in escrow. */
    synchronized ShipResult ship(int merchantId, String number, String trackingNumber, String carrier) {
        Order o = orders.get(number);
        if (o == null || o.merchantId() != merchantId) {
            return new ShipResult(null, "Order not found.", 404);
        }
        if (!"paid".equals(o.status())) {
            return new ShipResult(o, "Only paid orders can be shipped.", 409);
        }
        if (!o.shippable()) {
            return new ShipResult(o, "This order has no physical delivery.", 409);
        }
        if (!"holding".equals(o.escrowStatus())) {
            return new ShipResult(o, "The order has already been shipped.", 409);
        }
        Instant now = now();
        Order shipped = new Order(o.merchantId(), o.number(), o.status(), "shipped", o.listingId(), o.title(),
                o.quantity(), o.amount(), o.currency(), o.shippable(), trackingNumber, carrier, now, o.createdAt(), now);
        orders.put(number, shipped);
        return new ShipResult(shipped, null, 200);
    }

    record ShipResult(Order order, String refusal, int status) {
    }

    // ---- settlements -----------------------------------------------------------------------------------

    /** A settlement of the merchant's proceeds (net = gross - fee), with its status. @return its id */
    public synchronized long addSettlement(String accessKey, BigDecimal grossAmount, BigDecimal feeAmount,
                                           String currency, String status) {
        Merchant m = merchant(accessKey);
        require(SETTLEMENT_STATUSES, status, "status");
        long id = nextSettlement++;
        Instant now = now();
        String day = now.toString().substring(0, 10);
        settlements.put(id, new Settlement(m.id(), id, day, day, 1, grossAmount, feeAmount,
                grossAmount.subtract(feeAmount), currency, status, "paid".equals(status) ? now : null, now, now));
        return id;
    }

    public synchronized Settlement changeSettlement(long id, String status) {
        Settlement s = Objects.requireNonNull(settlements.get(id), "no settlement " + id);
        require(SETTLEMENT_STATUSES, status, "status");
        Instant now = now();
        Settlement changed = new Settlement(s.merchantId(), s.id(), s.periodFrom(), s.periodTo(), s.orderCount(),
                s.grossAmount(), s.feeAmount(), s.netAmount(), s.currency(), status,
                "paid".equals(status) ? now : s.paidAt(), s.createdAt(), now);
        settlements.put(id, changed);
        return changed;
    }

    /** A merchant's settlements, newest first. */
    synchronized List<Settlement> settlements(int merchantId) {
        List<Settlement> list = new ArrayList<>();
        for (Settlement s : settlements.values()) {
            if (s.merchantId() == merchantId) {
                list.add(0, s);
            }
        }
        return list;
    }

    // ---- wallet deposits -------------------------------------------------------------------------------

    /** A USDT deposit seen on chain for the merchant's wallet. @return its tx_hash */
    public synchronized String addDeposit(String accessKey, BigDecimal usdtAmount, String status) {
        Merchant m = merchant(accessKey);
        require(DEPOSIT_STATUSES, status, "status");
        String hash = "0x" + HexFormat.of().formatHex(bytes(32));
        String from = "0x" + HexFormat.of().formatHex(bytes(20));
        String to = "0x" + HexFormat.of().formatHex(bytes(20));
        deposits.put(hash, withStatus(new Deposit(m.id(), hash, from, to, usdtAmount, null, null, "pending", null,
                nextDepositSequence++), status));
        return hash;
    }

    /**
     * Moves a deposit: {@code confirmed} stamps {@code confirmed_at}; {@code granted} (SGP-USD bought with it) also
     * sets the granted SGP-USD and the 1% fee.
     */
    public synchronized Deposit changeDeposit(String txHash, String status) {
        Deposit d = Objects.requireNonNull(deposits.get(txHash), "no deposit " + txHash);
        require(DEPOSIT_STATUSES, status, "status");
        Deposit changed = withStatus(d, status);
        deposits.put(txHash, changed);
        return changed;
    }

    private Deposit withStatus(Deposit d, String status) {
        Instant confirmedAt = d.confirmedAt();
        if (confirmedAt == null && !"pending".equals(status) && !"skipped".equals(status)) {
            confirmedAt = now();
        }
        BigDecimal fee = d.feeAmount();
        BigDecimal granted = d.sgpusdAmount();
        if ("granted".equals(status)) {
            fee = d.usdtAmount().multiply(new BigDecimal("0.01")).setScale(2, java.math.RoundingMode.HALF_UP);
            granted = d.usdtAmount().subtract(fee);
        }
        return new Deposit(d.merchantId(), d.txHash(), d.fromAddress(), d.toAddress(), d.usdtAmount(), granted, fee,
                status, confirmedAt, d.sequence());
    }

    /** A merchant's deposits, newest first. */
    synchronized List<Deposit> deposits(int merchantId) {
        List<Deposit> list = new ArrayList<>();
        for (Deposit d : deposits.values()) {
            if (d.merchantId() == merchantId) {
                list.add(0, d);
            }
        }
        return list;
    }

    // ---- helpers ---------------------------------------------------------------------------------------

    private static void require(Set<String> allowed, String value, String what) {
        if (!allowed.contains(value)) {
            throw new IllegalArgumentException(what + " " + value + " is not one of " + allowed);
        }
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private String code(int n) {
        String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return b.toString();
    }
}
