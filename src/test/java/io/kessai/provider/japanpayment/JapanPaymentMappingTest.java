package io.kessai.provider.japanpayment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.model.FieldError;
import io.kessai.model.KessaiException;
import io.kessai.model.PaymentOrder;
import io.kessai.model.PaymentStatus;
import io.kessai.model.ProviderOutcome;
import io.kessai.model.FieldRules;
import io.kessai.payment.Flow;
import io.kessai.payment.PaymentOrderReader;
import io.kessai.store.PaymentRecord;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The Japan Payment mapping proved with the document's own samples: the request fields, the method table,
 * the amount formats, and the answers (re-signed with a key made for the test, since the document's
 * samples are signed with a key nobody has).
 */
class JapanPaymentMappingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final KeyPair merchant = keys();
    private final KeyPair provider = keys();
    private final JapanPaymentSignature signature = new JapanPaymentSignature("SHA256withRSA");
    private final JapanPaymentSettings settings = new JapanPaymentSettings("https://jp.example", 1054, 1055,
            merchant.getPrivate(), provider.getPublic(), signature, "https://shop.example/webhooks/japan-payment");
    private final JapanPaymentRequests requests = new JapanPaymentRequests(settings, JSON);
    private final JapanPaymentAnswers answers = new JapanPaymentAnswers(settings, JSON);

    private static KeyPair keys() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private PaymentOrder order(String currency, String amount, String type, String brand) throws Exception {
        String json = """
                {"orderId":"M233323000059","amount":"%s","currency":"%s","method":{"type":"%s","brand":"%s"},
                 "customer":{"name":"test","phone":"09230219312","email":"23423@qq.com","id":"149597870"},
                 "description":"Digital Product",
                 "returnUrls":{"success":"https://shop.example/ok","failure":"https://shop.example/ng"}}"""
                .formatted(amount, currency, type, brand);
        List<FieldError> errors = new ArrayList<>();
        PaymentOrder order = new PaymentOrderReader(JSON, Clock.systemUTC()).read(JSON.readTree(json), errors);
        assertThat(errors).isEmpty();
        return order;
    }

    private List<FieldError> check(PaymentOrder order) {
        List<FieldError> errors = new ArrayList<>();
        new JapanPaymentProvider().check(order, new FieldRules(errors));
        return errors;
    }

    @Test
    void applyRequestCarriesTheDocumentsFieldsSignedWithKessaisKey() throws Exception {
        ObjectNode body = requests.applyBody(order("JPY", "300", "konbini", "LAWSON"));
        assertThat(body.get("appId").isNumber()).isTrue();
        assertThat(body.get("appId").asLong()).isEqualTo(1054);
        assertThat(body.get("amount").asText()).isEqualTo("300");
        assertThat(body.get("payType").asText()).isEqualTo("BANK_TRANSFER");
        assertThat(body.get("inBankCode").asText()).isEqualTo("KONBINI_LAWSON");
        assertThat(body.get("partnerUserId").asText()).isEqualTo("149597870");
        assertThat(body.get("callBackUrl").asText()).isEqualTo("https://shop.example/ok");
        assertThat(body.get("callBackFailUrl").asText()).isEqualTo("https://shop.example/ng");
        assertThat(body.get("notifyUrl").asText()).isEqualTo("https://shop.example/webhooks/japan-payment");
        assertThat(signature.verify(body, merchant.getPublic())).isTrue();
        body.put("amount", "3000");
        assertThat(signature.verify(body, merchant.getPublic())).isFalse();
    }

    @Test
    void usdAmountsHaveExactlyTwoDecimalsAndUseTheUsdCodesAndAppId() throws Exception {
        ObjectNode body = requests.applyBody(order("USD", "4.5", "ewallet", "MERPAY"));
        assertThat(body.get("amount").asText()).isEqualTo("4.50");
        assertThat(body.get("appId").asLong()).isEqualTo(1055);
        assertThat(body.get("payType").asText()).isEqualTo("EWALLET");
        assertThat(body.get("inBankCode").asText()).isEqualTo("JP_MERPAY_USD");
    }

    @Test
    void limitsOfEachMethodAndCurrencyAreCheckedAtTheirEdges() throws Exception {
        assertThat(check(order("JPY", "300", "konbini", "FAMILYMART"))).isEmpty();
        assertThat(check(order("JPY", "299", "konbini", "FAMILYMART"))).extracting(FieldError::field).containsExactly("amount");
        assertThat(check(order("JPY", "100", "ewallet", "AU_PAY"))).isEmpty();
        assertThat(check(order("JPY", "99", "ewallet", "AU_PAY"))).extracting(FieldError::field).containsExactly("amount");
        assertThat(check(order("JPY", "150000", "bank_transfer", "GMO_AOZORA"))).isEmpty();
        assertThat(check(order("JPY", "150001", "bank_transfer", "GMO_AOZORA"))).extracting(FieldError::field).containsExactly("amount");
        assertThat(check(order("USD", "1.99", "konbini", "SEVEN_ELEVEN"))).isEmpty();
        assertThat(check(order("USD", "1.98", "konbini", "SEVEN_ELEVEN"))).extracting(FieldError::field).containsExactly("amount");
        assertThat(check(order("USD", "0.99", "ewallet", "MERPAY"))).isEmpty();
        assertThat(check(order("USD", "0.98", "ewallet", "MERPAY"))).extracting(FieldError::field).containsExactly("amount");
        assertThat(check(order("USD", "499.99", "bank_transfer", "GMO_AOZORA"))).isEmpty();
        assertThat(check(order("USD", "500", "bank_transfer", "GMO_AOZORA"))).extracting(FieldError::field).containsExactly("amount");
    }

    @Test
    void methodsOutsideTheDocumentsTableAreUnsupported() throws Exception {
        assertThatThrownBy(() -> check(order("JPY", "1000", "bank_transfer", "SMBC")))
                .isInstanceOf(KessaiException.class).hasMessageContaining("does not offer");
    }

    private Exchange answer(ObjectNode answer, PaymentOrder order) {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.getMessage().setBody(answer.toString());
        exchange.setProperty(Flow.ORDER, order);
        exchange.setProperty(Flow.PAYMENT, new PaymentRecord("pay_1", "M22222000028", "japan-payment", PaymentStatus.REQUIRES_ACTION,
                new BigDecimal("50000"), "JPY", BigDecimal.ZERO, BigDecimal.ZERO, "immediate", null, null, null, Map.of(),
                null, null, null, "h", "{}", OffsetDateTime.now(), OffsetDateTime.now()));
        return exchange;
    }

    /** The document's sample answer with its data signed by the provider key of the test. */
    private ObjectNode signedByProvider(String sample) throws Exception {
        ObjectNode answer = (ObjectNode) JSON.readTree(sample);
        ObjectNode data = (ObjectNode) answer.get("data");
        data.remove("sign");
        data.put("sign", signature.sign(data, provider.getPrivate()));
        return answer;
    }

    @Test
    void documentedApplyAnswerBecomesOfflinePaymentDetails() throws Exception {
        ObjectNode answer = signedByProvider("""
                {"status":"1","error":"00000000","msg":"","data":{"orderId":"M233323000059","orderNo":"6023071013539074",
                 "payUrl":"https://a.api-uat.php.com/1L9zQS2","bankCode":"GCASH_STATIC_VA","bankNo":"PC0007I10000035",
                 "qrCode":"000201010212","sign":"x"}}""");
        ProviderOutcome o = answers.applied(answer(answer, order("JPY", "300", "konbini", "LAWSON")));
        assertThat(o.status()).isEqualTo(PaymentStatus.REQUIRES_ACTION);
        assertThat(o.providerRef()).containsEntry("id", "6023071013539074");
        assertThat(o.nextAction().type()).isEqualTo("pay_offline");
        assertThat(o.nextAction().details()).containsEntry("payUrl", "https://a.api-uat.php.com/1L9zQS2")
                .containsEntry("bankCode", "GCASH_STATIC_VA").containsEntry("bankNo", "PC0007I10000035")
                .containsEntry("qrCode", "000201010212");
        ProviderOutcome wallet = answers.applied(answer(answer, order("JPY", "300", "ewallet", "AU_PAY")));
        assertThat(wallet.nextAction().type()).isEqualTo("redirect");
        assertThat(wallet.nextAction().url()).isEqualTo("https://a.api-uat.php.com/1L9zQS2");
    }

    @Test
    void documentedQueryAnswerMapsEachStatus() throws Exception {
        String sample = """
                {"status":"1","error":"00000000","msg":"","data":{"orderId":"M22222000028","orderNo":"6023042811314347",
                 "amount":"50000.00","actualAmount":"%s","fee":"%s","status":%d%s,"sign":"x"}}""";
        PaymentOrder order = order("JPY", "50000", "konbini", "LAWSON");
        assertThat(answers.queried(answer(signedByProvider(sample.formatted("0.00", "0.00", 1, "")), order)).status())
                .isEqualTo(PaymentStatus.REQUIRES_ACTION);
        assertThat(answers.queried(answer(signedByProvider(sample.formatted("0.00", "0.00", 0, "")), order)).status())
                .isEqualTo(PaymentStatus.REQUIRES_ACTION);
        assertThat(answers.queried(answer(signedByProvider(sample.formatted("0.00", "0.00", -1, "")), order)).status())
                .isEqualTo(PaymentStatus.PENDING);
        ProviderOutcome paid = answers.queried(answer(signedByProvider(sample.formatted("50000.00", "1250.00", 2,
                ",\"payTime\":\"2026-11-23 10:00:00\"")), order));
        assertThat(paid.status()).isEqualTo(PaymentStatus.CAPTURED);
        assertThat(paid.capturedAmount()).isEqualByComparingTo("50000");
        assertThat(paid.providerRef()).containsEntry("fee", "1250.00").containsEntry("payTime", "2026-11-23 10:00:00")
                .containsEntry("actualAmount", "50000.00");
        ProviderOutcome failed = answers.queried(answer(signedByProvider(sample.formatted("0.00", "0.00", 3,
                ",\"errorMsg\":\"expired\"")), order));
        assertThat(failed.status()).isEqualTo(PaymentStatus.FAILED);
        assertThat(failed.error().message()).isEqualTo("expired");
    }

    @Test
    void answerWhoseSignDoesNotVerifyIsAnUnknownOutcomeAndChangesNothing() throws Exception {
        ObjectNode answer = signedByProvider("""
                {"status":"1","error":"00000000","msg":"","data":{"orderId":"M22222000028","orderNo":"6023042811314347",
                 "amount":"50000.00","actualAmount":"0.00","fee":"0.00","status":1,"sign":"x"}}""");
        ((ObjectNode) answer.get("data")).put("status", 2);
        PaymentOrder order = order("JPY", "50000", "konbini", "LAWSON");
        assertThatThrownBy(() -> answers.queried(answer(answer, order)))
                .isInstanceOfSatisfying(KessaiException.class, k -> {
                    assertThat(k.code().wire()).isEqualTo("provider_timeout");
                    assertThat(k.providerCode()).isEqualTo("invalid_sign");
                    assertThat(k.outcomeUnknown()).isTrue();
                });
    }

    @Test
    void refusedApplyFailsWithTheProvidersErrorCode() throws Exception {
        JsonNode refused = JSON.readTree("{\"status\":\"0\",\"error\":\"20000001\",\"msg\":\"payment method declined\"}");
        ProviderOutcome o = answers.applied(answer((ObjectNode) refused, order("JPY", "300", "konbini", "LAWSON")));
        assertThat(o.status()).isEqualTo(PaymentStatus.FAILED);
        assertThat(o.error().providerCode()).isEqualTo("20000001");
        assertThat(o.error().code()).isEqualTo("payment_failed");
    }
}
