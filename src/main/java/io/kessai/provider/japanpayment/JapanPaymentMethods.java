package io.kessai.provider.japanpayment;

import io.kessai.model.PaymentOrder;

import java.math.BigDecimal;
import java.util.Map;

/**
 * The document's Payment Methods table: the canonical method and brand to {@code payType} and
 * {@code inBankCode} per currency, with each one's amount limits.
 */
final class JapanPaymentMethods {
    record Method(String payType, String inBankCode, BigDecimal min, BigDecimal max) {
    }

    private static final BigDecimal JPY_MAX = new BigDecimal("150000");
    private static final BigDecimal USD_MAX = new BigDecimal("499.99");

    private static final Map<String, Method> TABLE = Map.ofEntries(
            Map.entry("JPY ewallet AU_PAY", new Method("EWALLET", "AU_PAY", new BigDecimal("100"), JPY_MAX)),
            Map.entry("JPY ewallet MERPAY", new Method("EWALLET", "MERPAY", new BigDecimal("100"), JPY_MAX)),
            Map.entry("JPY bank_transfer GMO_AOZORA", new Method("BANK_TRANSFER", "GMO_AOZORA", new BigDecimal("100"), JPY_MAX)),
            Map.entry("JPY konbini FAMILYMART", new Method("BANK_TRANSFER", "KONBINI_FAMILYMART", new BigDecimal("300"), JPY_MAX)),
            Map.entry("JPY konbini LAWSON", new Method("BANK_TRANSFER", "KONBINI_LAWSON", new BigDecimal("300"), JPY_MAX)),
            Map.entry("JPY konbini SEVEN_ELEVEN", new Method("BANK_TRANSFER", "KONBINI_SEVEN_ELEVEN", new BigDecimal("300"), JPY_MAX)),
            Map.entry("JPY konbini MINISTOP", new Method("BANK_TRANSFER", "KONBINI_MINISTOP", new BigDecimal("300"), JPY_MAX)),
            Map.entry("USD ewallet AU_PAY", new Method("EWALLET", "JP_AU_PAY_USD", new BigDecimal("0.99"), USD_MAX)),
            Map.entry("USD ewallet MERPAY", new Method("EWALLET", "JP_MERPAY_USD", new BigDecimal("0.99"), USD_MAX)),
            Map.entry("USD bank_transfer GMO_AOZORA", new Method("BANK_TRANSFER", "JP_GMO_AOZORA_USD", new BigDecimal("0.99"), USD_MAX)),
            Map.entry("USD konbini FAMILYMART", new Method("BANK_TRANSFER", "JP_KONBINI_FAMILYMART_USD", new BigDecimal("1.99"), USD_MAX)),
            Map.entry("USD konbini LAWSON", new Method("BANK_TRANSFER", "JP_KONBINI_LAWSON_USD", new BigDecimal("1.99"), USD_MAX)),
            Map.entry("USD konbini SEVEN_ELEVEN", new Method("BANK_TRANSFER", "JP_KONBINI_SEVEN_ELEVEN_USD", new BigDecimal("1.99"), USD_MAX)),
            Map.entry("USD konbini MINISTOP", new Method("BANK_TRANSFER", "JP_KONBINI_MINISTOP_USD", new BigDecimal("1.99"), USD_MAX)));

    private JapanPaymentMethods() {
    }

    /** The row for this order, or null when the provider does not offer its method in its currency. */
    static Method of(PaymentOrder order) {
        if (order.method() == null) {
            return null;
        }
        return TABLE.get(order.currency() + " " + order.method().type() + " " + order.method().brand());
    }

    /** JPY as an integer string ("300"); USD with exactly two decimals ("4.99"). */
    static String amount(BigDecimal amount, String currency) {
        return "USD".equals(currency) ? amount.setScale(2, java.math.RoundingMode.UNNECESSARY).toPlainString()
                : amount.setScale(0, java.math.RoundingMode.UNNECESSARY).toPlainString();
    }
}
