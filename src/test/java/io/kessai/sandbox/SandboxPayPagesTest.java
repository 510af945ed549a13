package io.kessai.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.support.KessaiInstance;
import io.kessai.support.KessaiInstance.Answer;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A newcomer finishes an offline payment by hand: the sandboxes' pay pages (Japan Payment's payUrl, GMO's cash page)
 * carry a "Pay" button whose form POST pays the order and sends the provider's notification to Kessai, which
 * then captures the payment. Everything through HTTP, as a browser or curl does it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SandboxPayPagesTest {
    private final HttpClient browser = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private KessaiInstance kessai;

    @BeforeAll
    void start() {
        kessai = KessaiInstance.start(TestDatabases.h2(), Map.of());
    }

    @AfterAll
    void stop() {
        if (kessai != null) {
            kessai.close();
        }
    }

    private HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return browser.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** What the page's form sends: application/x-www-form-urlencoded to its action. */
    private HttpResponse<String> submit(String url, String form) throws IOException, InterruptedException {
        return browser.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private String status(String paymentId) {
        return kessai.get("/payments/" + paymentId).text("status");
    }

    private static String formAction(String html) {
        int form = html.indexOf("<form method=\"post\" action=\"");
        assertThat(form).as("a POST form in %s", html).isNotNegative();
        int start = form + "<form method=\"post\" action=\"".length();
        return html.substring(start, html.indexOf('"', start));
    }

    @Test
    void japanPaymentKonbiniPayButtonPaysTheOrderSendsTheNotificationAndReturnsTheCustomer() throws Exception {
        Answer created = kessai.post("/payments", Orders.japanPayment("JPY", "1000", "konbini", "LAWSON").toString());
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String paymentId = created.text("paymentId");
        String payUrl = created.json().path("nextAction").path("details").path("payUrl").asText();

        HttpResponse<String> page = get(payUrl);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<button type=\"submit\">Pay</button>").contains("name=\"result\" value=\"paid\"");
        String action = URI.create(payUrl).resolve(formAction(page.body())).toString();
        assertThat(action).isEqualTo(payUrl);

        HttpResponse<String> paid = submit(action, "result=paid");
        assertThat(paid.statusCode()).as(paid.body()).isEqualTo(303);
        assertThat(paid.headers().firstValue("Location")).contains("https://shop.example/ok");

        await().atMost(Duration.ofSeconds(30)).until(() -> "captured".equals(status(paymentId)));
        assertThat(kessai.get("/payments/" + paymentId).text("capturedAmount")).isEqualTo("1000");
        assertThat(get(payUrl).body()).contains("Status: 2").doesNotContain("<button");
        assertThat(submit(action, "result=paid").statusCode()).as("paying twice").isEqualTo(409);
    }

    @Test
    void japanPaymentBankTransferFailButtonFailsThePaymentAndReturnsTheCustomerToTheFailureUrl() throws Exception {
        Answer created = kessai.post("/payments", Orders.japanPayment("JPY", "1000", "bank_transfer", "GMO_AOZORA").toString());
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String paymentId = created.text("paymentId");
        String payUrl = created.json().path("nextAction").path("details").path("payUrl").asText();

        HttpResponse<String> failed = submit(payUrl, "result=failed");
        assertThat(failed.statusCode()).as(failed.body()).isEqualTo(303);
        assertThat(failed.headers().firstValue("Location")).contains("https://shop.example/ng");
        await().atMost(Duration.ofSeconds(30)).until(() -> "failed".equals(status(paymentId)));
    }

    @Test
    void gmoCashPagePayButtonPaysTheOrderAndTheCashPaidWebhookCapturesIt() throws Exception {
        ObjectNode order = Orders.gmoCard("unused").put("provider", "gmo-pg");
        order.putObject("method").put("type", "konbini").put("brand", "SEVEN_ELEVEN");
        Answer created = kessai.post("/payments", order.toString());
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        String paymentId = created.text("paymentId");
        String pageUrl = created.json().path("nextAction").path("details").path("voucherUrl").asText();
        assertThat(pageUrl).as(created.body()).contains("/sandbox/cash/");

        HttpResponse<String> page = get(pageUrl);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<button type=\"submit\">Pay</button>");
        String action = URI.create(pageUrl).resolve(formAction(page.body())).toString();
        assertThat(action).isEqualTo(pageUrl);

        HttpResponse<String> paid = submit(action, "result=paid");
        assertThat(paid.statusCode()).as(paid.body()).isEqualTo(303);
        assertThat(URI.create(pageUrl).resolve(paid.headers().firstValue("Location").orElseThrow()).toString())
                .isEqualTo(pageUrl);

        await().atMost(Duration.ofSeconds(30)).until(() -> "captured".equals(status(paymentId)));
        assertThat(get(pageUrl).body()).contains("PAYSUCCESS").doesNotContain("<button");
        assertThat(submit(action, "result=paid").statusCode()).as("paying twice").isEqualTo(400);
    }
}
