package io.kessai.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.kessai.model.ErrorCode;
import io.kessai.model.KessaiException;
import io.kessai.model.PaymentResult;
import io.kessai.support.Orders;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's Kamelet section as pasted: its YAML route blocks, read from README.md, are loaded into a camel-main
 * application that installs Kessai the way the README says (Kessai.install from a MainListener) and finds the
 * Kamelets on the classpath (kamelets/, as in the library jar); each route then carries a payment through its Kamelet
 * to the built-in GMO sandbox.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KameletsInUseTest {
    private static final List<String> KAMELETS = List.of(
            "kessai-pay-action", "kessai-capture-action", "kessai-cancel-action", "kessai-refund-action",
            "kessai-events-source");

    private Main main;
    private ProducerTemplate template;

    @BeforeAll
    void startApplicationWithReadmeRoutes(@TempDir Path routes) throws Exception {
        List<String> blocks = readmeKameletBlocks();
        for (int i = 0; i < blocks.size(); i++) {
            Files.writeString(routes.resolve("shop-" + i + ".camel.yaml"), blocks.get(i), StandardCharsets.UTF_8);
        }
        main = new Main();
        // Only Kessai's defaults: the standalone application.properties in the jar would start an HTTP server.
        main.setPropertyPlaceholderLocations(Kessai.DEFAULTS);
        main.configure().setBasePackageScanEnabled(false);
        main.configure().withRoutesIncludePattern("file:" + routes.toAbsolutePath() + "/*.camel.yaml");
        Properties overrides = new Properties();
        overrides.setProperty("kessai.db.url", "jdbc:h2:mem:kamelets-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        overrides.setProperty("kessai.public-base-url", "http://localhost:18080");
        overrides.setProperty("kessai.providers.enabled", "gmo-pg");
        main.setOverrideProperties(overrides);
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void beforeConfigure(BaseMainSupport support) {
                try {
                    Kessai.install(support.getCamelContext());
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        main.start();
        template = main.getCamelContext().createProducerTemplate();
    }

    @AfterAll
    void stopApplication() throws Exception {
        if (main != null) {
            main.stop();
        }
    }

    /** The ```yaml blocks of the README's "### Kamelets" section, one per Kamelet. */
    private static List<String> readmeKameletBlocks() throws IOException {
        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        int start = readme.indexOf("\n### Kamelets\n");
        assertThat(start).as("README has a ### Kamelets section").isPositive();
        int end = readme.indexOf("\n## ", start + 1);
        String section = readme.substring(start, end < 0 ? readme.length() : end);
        List<String> blocks = new ArrayList<>();
        Matcher m = Pattern.compile("```yaml\n(.*?)```", Pattern.DOTALL).matcher(section);
        while (m.find()) {
            blocks.add(m.group(1));
        }
        for (String kamelet : KAMELETS) {
            assertThat(blocks).as("a YAML route block uses kamelet:" + kamelet)
                    .anyMatch(b -> b.contains("kamelet:" + kamelet + "\n"));
        }
        return blocks;
    }

    @Test
    void everyReadmeKameletRouteIsLoadedAndStarted() {
        CamelContext context = main.getCamelContext();
        for (String id : List.of("shop-checkout", "shop-ship", "shop-order-withdrawn", "shop-return", "shop-preorder",
                "shop-payment-events")) {
            assertThat(context.getRouteController().getRouteStatus(id)).as(id).hasToString("Started");
        }
        for (String kamelet : KAMELETS) {
            assertThat(context.getRoutes()).as("a route made from the Kamelet " + kamelet)
                    .anyMatch(r -> r.isCreatedByKamelet() && r.getRouteId().startsWith(kamelet + "-"));
        }
    }

    @Test
    void checkoutAuthorizesThenShipCapturesThenReturnRefunds() {
        String order = Orders.json(Orders.manual(Orders.gmoCard("tok_kamelet_ship")));
        PaymentResult authorized = template.requestBodyAndHeader("direct:shop-checkout", order, "orderRef", "web-1",
                PaymentResult.class);
        assertThat(authorized.status()).isEqualTo("authorized");
        assertThat(authorized.provider()).isEqualTo("gmo-pg");

        PaymentResult captured = template.requestBodyAndHeaders("direct:shop-ship", null,
                Map.of("shopPaymentId", authorized.paymentId()), PaymentResult.class);
        assertThat(captured.paymentId()).isEqualTo(authorized.paymentId());
        assertThat(captured.status()).isEqualTo("captured");
        assertThat(captured.capturedAmount()).isEqualTo("1000");

        PaymentResult refunded = template.requestBodyAndHeaders("direct:shop-return", null,
                Map.of("shopPaymentId", authorized.paymentId()), PaymentResult.class);
        assertThat(refunded.status()).isEqualTo("refunded");
        assertThat(refunded.refundedAmount()).isEqualTo("1000");
    }

    @Test
    void thePreorderRouteAuthorizesAtGmoAsItsKameletPropertiesSay() {
        var order = Orders.gmoCard("tok_kamelet_preorder");
        order.remove("capture");
        PaymentResult authorized = template.requestBody("direct:shop-preorder", Orders.json(order), PaymentResult.class);
        assertThat(authorized.provider()).isEqualTo("gmo-pg");
        assertThat(authorized.status()).as("captureMode: manual").isEqualTo("authorized");
    }

    @Test
    void withdrawnOrderCancelsTheAuthorization() {
        String order = Orders.json(Orders.manual(Orders.gmoCard("tok_kamelet_withdrawn")));
        PaymentResult authorized = template.requestBody("direct:shop-checkout", order, PaymentResult.class);
        assertThat(authorized.status()).isEqualTo("authorized");

        PaymentResult canceled = template.requestBodyAndHeaders("direct:shop-order-withdrawn", null,
                Map.of("shopPaymentId", authorized.paymentId()), PaymentResult.class);
        assertThat(canceled.status()).isEqualTo("canceled");
    }

    @Test
    void aRefusedOrderFailsTheExchangeWithKessaiException() {
        Throwable thrown = catchThrowable(() -> template.requestBody("direct:shop-checkout",
                "{\"orderId\":\"ORD 1\",\"amount\":1000,\"currency\":\"JPY\",\"method\":{\"type\":\"card\"}}",
                PaymentResult.class));
        assertThat(thrown).isInstanceOf(CamelExecutionException.class);
        assertThat(thrown.getCause()).isInstanceOf(KessaiException.class);
        assertThat(((KessaiException) thrown.getCause()).code()).isEqualTo(ErrorCode.INVALID_REQUEST);
    }
}
