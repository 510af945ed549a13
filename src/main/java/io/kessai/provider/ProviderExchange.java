package io.kessai.provider;

/**
 * The exchange properties a provider's routes and beans read and write: the contract between the payment flows
 * and {@code direct:kessai-<id>-<operation>}. Kessai sets the inputs; the provider's request builder sets the
 * upstream call's path, body and endpoint group; its answer reader returns a {@link io.kessai.model.ProviderOutcome}
 * as the body.
 */
public final class ProviderExchange {
    /** Input: the validated {@link io.kessai.model.PaymentOrder} (charge). */
    public static final String ORDER = "kessaiOrder";
    /** Input: the {@link io.kessai.model.PaymentView} as it was when the operation started. */
    public static final String PAYMENT = "kessaiPayment";
    /** Input: the operation in progress; its upstream key is what every retry of it sends. */
    public static final String OPERATION = "kessaiOperation";
    /** Input: the provider id. */
    public static final String PROVIDER = "kessaiProvider";
    /** Input: whether the flow calls the provider at all (false for an idempotent replay). */
    public static final String CALL_UPSTREAM = "kessaiCallUpstream";
    /** Input: the requested amount of a capture or refund (BigDecimal), absent for the full amount. */
    public static final String AMOUNT = "kessaiAmount";
    /** Input: where the news came from: api, webhook, poll, schedule or callback. */
    public static final String SOURCE = "kessaiSource";

    /** Set by the request builder: the path below the provider's base URL. */
    public static final String UPSTREAM_PATH = "kessaiUpstreamPath";
    /** Set by the request builder: the request body as sent (the same on every retry). */
    public static final String UPSTREAM_BODY = "kessaiUpstreamBody";
    /** Set by the request builder: the endpoint group whose in-flight limit the call counts against ({@code <id><path>}). */
    public static final String UPSTREAM_GROUP = "kessaiUpstreamGroup";
    public static final String UPSTREAM_STARTED = "kessaiUpstreamStarted";

    /** The header of the provider's idempotency key (the operation's upstream key). */
    public static final String IDEMPOTENCY_KEY_HEADER = "Idempotency-Key";

    private ProviderExchange() {
    }
}
