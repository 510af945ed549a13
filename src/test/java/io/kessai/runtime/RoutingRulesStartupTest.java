package io.kessai.runtime;

import io.kessai.provider.ProviderModules;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The routing rules are checked at start-up against the installed modules' capability tables: a rule that names a
 * provider that cannot carry its method type, brand or currency, that is not installed, or that is written wrong
 * stops Kessai before anything starts, with a message naming the key and what is wrong.
 */
class RoutingRulesStartupTest {
    private CamelContext context;

    @AfterEach
    void stop() {
        if (context != null) {
            context.stop();
        }
    }

    @ParameterizedTest(name = "{0}={1} {2}={3} -> {4}")
    @CsvSource(delimiter = '|', value = {
            "method|ewallet|providers|gmo-pg,japan-payment|kessai.routing.rules.1.providers names gmo-pg, which cannot carry method ewallet",
            "method|konbini|providers|japan-payment,gmo-pg;currency=USD|kessai.routing.rules.1.providers names gmo-pg, which cannot carry currency USD (it accepts JPY)",
            "method|bank_transfer|providers|gmo-pg,japan-payment;brand=SMBC|kessai.routing.rules.1.providers names japan-payment, which cannot carry bank_transfer brand SMBC",
            "method|konbini|providers|gmo-pg,nopay|kessai.routing.rules.1.providers names nopay, which is not installed",
            "method|konbini|providers|gmo-pg:3,japan-payment|kessai.routing.rules.1.providers weights some providers and not others",
            "method|konbini|providers|gmo-pg:0,japan-payment:0|gives every provider the weight 0",
            "method|konbini|providers|gmo-pg,gmo-pg|kessai.routing.rules.1.providers names gmo-pg twice",
            "method|cash|providers|gmo-pg|kessai.routing.rules.1.method is cash; it must be one of card, konbini",
            "method|konbini|providers|gmo-pg;amount-min=500;amount-max=100|kessai.routing.rules.1.amount-min (500) is above kessai.routing.rules.1.amount-max (100)",
            "method|konbini|providers|gmo-pg;amount-max=1e|kessai.routing.rules.1.amount-max is 1e; it must be a decimal amount",
            "brand|LAWSON|providers|gmo-pg|kessai.routing.rules.1.method is required"})
    void aRuleThatCannotBeCarriedStopsStartUpNamingTheKeyAndTheReason(String key1, String value1, String key2,
                                                                      String value2AndMore, String message) {
        context = new DefaultCamelContext();
        var pc = context.getPropertiesComponent();
        pc.addOverrideProperty("kessai.db.url", "jdbc:h2:mem:routing-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
        pc.addOverrideProperty("kessai.sandbox.enabled", "false");
        pc.addOverrideProperty("kessai.scheduler.name", "kessai-routing-" + UUID.randomUUID());
        pc.addOverrideProperty("kessai.routing.rules.1." + key1, value1);
        String[] more = value2AndMore.split(";");
        pc.addOverrideProperty("kessai.routing.rules.1." + key2, more[0]);
        for (int i = 1; i < more.length; i++) {
            String[] kv = more[i].split("=", 2);
            pc.addOverrideProperty("kessai.routing.rules.1." + kv[0], kv[1]);
        }

        assertThatThrownBy(() -> Kessai.install(context, false, ProviderModules.discover()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Kessai cannot start: the routing rules are wrong")
                .hasMessageContaining(message);
    }
}
