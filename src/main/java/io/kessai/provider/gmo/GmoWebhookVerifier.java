package io.kessai.provider.gmo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kessai.model.PaymentView;
import io.kessai.provider.PaymentLookup;
import io.kessai.provider.ProviderJson;
import io.kessai.provider.WebhookRejected;
import io.kessai.provider.WebhookVerifier;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * GMO webhooks ({@code CashWebhookRequest {accessId, event, csrfToken}}) carry no signature: Kessai
 * checks the csrfToken it sent with the payment, optionally the source address against configured CIDRs
 * (GMO names 210.197.108.196 for test and 210.175.7.20 for production), and later confirms with
 * /order/inquiry before any state changes.
 */
public final class GmoWebhookVerifier implements WebhookVerifier {
    private static final Pattern ACCESS_ID = Pattern.compile("[a-zA-Z0-9]{32}");

    private final ObjectMapper json;
    private final PaymentLookup payments;
    private final List<String> allowedCidrs;

    public GmoWebhookVerifier(ObjectMapper json, PaymentLookup payments, List<String> allowedCidrs) {
        this.json = json;
        this.payments = payments;
        this.allowedCidrs = List.copyOf(allowedCidrs);
        allowedCidrs.forEach(GmoWebhookVerifier::parseCidr);
    }

    @Override
    public String provider() {
        return GmoProvider.ID;
    }

    @Override
    public Verified verify(byte[] body, Map<String, Object> headers, String remoteAddress) {
        if (!allowedCidrs.isEmpty() && (remoteAddress == null
                || allowedCidrs.stream().noneMatch(cidr -> contains(cidr, remoteAddress)))) {
            throw WebhookRejected.forged("the source address is not one GMO sends from");
        }
        JsonNode node = WebhookVerifier.jsonObject(json, body);
        String accessId = ProviderJson.text(node, "accessId");
        String event = ProviderJson.text(node, "event");
        if (accessId == null || !ACCESS_ID.matcher(accessId).matches() || event == null || event.isBlank()) {
            throw WebhookRejected.malformed("accessId (32 of [a-zA-Z0-9]) and event are required");
        }
        PaymentView payment = payments.findByProviderRef(GmoProvider.ID, accessId)
                .orElseThrow(() -> WebhookRejected.forged("no payment has this accessId"));
        String csrf = ProviderJson.text(node, "csrfToken");
        if (csrf == null || payment.csrfToken() == null || !MessageDigest.isEqual(
                csrf.getBytes(StandardCharsets.UTF_8), payment.csrfToken().getBytes(StandardCharsets.UTF_8))) {
            throw WebhookRejected.forged("csrfToken does not match the one Kessai sent with this payment");
        }
        return new Verified(accessId + ":" + event, accessId);
    }

    /** CASH_PAID says the customer paid. */
    @Override
    public boolean claimsFinalOutcome(String body) {
        return "CASH_PAID".equals(ProviderJson.text(ProviderJson.parseOrNull(json, body), "event"));
    }

    static boolean contains(String cidr, String address) {
        try {
            String[] parts = parseCidr(cidr);
            byte[] network = InetAddress.getByName(parts[0]).getAddress();
            byte[] candidate = InetAddress.getByName(address).getAddress();
            if (network.length != candidate.length) {
                return false;
            }
            int bits = parts.length > 1 ? Integer.parseInt(parts[1]) : network.length * 8;
            BigInteger mask = BigInteger.ONE.shiftLeft(network.length * 8).subtract(BigInteger.ONE)
                    .shiftRight(bits).not();
            return new BigInteger(1, network).and(mask).equals(new BigInteger(1, candidate).and(mask));
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** Only literal addresses: a name here would mean a DNS lookup per webhook. */
    private static String[] parseCidr(String cidr) {
        String[] parts = cidr.trim().split("/");
        if (!parts[0].matches("[0-9.]+|[0-9a-fA-F:]+") || parts.length > 2) {
            throw new IllegalArgumentException("kessai.providers.gmo-pg.webhook.allowed-cidrs: '" + cidr
                    + "' is not an IPv4 or IPv6 address with an optional /prefix");
        }
        return parts;
    }
}
