package io.kessai.provider.paymentoptions;

import io.kessai.model.FieldRules;
import io.kessai.model.PaymentOrder;
import io.kessai.provider.Capabilities;
import io.kessai.provider.PaymentProvider;
import io.kessai.provider.ProviderOperation;

import java.math.BigDecimal;
import java.util.regex.Pattern;

/**
 * paymentoptions' capabilities and the rules of its document, checked before any call
 * ({@code paymentoptions.txt}, {@code providers.md}).
 */
public final class PaymentOptionsProvider implements PaymentProvider {
    static final String ID = "paymentoptions";
    static final Pattern COUNTRY = Pattern.compile("[A-Z]{2}");
    /** phone_number as the sample shows it ({@code 8112345678}): digits only, country code first. */
    static final Pattern PHONE_DIGITS = Pattern.compile("[0-9]{6,15}");

    /**
     * Card payments in JPY with a stored card token ({@code stored_payment_method_id}), captured at once
     * ({@code transaction_type CAPTURE}). The document offers no authorization, capture, cancel, refund or status
     * inquiry; webhooks are named ({@code return_url.webhook_url}). Cards go to GMO unless an order names
     * {@code "provider": "paymentoptions"}.
     */
    static final Capabilities CAPABILITIES = Capabilities.builder()
            .currencies("JPY")
            .method("card", m -> m)
            .operations(ProviderOperation.NOTICE)
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
    public void check(PaymentOrder order, FieldRules r) {
        PaymentOrder.Method m = order.method();
        if (m != null) {
            if (m.memberId() != null || m.cardId() != null) {
                r.add(m.memberId() != null ? "method.memberId" : "method.cardId", "unsupported_field",
                        "paymentoptions takes a stored card token in method.token (stored_payment_method_id)");
            }
            if (m.token() == null && m.memberId() == null) {
                r.add("method.token", "required", "is required by paymentoptions (stored_payment_method_id)");
            }
            if (m.token() != null && m.token().isBlank()) {
                r.add("method.token", "format", "must not be blank");
            }
        }
        if (order.amount() != null && !r.has("amount")) {
            try {
                BigDecimal amount = order.amountValue();
                if (amount.stripTrailingZeros().scale() > 0) {
                    r.add("amount", "scale", "JPY has no decimals");
                }
            } catch (NumberFormatException e) {
                // reported by the canonical rules
            }
        }
        PaymentOrder.Customer c = order.customer();
        if (c != null) {
            r.required("customer.ip", c.ip());
            r.required("customer.email", c.email());
            r.required("customer.phone", c.phone());
            if (c.phone() != null && !PHONE_DIGITS.matcher(PaymentOptionsRequests.phoneNumber(c.phone())).matches()) {
                r.add("customer.phone", "format", "must be a phone number of 6 to 15 digits (paymentoptions phone_number)");
            }
        }
        if (order.billingAddress() == null) {
            r.add("billingAddress", "required", "is required by paymentoptions (billing_address)");
        } else {
            address("billingAddress", order.billingAddress(), r);
        }
        if (order.shippingAddress() != null) {
            address("shippingAddress", order.shippingAddress(), r);
        }
        PaymentOrder.ReturnUrls urls = order.returnUrls();
        if (urls == null || urls.success() == null) {
            r.add("returnUrls.success", "required", "is required by paymentoptions (return_url.success_url)");
        }
        if (urls == null || (urls.failure() == null && urls.cancel() == null)) {
            r.add("returnUrls.failure", "required", "is required by paymentoptions (return_url.decline_url); returnUrls.cancel also serves");
        }
        if (order.platformFee() != null) {
            r.add("platformFee", "unsupported_field", "is carried only by payjp");
        }
    }

    private static void address(String field, PaymentOrder.Address a, FieldRules r) {
        r.required(field + ".line1", a.line1());
        r.required(field + ".city", a.city());
        r.required(field + ".state", a.state());
        r.required(field + ".postalCode", a.postalCode());
        r.required(field + ".country", a.country());
        r.pattern(field + ".country", a.country(), COUNTRY, "an ISO 3166-1 alpha-2 code in upper case (JP)");
    }
}
