package io.kessai.provider.gmo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.model.PaymentOrder;
import io.kessai.model.PaymentStatus;
import io.kessai.model.ProviderOutcome;
import io.kessai.payment.Flow;
import io.kessai.payment.PaymentOrderReader;
import io.kessai.sandbox.gmo.GmoSchemas;
import io.kessai.store.PaymentRecord;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The GMO mapping proved with GMO's own material: Kessai's requests validate against the OAS request
 * schemas, and the OAS response examples map to the statuses providers.md prescribes.
 */
class GmoMappingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final GmoSettings settings = GmoSettings.from(key -> switch (key) {
        case "kessai.providers.gmo-pg.base-url" -> "https://stg.openapi.mul-pay.jp";
        case "kessai.providers.gmo-pg.shop-id" -> "tshop00000001";
        case "kessai.providers.gmo-pg.shop-pass" -> "pass";
        case "kessai.providers.gmo-pg.merchant.name" -> "サンプルストア";
        case "kessai.providers.gmo-pg.merchant.name-kana" -> "サンプルストア";
        case "kessai.providers.gmo-pg.merchant.name-alphabet" -> "Sample Store";
        case "kessai.providers.gmo-pg.merchant.name-short" -> "サンプル";
        case "kessai.providers.gmo-pg.merchant.contact-name" -> "サポート窓口";
        case "kessai.providers.gmo-pg.merchant.contact-email" -> "support@example.com";
        case "kessai.providers.gmo-pg.merchant.contact-phone" -> "0120-123-456";
        case "kessai.providers.gmo-pg.merchant.contact-opening-hours" -> "10:00-18:00";
        default -> null;
    }, "https://shop.example");
    private final GmoRequests requests = new GmoRequests(settings, JSON);
    private final GmoAnswers answers = new GmoAnswers(JSON);

    private PaymentOrder order(String json) throws Exception {
        var errors = new ArrayList<io.kessai.model.FieldError>();
        PaymentOrder order = new PaymentOrderReader(JSON, Clock.systemUTC()).read(JSON.readTree(json), errors);
        assertThat(errors).isEmpty();
        return order;
    }

    @Test
    void tokenChargeRequestConformsToCreditChargeRequestSchema() throws Exception {
        PaymentOrder order = order("""
                {"orderId":"ORD-20261123-0001","amount":"1000","currency":"JPY",
                 "method":{"type":"card","token":"tok_abc","tokenType":"MP_TOKEN"},"capture":{"mode":"manual"},
                 "customer":{"name":"山田 太郎","nameKana":"ヤマダ タロウ","email":"taro@example.jp","phone":"09012345678",
                             "ip":"203.0.113.7","id":"user-149597870","userAgent":"Mozilla/5.0"},
                 "billingAddress":{"name":"山田 太郎","line1":"1-2-3 Shinjuku","city":"Shinjuku-ku","state":"Tokyo",
                                   "postalCode":"1600022","country":"JP"},
                 "items":[{"name":"Digital Product","quantity":1,"unitPrice":"1000","type":"DIGITAL"}],
                 "returnUrls":{"success":"https://shop.example/ok","failure":"https://shop.example/ng"}}""");
        ObjectNode body = requests.chargeBody(order, "bdb04c5f-42f0-29e2-0979-edae3e7760bf");
        assertThat(GmoSchemas.violations("CreditChargeRequest", body)).isEmpty();
        assertThat(body.at("/creditInformation/creditChargeOptions/authorizationMode").asText()).isEqualTo("AUTH");
        assertThat(body.at("/tds2Information/tds2Options/autoAuthorization").asBoolean(true)).isFalse();
        assertThat(body.at("/payer/nameKana").asText()).isEqualTo("ヤマダ　タロウ");
        assertThat(body.at("/order/billingAddress/state").asText()).isEqualTo("013");
        assertThat(body.at("/order/billingAddress/country").asText()).isEqualTo("392");
        assertThat(body.at("/merchant/callbackUrl").asText()).isEqualTo("https://shop.example/callbacks/gmo-pg");
        assertThat(body.at("/merchant/csrfToken").asText()).isEqualTo("bdb04c5f-42f0-29e2-0979-edae3e7760bf");
    }

    @Test
    void onFileChargeRequestConformsToCreditOnfileChargeRequestSchema() throws Exception {
        PaymentOrder order = order("""
                {"orderId":"ORD-2","amount":"2500","currency":"JPY","method":{"type":"card","memberId":"member-001","cardId":"0"},
                 "customer":{"name":"山田 太郎"},"returnUrls":{"success":"https://shop.example/ok"}}""");
        ObjectNode body = requests.chargeBody(order, null);
        assertThat(GmoSchemas.violations("CreditOnfileChargeRequest", body)).isEmpty();
        assertThat(body.at("/creditOnfileInformation/creditChargeOptions/authorizationMode").asText()).isEqualTo("CAPTURE");
    }

    private Exchange answered(String example, PaymentStatus current) throws Exception {
        JsonNode oas;
        try (InputStream in = getClass().getResourceAsStream("/sandbox/gmo-pg/openapi-1.3.1.json")) {
            oas = JSON.readTree(in);
        }
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.getMessage().setBody(JSON.writeValueAsString(oas.at("/components/examples/" + example + "/value")));
        exchange.setProperty(Flow.PAYMENT, new PaymentRecord("pay_1", "order-001", "gmo-pg", current,
                new BigDecimal("1000"), "JPY", BigDecimal.ZERO, BigDecimal.ZERO, "manual", null, null, null, Map.of(),
                null, null, null, "h", "{}", OffsetDateTime.now(), OffsetDateTime.now()));
        return exchange;
    }

    @Test
    void documentedAuthAnswerIsAuthorizedWithItsCaptureExpiry() throws Exception {
        ProviderOutcome o = answers.outcome(answered("creditChargeResponseExample1", PaymentStatus.PENDING));
        assertThat(o.status()).isEqualTo(PaymentStatus.AUTHORIZED);
        assertThat(o.providerRef()).containsEntry("id", "acdc7d53f7a78f488d8d0997eff99c6f");
        assertThat(o.captureExpiresAt()).isEqualTo(OffsetDateTime.parse("2023-06-30T12:34:56+09:00"));
    }

    @Test
    void documentedImmediateCaptureAnswerIsCapturedInFull() throws Exception {
        ProviderOutcome o = answers.outcome(answered("creditChargeResponseExample2", PaymentStatus.PENDING));
        assertThat(o.status()).isEqualTo(PaymentStatus.CAPTURED);
        assertThat(o.capturedAmount()).isEqualByComparingTo("1000");
    }

    @Test
    void documentedThreeDSecureAnswerRequiresARedirect() throws Exception {
        ProviderOutcome o = answers.outcome(answered("creditChargeTds2ResponseExample1", PaymentStatus.PENDING));
        assertThat(o.status()).isEqualTo(PaymentStatus.REQUIRES_ACTION);
        assertThat(o.nextAction().url()).isEqualTo("https://example.com/redirect/3dsecure2?p1=abc&p2=123");
    }

    @Test
    void documentedCaptureCancelAndInquiryAnswersMapByStatus() throws Exception {
        assertThat(answers.outcome(answered("orderCaptureCreditResponseExample1", PaymentStatus.AUTHORIZED)).status())
                .isEqualTo(PaymentStatus.CAPTURED);
        assertThat(answers.outcome(answered("orderCancelCreditResponseExample1", PaymentStatus.AUTHORIZED)).status())
                .isEqualTo(PaymentStatus.CANCELED);
        assertThat(answers.outcome(answered("orderCancelCreditResponseExample1", PaymentStatus.CAPTURED)).status())
                .isEqualTo(PaymentStatus.REFUNDED);
        assertThat(answers.outcome(answered("orderInquiryCreditResponseExample1", PaymentStatus.REQUIRES_ACTION)).status())
                .isEqualTo(PaymentStatus.REQUIRES_ACTION);
        assertThat(answers.outcome(answered("creditTds2FinalizeChargeResponseExample1", PaymentStatus.REQUIRES_ACTION)).status())
                .isEqualTo(PaymentStatus.AUTHORIZED);
    }

    @Test
    void documentedErrorTitlesMapToCanonicalCodes() {
        assertThat(GmoAnswers.error(402, "card_declined", null).code().wire()).isEqualTo("card_declined");
        assertThat(GmoAnswers.error(402, "insufficient_balance", null).code().wire()).isEqualTo("insufficient_funds");
        assertThat(GmoAnswers.error(402, "amount_limit_exceeded", null).code().wire()).isEqualTo("amount_limit_exceeded");
        assertThat(GmoAnswers.error(401, "unauthorized_request", null).code().wire()).isEqualTo("provider_auth_failed");
        assertThat(GmoAnswers.error(502, "maintenance", null).code().wire()).isEqualTo("provider_unavailable");
        assertThat(GmoAnswers.error(503, "service_unavailable", null).code().wire()).isEqualTo("provider_unavailable");
        assertThat(GmoAnswers.error(400, "invalid_status", null).code().wire()).isEqualTo("invalid_state");
        assertThat(GmoAnswers.error(402, "processing_failure", "3D secure authentication failed.").code().wire())
                .isEqualTo("payment_failed");
    }

    @Test
    void prefecturesAreMappedToJisNumbers() {
        assertThat(Prefectures.code("Tokyo")).contains("013");
        assertThat(Prefectures.code("東京都")).contains("013");
        assertThat(Prefectures.code("Osaka-fu")).contains("027");
        assertThat(Prefectures.code("北海道")).contains("001");
        assertThat(Prefectures.code("47")).contains("047");
        assertThat(Prefectures.code("Atlantis")).isEmpty();
    }
}
