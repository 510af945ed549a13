package io.kessai.runtime;

import io.kessai.provider.ProviderModule;
import io.kessai.provider.Setting;
import org.apache.camel.spi.PropertiesSource;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The defaults of the provider modules' settings, below every other source of configuration: Camel looks a key
 * up in kessai.properties and the application's locations (and system properties and environment variables, which
 * override) before it asks here.
 */
final class ModuleDefaults implements PropertiesSource {
    private final Map<String, String> defaults = new HashMap<>();

    ModuleDefaults(List<ProviderModule> modules) {
        for (ProviderModule module : modules) {
            for (Setting setting : module.settings()) {
                if (setting.defaultValue() != null) {
                    defaults.put(setting.key(), setting.defaultValue());
                }
            }
        }
    }

    @Override
    public String getName() {
        return "kessai-provider-module-defaults";
    }

    @Override
    public String getProperty(String name) {
        return defaults.get(name);
    }
}
