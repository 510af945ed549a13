package io.kessai.architecture;

import io.kessai.provider.ProviderModule;
import io.kessai.provider.ProviderModules;
import io.kessai.provider.Setting;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Every setting of every provider module is a row of the README's configuration table, with its default. */
class ProviderSettingsDocumentedTest {
    @Test
    void everyModuleSettingIsInTheReadmeWithItsDefault() throws IOException {
        List<String> rows = Files.readAllLines(Path.of("README.md")).stream().filter(l -> l.startsWith("| `kessai.")).toList();
        List<String> missing = new ArrayList<>();
        for (ProviderModule module : ProviderModules.discover()) {
            for (Setting setting : module.settings()) {
                String row = rows.stream().filter(r -> r.startsWith("| `" + setting.key() + "` |")).findFirst().orElse(null);
                if (row == null) {
                    missing.add(setting.key() + " has no row");
                } else if (setting.defaultValue() != null && !row.contains("| `" + setting.defaultValue() + "` |")) {
                    missing.add(setting.key() + " does not show its default " + setting.defaultValue());
                }
            }
        }
        assertThat(missing).isEmpty();
    }
}
