package io.kessai.faults;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kessai.support.FaultProxy;
import io.kessai.support.FaultProxy.Request;
import io.kessai.support.KessaiInstance.Answer;
import io.kessai.support.Orders;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Kessai sends exactly the documented request to each provider: the documented path with no query string at
 * all (no endpoint option of Kessai's HTTP client may leak into the URL), by POST. The proxies pass every byte
 * through untouched and read each request line as the sandbox receives it; the sandboxes' own records confirm
 * the paths. GMO runs in token mode here so that its authorization server's request is covered too.
 */
class UpstreamRequestTargetsTest extends FaultSuite {
    private static final List<String> GMO_PATHS = List.of("/token", "/credit/charge", "/credit/on-file/charge",
            "/tds2/finalizeCharge", "/cash/charge", "/order/capture", "/order/cancel", "/order/inquiry");
    private static final List<String> JAPAN_PAYMENT_PATHS = List.of("/jpy/collect/apply", "/usd/collect/apply",
            "/jpy/collect/query", "/usd/collect/query");

    @Override
    Map<String, String> settings() {
        return Map.of("kessai.providers.gmo-pg.auth-mode", "token");
    }

    private Answer created(ObjectNode order) {
        Answer answer = rig.kessai.post("/payments", order.toString());
        assertThat(answer.status()).as(answer.body()).isEqualTo(201);
        return answer;
    }

    private Answer ok(String paymentId, String operation) {
        Answer answer = rig.kessai.post("/payments/" + paymentId + "/" + operation, null);
        assertThat(answer.status()).as(operation + " " + answer.body()).isEqualTo(200);
        return answer;
    }

    /** Every request the proxy passed on: POST, a documented path, and not a single byte of query. */
    private static void assertExactlyDocumented(FaultProxy proxy, List<String> documented) {
        List<Request> seen = proxy.seen().stream().map(FaultProxy.Seen::request).toList();
        assertThat(seen).isNotEmpty();
        assertThat(seen).allSatisfy(r -> {
            assertThat(r.target()).as(r.method() + " " + r.target()).doesNotContain("?");
            assertThat(r.query()).as(r.target()).isNull();
            assertThat(r.target()).as(r.method() + " " + r.target()).isIn(documented);
            assertThat(r.method()).as(r.target()).isEqualTo("POST");
        });
        assertThat(seen.stream().map(Request::target).distinct()).as("request targets")
                .containsExactlyInAnyOrderElementsOf(documented);
    }

    @Test
    void everyGmoOperationSendsItsDocumentedPathWithoutAQueryString() {
        // card: charge and capture, charge and cancel, charge (immediate) and refund
        ok(created(Orders.manual(Orders.gmoCard("tok_visa"))).text("paymentId"), "capture");
        ok(created(Orders.manual(Orders.gmoCard("tok_visa"))).text("paymentId"), "cancel");
        ok(created(Orders.gmoCard("tok_visa")).text("paymentId"), "refund");
        // on-file card
        ObjectNode onFile = Orders.manual(Orders.gmoCard("unused"));
        ((ObjectNode) onFile.get("method")).remove("token");
        ((ObjectNode) onFile.get("method")).put("memberId", "member-001").put("cardId", "1");
        created(onFile);
        // 3-D Secure: the browser goes to the ACS page and back to Kessai's callback, which finalizes
        Answer tds = created(Orders.manual(Orders.gmoCard("tok_tds")));
        Answer acs = rig.kessai.get(tds.json().path("nextAction").path("url").asText() + "?result=success");
        assertThat(rig.kessai.get(acs.location()).status()).isEqualTo(302);
        // cash: konbini payment number; the janitor asks GMO about it while it waits for the customer
        ObjectNode cash = Orders.gmoCard("unused");
        cash.putObject("method").put("type", "konbini").put("brand", "LAWSON");
        cash.put("provider", "gmo-pg");
        created(cash);
        await().atMost(Duration.ofSeconds(10)).until(() -> rig.gmoProxy.seen().stream()
                .anyMatch(s -> s.request().path().equals("/order/inquiry")));

        assertExactlyDocumented(rig.gmoProxy, GMO_PATHS);
        assertThat(rig.gmo.requests()).extracting(r -> r.path()).containsAll(GMO_PATHS);
    }

    @Test
    void everyJapanPaymentOperationSendsItsDocumentedPathWithoutAQueryString() {
        created(Orders.japanPayment("JPY", "3000", "konbini", "LAWSON"));
        created(Orders.japanPayment("USD", "4.99", "ewallet", "MERPAY"));
        // the janitor queries both open collections while they await the customer
        await().atMost(Duration.ofSeconds(10)).until(() -> rig.jpProxy.seen().stream().map(s -> s.request().path())
                .toList().containsAll(List.of("/jpy/collect/query", "/usd/collect/query")));

        assertExactlyDocumented(rig.jpProxy, JAPAN_PAYMENT_PATHS);
        assertThat(rig.jp.requests()).extracting(r -> r.path()).containsAll(JAPAN_PAYMENT_PATHS);
    }
}
