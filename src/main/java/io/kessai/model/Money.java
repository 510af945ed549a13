package io.kessai.model;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Currency;

/** Amounts as the contract writes them: a decimal string with the currency's number of decimals. */
public final class Money {
    private Money() {
    }

    /**
     * Decimals a currency allows: JPY 0, USD 2 (SGP-USD is US dollars settled in Singapore); USDT, the ERC-20 token
     * of ITO-Japan's wallet deposits, 6 (the token's decimals).
     */
    public static int fractionDigits(String currency) {
        if ("SGP-USD".equals(currency)) {
            return 2;
        }
        if ("USDT".equals(currency)) {
            return 6;
        }
        return Math.max(0, Currency.getInstance(currency).getDefaultFractionDigits());
    }

    /** The amount with exactly the currency's decimals ({@code 1000}, {@code 4.50}). */
    public static String format(BigDecimal amount, String currency) {
        return amount.setScale(fractionDigits(currency), RoundingMode.UNNECESSARY).toPlainString();
    }
}
