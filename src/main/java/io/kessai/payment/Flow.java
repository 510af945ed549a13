package io.kessai.payment;

import io.kessai.provider.ProviderExchange;

/**
 * Names of the exchange properties and headers the Kessai routes pass between their steps. Those a provider's
 * routes see are {@link ProviderExchange}'s (the same names).
 */
public final class Flow {
    /** The validated {@link io.kessai.model.PaymentOrder}. */
    public static final String ORDER = ProviderExchange.ORDER;
    /** The {@link io.kessai.store.PaymentRecord} as it was when the operation started. */
    public static final String PAYMENT = ProviderExchange.PAYMENT;
    /** The {@link io.kessai.store.PaymentStore.Operation} whose upstream key every retry reuses. */
    public static final String OPERATION = ProviderExchange.OPERATION;
    /** The chosen provider id. */
    public static final String PROVIDER = ProviderExchange.PROVIDER;
    /** Whether the flow must call the provider (false for an idempotent replay). */
    public static final String CALL_UPSTREAM = ProviderExchange.CALL_UPSTREAM;
    /** The requested amount of a capture or refund, as a BigDecimal, or absent for the full amount. */
    public static final String AMOUNT = ProviderExchange.AMOUNT;
    /** Where the news came from: api, webhook, poll, schedule or callback. */
    public static final String SOURCE = ProviderExchange.SOURCE;
    /** The {@link io.kessai.events.Notice} of a webhook (provider event id, arrival time), when there is one. */
    public static final String NOTICE = "kessaiNotice";

    /** Upstream call: path below the provider's base URL, JSON body, endpoint group for in-flight limits. */
    public static final String UPSTREAM_PATH = ProviderExchange.UPSTREAM_PATH;
    public static final String UPSTREAM_BODY = ProviderExchange.UPSTREAM_BODY;
    public static final String UPSTREAM_GROUP = ProviderExchange.UPSTREAM_GROUP;
    public static final String UPSTREAM_STARTED = ProviderExchange.UPSTREAM_STARTED;
    /** The provider id the upstream-call template is calling (set by the template from its parameter). */
    public static final String UPSTREAM_PROVIDER = "kessaiUpstreamProvider";
    /** Set when the flow asks the provider about an operation already sent (inquiry) instead of sending it. */
    public static final String RECONCILE = "kessaiReconcile";

    /** Header naming the payment of capture, cancel and refund (the API's path parameter). */
    public static final String PAYMENT_ID_HEADER = "paymentId";
    public static final String IDEMPOTENCY_KEY_HEADER = ProviderExchange.IDEMPOTENCY_KEY_HEADER;
    /** Set on the answer of direct:kessai-pay (header and exchange property): true when it replayed a stored result. */
    public static final String REPLAY_HEADER = "KessaiReplay";

    private Flow() {
    }
}
