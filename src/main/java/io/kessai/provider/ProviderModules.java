package io.kessai.provider;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.regex.Pattern;

/** Finds the provider modules on the classpath ({@code META-INF/services/io.kessai.provider.ProviderModule}). */
public final class ProviderModules {
    /** A provider id: lower-case letters, digits and hyphens, as in endpoint names and configuration keys. */
    public static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");

    private ProviderModules() {
    }

    /** Every module the class loader offers, in the order of the services files; ids must be unique and well formed. */
    public static List<ProviderModule> discover() {
        return discover(ProviderModules.class.getClassLoader());
    }

    public static List<ProviderModule> discover(ClassLoader loader) {
        List<ProviderModule> modules = new ArrayList<>();
        ServiceLoader.load(ProviderModule.class, loader).forEach(modules::add);
        check(modules);
        return List.copyOf(modules);
    }

    static void check(List<ProviderModule> modules) {
        Set<String> ids = new HashSet<>();
        for (ProviderModule module : modules) {
            if (module.id() == null || !ID.matcher(module.id()).matches()) {
                throw new IllegalStateException("provider module " + module.getClass().getName() + " has the id '"
                        + module.id() + "': an id is 1 to 32 of [a-z0-9-]");
            }
            if (!ids.add(module.id())) {
                throw new IllegalStateException("two provider modules on the classpath have the id " + module.id()
                        + ": remove one of the jars");
            }
        }
    }
}
