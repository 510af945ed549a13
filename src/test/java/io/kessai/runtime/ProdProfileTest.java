package io.kessai.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Properties;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

/** The standalone's property locations with and without camel.main.profile=prod, resolved as camel-main resolves them. */
class ProdProfileTest {
    private static String resolve(String locations, String key) throws Exception {
        try (CamelContext context = new DefaultCamelContext()) {
            context.getPropertiesComponent().setLocation(locations);
            return context.resolvePropertyPlaceholders("{{" + key + "}}");
        }
    }

    @Test
    void theProdProfileIsPostgresqlWithoutSandboxesAndWinsOverKessaisDefaults() throws Exception {
        Properties overrides = new Properties();
        overrides.setProperty("camel.main.profile", "prod");
        String locations = KessaiMain.placeholderLocations(KessaiMain.profile(overrides));
        assertThat(resolve(locations, "kessai.db.url")).startsWith("jdbc:postgresql://");
        assertThat(resolve(locations, "kessai.sandbox.enabled")).isEqualTo("false");
        assertThat(resolve(locations, "kessai.scheduler.clustered")).isEqualTo("true");
        // what the profile does not set keeps Kessai's default
        assertThat(resolve(locations, "kessai.events.batch-size")).isEqualTo("100");
    }

    @Test
    void withoutAProfileTheStoreIsTheEmbeddedH2WithTheSandboxes() throws Exception {
        String locations = KessaiMain.placeholderLocations(KessaiMain.profile(new Properties()));
        assertThat(resolve(locations, "kessai.db.url")).startsWith("jdbc:h2:file:");
        assertThat(resolve(locations, "kessai.sandbox.enabled")).isEqualTo("true");
    }

    @Test
    void aProfileNameThatIsNotAPlainNameIsRefusedNamingTheKey() {
        Properties overrides = new Properties();
        overrides.setProperty("camel.main.profile", "../prod");
        assertThatThrownBy(() -> KessaiMain.profile(overrides)).hasMessageContaining("camel.main.profile");
    }
}
