package io.kessai.runtime;

import io.kessai.provider.ProviderModule;
import io.kessai.provider.ProviderOperation;
import io.kessai.provider.Setting;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.model.Model;
import org.apache.camel.model.RouteDefinition;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Kessai's start-up checks of the installed provider modules: every required setting has a value (before the
 * module is installed), and, when the Camel context starts, the module's routes serve
 * {@code direct:kessai-<id>-<operation>} for every operation its capability table promises. A failed check stops
 * start-up with a message naming the provider, the key or endpoint, and what to do.
 */
final class ProviderChecks {
    private ProviderChecks() {
    }

    /** Every required key of every installed module that has no value. */
    static void requireSettings(List<ProviderModule> modules, Kessai.Config config) {
        List<String> problems = new ArrayList<>();
        for (ProviderModule module : modules) {
            for (Setting setting : module.settings()) {
                if (setting.required() && config.find(setting.key()) == null) {
                    problems.add("provider " + module.id() + " needs the setting " + setting.key() + " ("
                            + setting.meaning() + "). Set it (or the environment variable " + environmentName(setting.key())
                            + "), or switch the provider off with kessai.providers." + module.id() + ".enabled=false.");
                }
            }
        }
        fail(problems);
    }

    /** Fails the context's start when a module's routes miss an endpoint its capability table promises. */
    static StartupListener endpoints(List<ProviderModule> modules) {
        return new StartupListener() {
            @Override
            public void onCamelContextStarting(CamelContext context, boolean alreadyStarted) {
                requireEndpoints(modules, context);
            }

            @Override
            public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
                // checked while starting, before any route runs
            }
        };
    }

    static void requireEndpoints(List<ProviderModule> modules, CamelContext context) {
        Set<String> served = new HashSet<>();
        Model model = context.getCamelContextExtension().getContextPlugin(Model.class);
        for (RouteDefinition route : model.getRouteDefinitions()) {
            if (route.getInput() != null && route.getInput().getEndpointUri() != null) {
                served.add(directName(route.getInput().getEndpointUri()));
            }
        }
        List<String> problems = new ArrayList<>();
        for (ProviderModule module : modules) {
            for (ProviderOperation operation : module.capabilities().operations()) {
                String endpoint = operation.endpoint(module.id());
                if (!served.contains(directName(endpoint))) {
                    problems.add("provider " + module.id() + " offers " + operation.wire() + " in its capability table, but no route of "
                            + module.routes() + " starts from " + endpoint + ". Add that route (docs/adding-a-provider.md), "
                            + "or take " + operation.wire() + " out of the module's capabilities.");
                }
            }
        }
        fail(problems);
    }

    /** {@code direct:kessai-x-charge}, {@code direct://kessai-x-charge?timeout=1} → {@code kessai-x-charge}; null for other components. */
    private static String directName(String uri) {
        String u = uri.trim();
        if (!u.startsWith("direct:")) {
            return null;
        }
        u = u.substring("direct:".length());
        if (u.startsWith("//")) {
            u = u.substring(2);
        }
        int query = u.indexOf('?');
        return query < 0 ? u : u.substring(0, query);
    }

    /** The environment variable of a key (contract section 7): upper case, every character outside [A-Z0-9] as _. */
    static String environmentName(String key) {
        return key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    private static void fail(List<String> problems) {
        if (problems.isEmpty()) {
            return;
        }
        StringBuilder message = new StringBuilder("Kessai cannot start:");
        problems.forEach(p -> message.append("\n  - ").append(p));
        throw new IllegalStateException(message.toString());
    }
}
