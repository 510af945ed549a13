package io.kessai.provider.japanpayment;

import io.kessai.model.KessaiException;
import io.kessai.model.PaymentOrder;
import io.kessai.model.FieldRules;
import io.kessai.provider.Capabilities;
import io.kessai.provider.PaymentProvider;
import io.kessai.provider.ProviderOperation;

import java.math.BigDecimal;
import java.util.Map;
import java.util.regex.Pattern;

/** Japan Payment's capabilities and the document's rules, checked before any call. */
public final class JapanPaymentProvider implements PaymentProvider {
    static final String ID = "japan-payment";
    /** "digits, uppercase and lowercase letters or common symbols -~!@#$%&*()_." */
    static final Pattern PARTNER_USER_ID = Pattern.compile("[0-9A-Za-z\\-~!@#$%&*()_.]{1,64}");
    static final Pattern PHONE = Pattern.compile("\\+?[0-9-]{6,20}");

    /**
     * Collections in JPY and USD paid by the customer: konbini, e-wallets and bank transfer (the document's Payment
     * Methods table), nothing to authorize, capture, cancel or refund; the provider notifies and answers queries.
     * Konbini, e-wallets and bank transfers go to Japan Payment by default.
     */
    static final Capabilities CAPABILITIES = Capabilities.builder()
            .currencies("JPY", "USD")
            .method("konbini", m -> m.brands("LAWSON", "FAMILYMART", "SEVEN_ELEVEN", "MINISTOP"))
            .method("ewallet", m -> m.brands("AU_PAY", "MERPAY"))
            .method("bank_transfer", m -> m.brands("GMO_AOZORA"))
            .operations(ProviderOperation.NOTICE)
            .routesByDefault("konbini", "ewallet", "bank_transfer")
            .build();

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Capabilities capabilities() {
        return CAPABILITIES;
    }

    /**
     * The document requires callBackUrl on every order: where japan-payment's page sends the customer back. Why the
     * customer goes there depends on the method.
     */
    static final Map<String, String> RETURNS_CUSTOMER = Map.of(
            "ewallet", "japan-payment sends the customer to the e-wallet's payment page and back (callBackUrl)",
            "konbini", "japan-payment's konbini pay page (payUrl) sends the customer back once paid (callBackUrl)",
            "bank_transfer", "japan-payment's bank transfer pay page (payUrl) sends the customer back once paid (callBackUrl)");

    @Override
    public String redirectReason(PaymentOrder order) {
        return RETURNS_CUSTOMER.getOrDefault(order.method().type(),
                "japan-payment sends the customer back to callBackUrl");
    }

    @Override
    public void check(PaymentOrder order, FieldRules r) {
        JapanPaymentMethods.Method method = JapanPaymentMethods.of(order);
        if (method == null && order.method() != null && order.method().brand() != null) {
            throw KessaiException.unsupported("method.brand", "japan-payment does not offer " + order.method().type()
                    + " " + order.method().brand() + " in " + order.currency());
        }
        // Without a brand (already reported: method.brand required) the amount limits are not known yet.
        if (method != null && order.amount() != null && !r.has("amount")) {
            BigDecimal amount = order.amountValue();
            if (amount.compareTo(method.min()) < 0 || amount.compareTo(method.max()) > 0) {
                r.add("amount", "range", "must be between " + method.min().toPlainString() + " and "
                        + method.max().toPlainString() + " " + order.currency() + " for " + method.inBankCode() + " at japan-payment");
            }
        }
        PaymentOrder.Customer c = order.customer();
        String phone = c == null ? null : c.phone();
        String email = c == null ? null : c.email();
        String id = c == null ? null : c.id();
        if (phone == null) {
            r.add("customer.phone", "required", "is required by japan-payment (phone)");
        }
        r.pattern("customer.phone", phone, PHONE, "a real phone number: digits and hyphens, optional leading +");
        if (email == null) {
            r.add("customer.email", "required", "is required by japan-payment (email)");
        }
        if (id == null) {
            r.add("customer.id", "required", "is required by japan-payment (partnerUserId, for risk control)");
        }
        r.pattern("customer.id", id, PARTNER_USER_ID, "1 to 64 of digits, letters and -~!@#$%&*()_.");
        if (order.returnUrls() == null || (order.returnUrls().failure() == null && order.returnUrls().cancel() == null)) {
            r.add("returnUrls.failure", "required", "is required by japan-payment (callBackFailUrl); returnUrls.cancel also serves");
        }
        if (order.platformFee() != null) {
            r.add("platformFee", "unsupported_field", "is carried only by payjp");
        }
    }
}
