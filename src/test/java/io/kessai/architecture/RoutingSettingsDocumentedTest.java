package io.kessai.architecture;

import io.kessai.provider.ProviderCircuits;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The routing and circuit settings are rows of the README's configuration table: each circuit key with the default
 * kessai.properties gives it, its per-provider form, and every key of a routing rule.
 */
class RoutingSettingsDocumentedTest {
    @Test
    void everyRoutingAndCircuitSettingIsInTheReadmeWithItsDefault() throws IOException {
        List<String> rows = Files.readAllLines(Path.of("README.md")).stream().filter(l -> l.startsWith("| `kessai.")).toList();
        Properties defaults = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of("config/kessai.properties"))) {
            defaults.load(in);
        }
        List<String> missing = new ArrayList<>();
        for (String key : ProviderCircuits.keys()) {
            String name = "kessai.circuit." + key;
            String value = defaults.getProperty(name);
            if (value == null) {
                missing.add(name + " has no default in kessai.properties");
                continue;
            }
            String row = rows.stream().filter(r -> r.startsWith("| `" + name + "` |")).findFirst().orElse(null);
            if (row == null || !row.contains("| `" + value.trim() + "` |")) {
                missing.add(name + " has no row showing its default " + value.trim());
            }
            if (rows.stream().noneMatch(r -> r.startsWith("| `kessai.providers.<id>.circuit.") && r.contains("`." + key + "`")
                    || r.startsWith("| `kessai.providers.<id>.circuit." + key + "`"))) {
                missing.add("kessai.providers.<id>.circuit." + key + " has no row");
            }
        }
        for (String key : List.of("method", "brand", "currency", "amount-min", "amount-max", "providers")) {
            if (rows.stream().noneMatch(r -> r.startsWith("| `kessai.routing.rules.<n>." + key + "` |"))) {
                missing.add("kessai.routing.rules.<n>." + key + " has no row");
            }
        }
        assertThat(missing).isEmpty();
    }
}
