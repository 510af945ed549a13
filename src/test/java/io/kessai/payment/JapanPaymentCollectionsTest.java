package io.kessai.payment;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.sandbox.japanpayment.JapanPaymentSandbox;
import io.kessai.support.EventSink;
import io.kessai.support.KessaiInstance;
import io.kessai.support.KessaiInstance.Answer;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Japan Payment collections through the HTTP API against its sandbox: signed both ways, verified, polled. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JapanPaymentCollectionsTest {
    KessaiInstance kessai;
    JapanPaymentSandbox jp;
    EventSink sink;

    @BeforeAll
    void start() {
        sink = new EventSink();
        kessai = KessaiInstance.start(TestDatabases.h2(), Map.of("kessai.events.uri", sink.uri(),
                "kessai.janitor.schedule", "300ms"));
        jp = kessai.japanPaymentSandbox();
    }

    @AfterAll
    void stop() {
        kessai.close();
        sink.close();
    }

    private Answer pay(ObjectNode order) {
        return kessai.post("/payments", order.toString());
    }

    private String status(String paymentId) {
        return kessai.get("/payments/" + paymentId).text("status");
    }

    @Test
    void konbiniCollectionIsRoutedByMethodAndAnswersOfflinePaymentDetails() {
        ObjectNode order = Orders.japanPayment("JPY", "300", "konbini", "LAWSON");
        Answer created = pay(order);
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.text("provider")).isEqualTo("japan-payment");
        assertThat(created.text("status")).isEqualTo("requires_action");
        var details = created.json().path("nextAction").path("details");
        assertThat(created.json().path("nextAction").path("type").asText()).isEqualTo("pay_offline");
        assertThat(details.path("inBankCode").asText()).isEqualTo("KONBINI_LAWSON");
        assertThat(details.path("payUrl").asText()).startsWith(jp.baseUrl());
        assertThat(details.path("bankNo").asText()).isNotBlank();
        assertThat(details.path("qrCode").asText()).isNotBlank();
        assertThat(created.json().path("providerRef").path("id").asText()).matches("[0-9]{16}");
    }

    @Test
    void paidCollectionBecomesCapturedThroughTheVerifiedNotification() {
        ObjectNode order = Orders.japanPayment("JPY", "1000", "bank_transfer", "GMO_AOZORA");
        String orderId = order.get("orderId").asText();
        Answer created = pay(order);
        String id = created.text("paymentId");
        jp.advance(orderId, 1);
        jp.advance(orderId, 2);
        await().atMost(Duration.ofSeconds(10)).until(() -> "captured".equals(status(id)));
        Answer paid = kessai.get("/payments/" + id);
        assertThat(paid.text("capturedAmount")).isEqualTo("1000");
        assertThat(paid.json().path("providerRef").path("fee").asText()).isNotBlank();
        assertThat(paid.json().path("providerRef").path("payTime").asText()).matches("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}");
        assertThat(jp.notifications()).anyMatch(n -> n.orderId().equals(orderId) && n.httpStatus() == 200
                && "success".equals(n.answer()));
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.receivedFor(id).stream()
                .anyMatch(e -> e.path("type").asText().equals("payment.captured")));
        assertThat(sink.receivedFor(id)).filteredOn(e -> e.path("type").asText().equals("payment.captured"))
                .singleElement().satisfies(e -> assertThat(e.path("source").asText()).isIn("webhook", "poll"));
    }

    @Test
    void usdEwalletRedirectsToThePayUrlWithTwoDecimalAmounts() {
        Answer created = pay(Orders.japanPayment("USD", "4.5", "ewallet", "MERPAY"));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        assertThat(created.text("amount")).isEqualTo("4.50");
        assertThat(created.json().path("nextAction").path("type").asText()).isEqualTo("redirect");
        assertThat(created.json().path("nextAction").path("url").asText()).startsWith(jp.baseUrl());
    }

    @Test
    void failedCollectionBecomesFailedWithTheProvidersReason() {
        ObjectNode order = Orders.japanPayment("JPY", "500", "ewallet", "AU_PAY");
        String orderId = order.get("orderId").asText();
        String id = pay(order).text("paymentId");
        jp.advance(orderId, 1);
        jp.advance(orderId, 3);
        await().atMost(Duration.ofSeconds(10)).until(() -> "failed".equals(status(id)));
        assertThat(kessai.get("/payments/" + id).json().path("error").path("message").asText()).isNotBlank();
    }

    @Test
    void tamperedNotificationIsRefusedAndChangesNothing() {
        ObjectNode order = Orders.japanPayment("JPY", "300", "konbini", "FAMILYMART");
        String orderId = order.get("orderId").asText();
        String id = pay(order).text("paymentId");
        jp.sendTamperedNotification(orderId);
        await().atMost(Duration.ofSeconds(10)).until(() -> jp.notifications().stream()
                .anyMatch(n -> n.orderId().equals(orderId) && n.httpStatus() == 401));
        assertThat(status(id)).isEqualTo("requires_action");
        assertThat(kessai.store().transitions(id)).extracting(t -> t.to()).containsExactly("pending", "requires_action");
    }

    @Test
    void tamperedAnswerIsAnUnknownOutcomeLeavesThePaymentPendingAndAQueryReconcilesIt() {
        ObjectNode order = Orders.japanPayment("JPY", "2000", "ewallet", "MERPAY");
        jp.tamperNextAnswer();
        Answer answer = pay(order);
        // The provider may have made the order: not known, never failed, until a verified query says.
        assertThat(answer.status()).as(answer.body()).isEqualTo(504);
        assertThat(answer.text("title")).isEqualTo("provider_timeout");
        assertThat(answer.text("detail")).contains("signature");
        assertThat(status(answer.text("paymentId"))).isEqualTo("pending");
        String id = answer.text("paymentId");
        // The order exists at the provider; the janitor's verified query settles what the tampered answer could not.
        await().atMost(Duration.ofSeconds(10)).until(() -> "requires_action".equals(status(id)));
        assertThat(kessai.get("/payments/" + id).json().path("nextAction").path("url").asText()).doesNotContain("attacker");
        assertThat(jp.applications(order.get("orderId").asText())).isEqualTo(1);
    }

    @Test
    void amountsAtTheEdgesOfEachMethodsLimitsAreCheckedBeforeAnyCall() {
        java.util.List<ObjectNode> outside = java.util.List.of(
                Orders.japanPayment("JPY", "299", "konbini", "SEVEN_ELEVEN"),
                Orders.japanPayment("JPY", "150001", "ewallet", "AU_PAY"),
                Orders.japanPayment("USD", "1.98", "konbini", "MINISTOP"),
                Orders.japanPayment("USD", "500.00", "bank_transfer", "GMO_AOZORA"),
                Orders.japanPayment("USD", "4.999", "ewallet", "AU_PAY"));
        for (ObjectNode order : outside) {
            Answer refused = pay(order);
            assertThat(refused.status()).as(order.toString()).isEqualTo(400);
            assertThat(refused.json().path("errors").get(0).path("field").asText()).isEqualTo("amount");
        }
        var refusedIds = outside.stream().map(o -> o.get("orderId").asText()).toList();
        assertThat(jp.requests()).noneMatch(r -> refusedIds.contains(r.orderId()));
        assertThat(pay(Orders.japanPayment("JPY", "150000", "ewallet", "AU_PAY")).status()).isEqualTo(201);
        assertThat(pay(Orders.japanPayment("USD", "1.99", "konbini", "MINISTOP")).status()).isEqualTo(201);
        assertThat(pay(Orders.japanPayment("USD", "499.99", "bank_transfer", "GMO_AOZORA")).status()).isEqualTo(201);
        assertThat(pay(Orders.japanPayment("USD", "0.99", "ewallet", "AU_PAY")).status()).isEqualTo(201);
    }

    @Test
    void missingCustomerFieldsTheProviderRequiresAreReportedTogether() {
        ObjectNode order = Orders.japanPayment("JPY", "1000", "ewallet", "AU_PAY");
        ((ObjectNode) order.get("customer")).remove("phone");
        ((ObjectNode) order.get("customer")).remove("email");
        ((ObjectNode) order.get("customer")).remove("id");
        Answer answer = pay(order);
        assertThat(answer.status()).isEqualTo(400);
        assertThat(answer.json().path("errors").findValuesAsText("field"))
                .contains("customer.phone", "customer.email", "customer.id");
    }

    @Test
    void captureCancelAndRefundAreUnsupportedByTheCollectionApi() {
        String id = pay(Orders.japanPayment("JPY", "1000", "ewallet", "AU_PAY")).text("paymentId");
        for (String op : new String[] {"capture", "cancel", "refund"}) {
            Answer answer = kessai.post("/payments/" + id + "/" + op, null);
            assertThat(answer.status()).as(op + " " + answer.body()).isEqualTo(422);
            assertThat(answer.text("title")).isEqualTo("unsupported");
        }
    }
}
