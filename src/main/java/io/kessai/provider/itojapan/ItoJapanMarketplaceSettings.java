package io.kessai.provider.itojapan;

import io.kessai.provider.Setting;

import java.util.List;
import java.util.function.Function;

/**
 * The ITO-Japan Marketplace settings ({@code kessai.providers.ito-japan.marketplace.*} and {@code .transfers.*}):
 * whether marketplace calls carry the document's optional HMAC headers, and the polling of settlements and wallet
 * deposits.
 *
 * @param signed              send {@code X-Timestamp} and {@code X-Signature} (with the module's secret key)
 * @param pollingEnabled      whether the transfer polling schedule runs
 * @param settlements         poll {@code /api/merchant/settlements}
 * @param walletDeposits      poll {@code /api/merchant/wallet/deposits}
 * @param pageSize            {@code per_page} of each page the polling reads (1..100)
 * @param confirmedWatchHours how long a {@code confirmed} deposit is still watched for {@code granted}
 */
public record ItoJapanMarketplaceSettings(boolean signed, boolean pollingEnabled, boolean settlements,
                                          boolean walletDeposits, int pageSize, int confirmedWatchHours) {
    private static final String P = ItoJapanSettings.P;

    /** Every marketplace key with its default. */
    public static final List<Setting> SETTINGS = List.of(
            Setting.of(P + "marketplace.signed", "true", "marketplace and wallet calls carry the optional X-Timestamp and X-Signature (HMAC-SHA256 with secret-key over timestamp.body; the body is empty for a GET)"),
            Setting.of(P + "transfers.enabled", "true", "poll settlements and wallet deposits and publish transfer.<status> events"),
            Setting.of(P + "transfers.interval-ms", "60000", "pause between two settlement and deposit polling runs (one run at a time across the Kessai nodes of one database)"),
            Setting.of(P + "transfers.settlements", "true", "the polling reads /api/merchant/settlements"),
            Setting.of(P + "transfers.wallet-deposits", "true", "the polling reads /api/merchant/wallet/deposits"),
            Setting.of(P + "transfers.page-size", "100", "per_page of each page the polling reads (1..100)"),
            Setting.of(P + "transfers.confirmed-watch-hours", "72", "how long after confirmed_at a confirmed deposit is still re-read for its move to granted"));

    public static ItoJapanMarketplaceSettings from(Function<String, String> property) {
        Function<String, String> p = k -> property.apply(P + k);
        int pageSize = integer(p, "transfers.page-size", "100");
        int watch = integer(p, "transfers.confirmed-watch-hours", "72");
        if (pageSize < 1 || pageSize > 100) {
            throw new IllegalArgumentException(P + "transfers.page-size must be 1 to 100 (the per_page ITO-Japan takes)");
        }
        if (watch < 0) {
            throw new IllegalArgumentException(P + "transfers.confirmed-watch-hours must be 0 or more");
        }
        boolean settlements = flag(p, "transfers.settlements");
        boolean deposits = flag(p, "transfers.wallet-deposits");
        return new ItoJapanMarketplaceSettings(flag(p, "marketplace.signed"),
                flag(p, "transfers.enabled") && (settlements || deposits), settlements, deposits, pageSize, watch);
    }

    private static boolean flag(Function<String, String> p, String key) {
        String v = p.apply(key);
        if (v == null || v.equalsIgnoreCase("true")) {
            return true;
        }
        if (v.equalsIgnoreCase("false")) {
            return false;
        }
        throw new IllegalArgumentException(P + key + " must be true or false");
    }

    private static int integer(Function<String, String> p, String key, String dflt) {
        String v = p.apply(key);
        try {
            return Integer.parseInt(v == null ? dflt : v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(P + key + " must be a whole number");
        }
    }
}
