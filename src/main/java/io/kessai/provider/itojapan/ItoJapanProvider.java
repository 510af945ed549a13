package io.kessai.provider.itojapan;

import io.kessai.model.FieldRules;
import io.kessai.model.PaymentOrder;
import io.kessai.provider.Capabilities;
import io.kessai.provider.PaymentProvider;
import io.kessai.provider.ProviderOperation;

import java.math.BigDecimal;
import java.util.regex.Pattern;

/** ITO-Japan's capabilities and the rules of its document, checked before any call ({@code ito-japan.txt}, {@code providers.md}). */
public final class ItoJapanProvider implements PaymentProvider {
    static final String ID = "ito-japan";
    static final int DETAILS_MAX = 255;
    static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[^@\\s]+");

    /**
     * Hosted payments in USD, JPY and SGP-USD: the customer pays on ITO-Japan's page, captured at once. The document
     * offers no authorization, capture, cancel or refund; it notifies (signed webhooks), returns the browser
     * (success / cancel) and answers check-validity (the inquiry). Hosted checkout goes to ITO-Japan by default.
     */
    static final Capabilities CAPABILITIES = Capabilities.builder()
            .currencies("USD", "JPY", "SGP-USD")
            .method("hosted_checkout", m -> m)
            .operations(ProviderOperation.NOTICE, ProviderOperation.CALLBACK)
            .routesByDefault("hosted_checkout")
            .build();

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Capabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public String redirectReason(PaymentOrder order) {
        return "ito-japan's checkout page sends the customer back (success_url, cancel_url)";
    }

    /** No decimals in JPY; at most two in USD and SGP-USD. */
    static int decimals(String currency) {
        return "JPY".equals(currency) ? 0 : 2;
    }

    @Override
    public void check(PaymentOrder order, FieldRules r) {
        PaymentOrder.Method m = order.method();
        if (m != null && (m.token() != null || m.memberId() != null || m.cardId() != null || m.brand() != null)) {
            String field = m.token() != null ? "method.token" : m.memberId() != null ? "method.memberId"
                    : m.cardId() != null ? "method.cardId" : "method.brand";
            r.add(field, "unsupported_field", "ito-japan takes no payment details: the customer pays on its checkout page");
        }
        if (order.amount() != null && order.currency() != null && !r.has("amount")) {
            try {
                BigDecimal amount = order.amountValue();
                int decimals = decimals(order.currency());
                if (amount.stripTrailingZeros().scale() > decimals) {
                    r.add("amount", "scale", decimals == 0 ? "JPY has no decimals"
                            : "at most two decimals in " + order.currency() + " at ito-japan");
                }
            } catch (NumberFormatException e) {
                // reported by the canonical rules
            }
        }
        if (order.description() != null && order.description().length() > DETAILS_MAX) {
            r.add("description", "length", "must be at most 255 characters (ito-japan details)");
        }
        PaymentOrder.Customer c = order.customer();
        String email = c == null ? null : c.email();
        if (email == null) {
            r.add("customer.email", "required", "is required by ito-japan (customer_email)");
        }
        r.pattern("customer.email", email, EMAIL, "an e-mail address");
        PaymentOrder.ReturnUrls urls = order.returnUrls();
        if (urls == null || urls.cancel() == null) {
            r.add("returnUrls.cancel", "required", "is required by ito-japan (the customer may cancel on its checkout page)");
        }
        if (order.platformFee() != null) {
            r.add("platformFee", "unsupported_field", "is carried only by payjp");
        }
    }
}
