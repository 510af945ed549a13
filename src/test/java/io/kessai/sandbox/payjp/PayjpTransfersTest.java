package io.kessai.sandbox.payjp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.kessai.sandbox.payjp.PayjpHttp.Answer;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Platform API's transfers in the PAY.JP sandbox: lists, pagination, filters, merchant transfers, statuses. */
class PayjpTransfersTest {

    static final String SK = "sk_test_transfers000000000000";
    static final String PF = "sk_live_pf_transfers";
    private static PayjpSandbox sandbox;
    private static String transfers;

    @BeforeAll
    static void start() {
        sandbox = new PayjpSandbox(PayjpSandbox.Settings.defaults(SK, PF).withRateLimit(10_000, 10_000)
                .withProcessingTime(Duration.ZERO)).start();
        transfers = sandbox.apiBase() + "/platform/transfers";
    }

    @AfterAll
    static void stop() {
        sandbox.close();
    }

    @BeforeEach
    void reset() {
        sandbox.reset();
    }

    private static JsonNode get(String url) throws Exception {
        Answer a = PayjpHttp.get(url, PF);
        assertThat(a.status()).as(a.raw()).isEqualTo(200);
        return a.json();
    }

    @Test
    void aPlatformTransferListsItsMerchantTransfersWithTheDocumentedFields() throws Exception {
        Instant t = Instant.parse("2025-04-01T00:00:00Z");
        String pf = sandbox.createTransfer(t, 3);
        JsonNode list = get(transfers);
        assertThat(list.get("object").asText()).isEqualTo("list");
        assertThat(list.get("url").asText()).isEqualTo("/v1/platform/transfers");
        assertThat(list.get("count").asInt()).isEqualTo(1);
        assertThat(list.get("has_more").asBoolean()).isFalse();
        JsonNode p = list.get("data").get(0);
        assertThat(p.get("id").asText()).isEqualTo(pf).matches("pf_tr_[0-9a-f]{29}");
        assertThat(p.get("object").asText()).isEqualTo("platform_transfer");
        assertThat(p.get("status").asText()).isEqualTo("pending");
        assertThat(p.get("created").asLong()).isEqualTo(t.getEpochSecond());
        assertThat(p.get("currency").asText()).isEqualTo("jpy");
        assertThat(p.get("summary").get("charge_amount").asLong()).isEqualTo(6000);
        assertThat(p.get("summary").get("charge_count").asInt()).isEqualTo(3);
        assertThat(p.get("fee_amount").asLong()).isEqualTo(600);
        for (String f : List.of("carried_balance", "scheduled_date", "term_end", "term_start")) {
            assertThat(p.has(f)).as(f).isTrue();
        }
        JsonNode inner = p.get("transfers");
        assertThat(inner.get("count").asInt()).isEqualTo(3);
        assertThat(inner.get("url").asText()).isEqualTo("/v1/transfers");
        JsonNode tr = inner.get("data").get(0);
        assertThat(tr.get("object").asText()).isEqualTo("transfer");
        assertThat(tr.get("id").asText()).matches("tr_[0-9a-f]{29}");
        assertThat(tr.get("merchant").asText()).isEqualTo(sandbox.merchantId());
        assertThat(tr.get("summary").get("net").asLong()).isEqualTo(tr.get("amount").asLong());
        assertThat(tr.get("transfer_amount").isNull()).isTrue();
        assertThat(tr.has("charges")).isFalse();
        assertThat(get(transfers + "/" + pf)).isEqualTo(p);
    }

    @Test
    void moreThanOneHundredTransfersArePagedWithHasMore() throws Exception {
        Instant newest = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        List<String> made = sandbox.createTransfers(130, newest, Duration.ofSeconds(10));
        JsonNode first = get(transfers + "?limit=100");
        assertThat(first.get("data")).hasSize(100);
        assertThat(first.get("has_more").asBoolean()).isTrue();
        JsonNode second = get(transfers + "?limit=100&offset=100");
        assertThat(second.get("data")).hasSize(30);
        assertThat(second.get("has_more").asBoolean()).isFalse();
        List<String> all = new ArrayList<>(PayjpHttp.ids(first));
        all.addAll(PayjpHttp.ids(second));
        assertThat(all).containsExactlyElementsOf(made);
        JsonNode dflt = get(transfers);
        assertThat(dflt.get("data")).hasSize(10);
        assertThat(dflt.get("has_more").asBoolean()).isTrue();
        assertThat(get(transfers + "?offset=130").get("data")).isEmpty();
    }

