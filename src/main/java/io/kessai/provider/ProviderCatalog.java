package io.kessai.provider;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The union of the installed providers' capability tables, as the contract-level validation of an order needs
 * it before a provider is chosen: the brands each method type may name and the card token types any provider reads.
 */
public record ProviderCatalog(Map<String, Set<String>> brands, Set<String> tokenTypes) {

    public static ProviderCatalog of(Collection<Capabilities> tables) {
        Map<String, Set<String>> brands = new LinkedHashMap<>();
        Set<String> tokenTypes = new LinkedHashSet<>();
        for (Capabilities table : tables) {
            table.methods().forEach((type, method) -> {
                if (!method.brands().isEmpty()) {
                    brands.computeIfAbsent(type, t -> new LinkedHashSet<>()).addAll(method.brands());
                }
                tokenTypes.addAll(method.tokenTypes());
            });
        }
        Map<String, Set<String>> frozen = new LinkedHashMap<>();
        brands.forEach((type, set) -> frozen.put(type, Set.copyOf(set)));
        return new ProviderCatalog(Map.copyOf(frozen), Set.copyOf(tokenTypes));
    }

    /** The catalog of every provider module on the classpath, installed or not. */
    public static ProviderCatalog discovered() {
        return of(ProviderModules.discover().stream().map(ProviderModule::capabilities).toList());
    }

    /** The brands a method type may name, or an empty set when no installed provider has brands for it. */
    public Set<String> brandsOf(String methodType) {
        return brands.getOrDefault(methodType, Set.of());
    }
}
