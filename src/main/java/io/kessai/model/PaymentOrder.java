package io.kessai.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * The canonical payment order of contract section 3. Money stays a decimal string on the wire and a
 * {@link BigDecimal} in code. Instances are built by {@link io.kessai.payment.PaymentOrderReader}, which
 * reports every malformed field at once.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PaymentOrder(
        String orderId,
        String provider,
        String amount,
        String currency,
        Method method,
        Capture capture,
        Customer customer,
        Address billingAddress,
        Address shippingAddress,
        List<Item> items,
        String description,
        ReturnUrls returnUrls,
        String platformFee,
        Map<String, String> metadata) {

    @JsonIgnore
    public BigDecimal amountValue() {
        return new BigDecimal(amount);
    }

    public PaymentOrder withProvider(String chosen) {
        return new PaymentOrder(orderId, chosen, amount, currency, method, capture, customer, billingAddress,
                shippingAddress, items, description, returnUrls, platformFee, metadata);
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Method(String type, String token, String tokenType, String memberId, String cardId, String brand) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Capture(String mode, String at) {
        public static final String IMMEDIATE = "immediate";
        public static final String MANUAL = "manual";
        public static final String SCHEDULED = "scheduled";

        public boolean authorizeOnly() {
            return MANUAL.equals(mode) || SCHEDULED.equals(mode);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Customer(String name, String nameKana, String email, String phone, String ip, String id,
                           String userAgent) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Address(String name, String line1, String line2, String city, String state, String postalCode,
                          String country) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Item(String name, Integer quantity, String unitPrice, String type) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ReturnUrls(String success, String cancel, String failure) {
    }
}