    @Test
    void statusSinceAndUntilFilterTheList() throws Exception {
        Instant newest = Instant.parse("2025-05-01T00:00:00Z");
        List<String> made = sandbox.createTransfers(5, newest, Duration.ofMinutes(1));
        sandbox.changeTransferStatus(made.get(1), "paid");
        sandbox.changeTransferStatus(made.get(3), "paid");
        sandbox.changeTransferStatus(made.get(4), "failed");
        assertThat(PayjpHttp.ids(get(transfers + "?status=paid"))).containsExactly(made.get(1), made.get(3));
        assertThat(PayjpHttp.ids(get(transfers + "?status=failed"))).containsExactly(made.get(4));
        assertThat(get(transfers + "?status=paid").get("data").get(0).get("status").asText()).isEqualTo("paid");
        long since = newest.minus(Duration.ofMinutes(3)).getEpochSecond();
        long until = newest.minus(Duration.ofMinutes(1)).getEpochSecond();
        assertThat(PayjpHttp.ids(get(transfers + "?since=" + since + "&until=" + until)))
                .containsExactly(made.get(1), made.get(2), made.get(3));
        assertThat(PayjpHttp.ids(get(transfers + "?since=" + since + "&status=pending")))
                .containsExactly(made.get(0), made.get(2));
        for (String q : List.of("status=done", "limit=101", "dummy=1")) {
            Answer bad = PayjpHttp.get(transfers + "?" + q, PF);
            assertThat(bad.status()).as(q).isEqualTo(400);
            assertThat(bad.error().get("message").asText()).isEqualTo("Invalid query string.");
            assertThat(bad.error().get("param").asText()).isEqualTo(q.substring(0, q.indexOf('=')));
        }
        assertThat(PayjpHttp.get(transfers + "?until=soon", PF).code()).isEqualTo("invalid_timestamp");
    }

    @Test
    void merchantTransfersArePagedAndEachCarriesMerchantAndCharges() throws Exception {
        String m2 = PayjpHttp.post(sandbox.apiBase() + "/platform/merchants", PF, PayjpHttp.form("display_name",
                "second")).json().get("id").asText();
        String pf = sandbox.createTransfer(Instant.now(), 15, List.of(sandbox.merchantId(), m2));
        String url = transfers + "/" + pf + "/transfers";
        JsonNode page = get(url + "?limit=10");
        assertThat(page.get("data")).hasSize(10);
        assertThat(page.get("has_more").asBoolean()).isTrue();
        assertThat(page.get("url").asText()).isEqualTo("/v1/transfers");
        JsonNode rest = get(url + "?limit=10&offset=10");
        assertThat(rest.get("data")).hasSize(5);
        assertThat(rest.get("has_more").asBoolean()).isFalse();
        JsonNode tr = page.get("data").get(0);
        assertThat(tr.get("charges").get("object").asText()).isEqualTo("list");
        assertThat(tr.get("charges").get("url").asText()).isEqualTo("/v1/transfers/" + tr.get("id").asText()
                + "/charges");
        assertThat(page.get("data").findValuesAsText("merchant")).contains(sandbox.merchantId(), m2);
        assertThat(get(url + "/" + tr.get("id").asText())).isEqualTo(tr);
        assertThat(get(transfers + "/" + pf).get("transfers").get("has_more").asBoolean()).isTrue();

        Answer noPf = PayjpHttp.get(transfers + "/pf_tr_dummy", PF);
        assertThat(noPf.status()).isEqualTo(404);
        assertThat(noPf.error().get("message").asText()).isEqualTo("There is no platform transfer with ID: pf_tr_dummy");
        Answer noTr = PayjpHttp.get(url + "/dummy", PF);
        assertThat(noTr.status()).isEqualTo(404);
        assertThat(noTr.error().get("message").asText()).isEqualTo("There is no transfer with ID: dummy");
        assertThat(PayjpHttp.get(transfers + "/pf_tr_dummy/transfers", PF).status()).isEqualTo(404);
        assertThat(PayjpHttp.get(transfers, SK).status()).isEqualTo(401);
    }

    @Test
    void aTransferWhoseStatusChangesTwiceShowsEachStatusInTurn() throws Exception {
        String pf = sandbox.createTransfer(Instant.now(), 1);
        String tr = sandbox.merchantTransferIds(pf).get(0);
        String url = transfers + "/" + pf + "/transfers/" + tr;
        assertThat(get(url).get("status").asText()).isEqualTo("pending");
        sandbox.changeTransferStatus(tr, "carried_over");
        assertThat(get(url).get("status").asText()).isEqualTo("carried_over");
        assertThat(get(url).get("transfer_date").isNull()).isTrue();
        sandbox.changeTransferStatus(tr, "paid");
        JsonNode paid = get(url);
        assertThat(paid.get("status").asText()).isEqualTo("paid");
        assertThat(paid.get("transfer_date").asText()).matches("\\d{4}-\\d{2}-\\d{2}");
        assertThat(paid.get("transfer_amount").asLong()).isEqualTo(paid.get("amount").asLong());
        assertThat(PayjpHttp.ids(get(transfers + "/" + pf + "/transfers?status=paid"))).containsExactly(tr);
        assertThatThrownBy(() -> sandbox.changeTransferStatus(tr, "paid")).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> sandbox.changeTransferStatus(tr, "done"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
