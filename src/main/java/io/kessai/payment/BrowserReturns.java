package io.kessai.payment;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kessai.model.ErrorCode;
import io.kessai.model.KessaiException;
import io.kessai.model.PaymentOrder;
import io.kessai.model.PaymentStatus;
import io.kessai.provider.BrowserReturn;
import io.kessai.provider.PaymentProvider;
import io.kessai.provider.ProviderOperation;
import io.kessai.provider.Providers;
import io.kessai.store.PaymentRecord;
import io.kessai.store.PaymentStore;
import org.apache.camel.Exchange;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * {@code GET /callbacks/{provider}}, the customer's browser coming back from a provider's page: dispatched to the
 * provider's browser-return handler ({@code direct:kessai-<id>-callback}), which names the payment and the operation
 * that learns the outcome; while the payment still requires action that operation is called and the state machine
 * applies its answer; the browser is then sent to the order's {@code returnUrls}.
 */
public final class BrowserReturns {
    /** The operation that settles the return: finalize or inquiry. */
    static final String STEP = "kessaiCallbackStep";

    private final PaymentStore store;
    private final Providers providers;
    private final ObjectMapper json;

    public BrowserReturns(PaymentStore store, Providers providers, ObjectMapper json) {
        this.store = store;
        this.providers = providers;
        this.json = json;
    }

    /** The provider named by the path: installed and taking browser returns, or 404. */
    public void dispatch(Exchange exchange) {
        String id = exchange.getMessage().getHeader("provider", String.class);
        PaymentProvider provider = providers.find(id == null ? "" : id)
                .filter(p -> p.capabilities().offers(ProviderOperation.CALLBACK))
                .orElseThrow(() -> new KessaiException(ErrorCode.NOT_FOUND, "no browser returns are taken for provider " + id));
        exchange.setProperty(Flow.PROVIDER, provider.id());
        exchange.setProperty(Flow.SOURCE, "callback");
    }

    /** What the provider's handler read: loads the payment and, while it requires action, prepares the operation. */
    public void accept(Exchange exchange) {
        BrowserReturn read = exchange.getMessage().getBody(BrowserReturn.class);
        String provider = exchange.getProperty(Flow.PROVIDER, String.class);
        if (read == null) {
            throw new IllegalStateException("direct:kessai-" + provider + "-callback answered no BrowserReturn");
        }
        PaymentRecord payment = store.find(read.payment().paymentId())
                .filter(p -> p.provider().equals(provider))
                .orElseThrow(() -> new KessaiException(ErrorCode.NOT_FOUND, "no " + provider + " payment is returned to here"));
        exchange.setProperty(Flow.PAYMENT, payment);
        PaymentLog.enter(exchange, payment, "callback");
        boolean open = payment.status() == PaymentStatus.REQUIRES_ACTION;
        exchange.setProperty(Flow.CALL_UPSTREAM, open);
        exchange.setProperty(STEP, read.next().wire());
        if (open && read.next() == ProviderOperation.FINALIZE) {
            exchange.setProperty(Flow.OPERATION, store.beginOperation(payment.paymentId(), "finalize", payment.amount()));
        }
    }

    /** Sends the browser to the order's success or failure URL, with the payment id and status. */
    public void redirect(Exchange exchange) throws IOException {
        PaymentRecord payment = store.find(exchange.getProperty(Flow.PAYMENT, PaymentRecord.class).paymentId()).orElseThrow();
        PaymentOrder.ReturnUrls urls = json.readValue(payment.orderJson(), PaymentOrder.class).returnUrls();
        boolean ok = payment.status() == PaymentStatus.AUTHORIZED || payment.status() == PaymentStatus.CAPTURED;
        String target = ok ? urls.success() : firstOf(urls.failure(), urls.cancel(), urls.success());
        String location = target + (target.contains("?") ? "&" : "?")
                + "paymentId=" + URLEncoder.encode(payment.paymentId(), StandardCharsets.UTF_8)
                + "&status=" + payment.status().wire();
        var message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, 302);
        message.setHeader("Location", location);
        message.setBody("");
    }

    private static String firstOf(String... values) {
        for (String v : values) {
            if (v != null) {
                return v;
            }
        }
        return null;
    }
}
