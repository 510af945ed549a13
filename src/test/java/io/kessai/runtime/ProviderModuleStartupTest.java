package io.kessai.runtime;

import io.kessai.model.FieldRules;
import io.kessai.model.PaymentOrder;
import io.kessai.provider.Capabilities;
import io.kessai.provider.PaymentProvider;
import io.kessai.provider.ProviderContext;
import io.kessai.provider.ProviderModule;
import io.kessai.provider.ProviderModules;
import io.kessai.provider.Setting;
import io.kessai.provider.gmo.GmoModule;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Kessai refuses to start with a provider module that cannot keep its promises: a route its capability table
 * promises is missing, a required setting has no value, or the configuration names a module that is not there.
 * Each message names the provider, the endpoint or key, and what to do.
 */
class ProviderModuleStartupTest {
    private CamelContext context;

    @AfterEach
    void stop() {
        if (context != null) {
            context.stop();
        }
    }

    /** A provider that takes JPY cards; its routes (test resources) serve charge but not inquiry. */
    static final class TestPayModule implements ProviderModule {
        static final Capabilities CAPABILITIES = Capabilities.builder()
                .currencies("JPY").method("card", m -> m).build();

        @Override
        public String id() {
            return "test-pay";
        }

        @Override
        public Capabilities capabilities() {
            return CAPABILITIES;
        }

        @Override
        public List<Setting> settings() {
            return List.of(Setting.required("kessai.providers.test-pay.api-key", null, "the API key").asSecret(),
                    Setting.of("kessai.providers.test-pay.in-flight", "4", "concurrent calls"));
        }

        @Override
        public Installed install(ProviderContext context) {
            int inFlight = context.integer("kessai.providers.test-pay.in-flight");
            return new Installed(new PaymentProvider() {
                @Override
                public String id() {
                    return "test-pay";
                }

                @Override
                public Capabilities capabilities() {
                    return CAPABILITIES;
                }

                @Override
                public void check(PaymentOrder order, FieldRules rules) {
                }
            }, null, path -> inFlight);
        }

        @Override
        public String routes() {
            return "routes/test-providers/test-pay.camel.yaml";
        }
    }

    private static CamelContext bareContext() {
        DefaultCamelContext ctx = new DefaultCamelContext();
        var pc = ctx.getPropertiesComponent();
        pc.addOverrideProperty("kessai.db.url", "jdbc:h2:mem:startup-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        pc.addOverrideProperty("kessai.sandbox.enabled", "false");
        pc.addOverrideProperty("kessai.scheduler.name", "kessai-startup-" + UUID.randomUUID());
        return ctx;
    }

    @Test
    void providerWhoseRoutesLackAPromisedEndpointStopsStartUpNamingTheEndpoint() throws Exception {
        context = bareContext();
        context.getPropertiesComponent().addOverrideProperty("kessai.providers.test-pay.api-key", "k-123");
        Kessai.install(context, false, List.of(new TestPayModule()));

        assertThatThrownBy(context::start).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("provider test-pay offers inquiry")
                .hasMessageContaining("direct:kessai-test-pay-inquiry")
                .hasMessageContaining("routes/test-providers/test-pay.camel.yaml")
                .hasMessageContaining("Add that route")
                .hasMessageNotContaining("test-pay-charge");
    }

    @Test
    void requiredSettingWithoutValueStopsStartUpNamingTheKeyAndTheWayOut() {
        context = bareContext();

        assertThatThrownBy(() -> Kessai.install(context, false, List.of(new TestPayModule())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("provider test-pay needs the setting kessai.providers.test-pay.api-key")
                .hasMessageContaining("KESSAI_PROVIDERS_TEST_PAY_API_KEY")
                .hasMessageContaining("kessai.providers.test-pay.enabled=false");
    }

    @Test
    void switchedOffProviderIsNotCheckedNorInstalled() throws Exception {
        context = bareContext();
        context.getPropertiesComponent().addOverrideProperty("kessai.providers.test-pay.enabled", "false");
        Kessai.install(context, false, List.of(new GmoModule(), new TestPayModule()));
        context.start();

        assertThat(context.getRoute("gmo-pg-charge")).isNotNull();
        assertThat(context.getRoute("test-pay-charge")).as("its routes are not loaded").isNull();
        assertThat(context.getRegistry().lookupByNameAndType("kessaiProviders", io.kessai.provider.Providers.class)
                .installed()).containsExactly("gmo-pg");
    }

    @Test
    void enabledListNamingAModuleThatIsNotThereStopsStartUp() {
        context = bareContext();
        context.getPropertiesComponent().addOverrideProperty(Kessai.ENABLED, "gmo-pg,paymentoptions");

        assertThatThrownBy(() -> Kessai.install(context, false, List.of(new GmoModule())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("names the provider paymentoptions")
                .hasMessageContaining("found: gmo-pg");
    }

    @Test
    void moduleDefaultsLieUnderEveryOtherSourceOfConfiguration() throws Exception {
        context = bareContext();
        context.getPropertiesComponent().addOverrideProperty("kessai.providers.test-pay.api-key", "k-123");
        context.getPropertiesComponent().addOverrideProperty("kessai.providers.gmo-pg.in-flight.order", "7");
        Kessai.bind(context, List.of(new GmoModule(), new TestPayModule()));

        assertThat(context.resolvePropertyPlaceholders("{{kessai.providers.test-pay.in-flight}}")).isEqualTo("4");
        assertThat(context.resolvePropertyPlaceholders("{{kessai.providers.gmo-pg.retry.max-redeliveries}}")).isEqualTo("3");
        assertThat(context.resolvePropertyPlaceholders("{{kessai.providers.gmo-pg.in-flight.order}}")).isEqualTo("7");
        // kessai.properties, a location, still wins over nothing it does not hold: the core keys are its own
        assertThat(context.resolvePropertyPlaceholders("{{kessai.janitor.max-age}}")).isEqualTo("3d");
    }

    @Test
    void secretSettingsOfEveryModuleOnTheClasspathAreMaskedByCamelMain() {
        assertThat(ProviderModules.discover()).extracting(ProviderModule::id)
                .containsExactly("gmo-pg", "japan-payment", "payjp", "paymentoptions", "ito-japan");
        assertThat(Kessai.sensitiveKeywords().split(","))
                .contains("shop-pass", "shoppass", "private-key", "privatekey", "secret-key", "webhook-token",
                        "api-key", "merchant-id", "webhook-secret")
                .doesNotContain("base-url", "app-id-jpy");
    }
}
