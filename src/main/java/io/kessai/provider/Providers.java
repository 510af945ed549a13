package io.kessai.provider;

import io.kessai.model.KessaiException;
import io.kessai.model.PaymentOrder;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The providers installed in this Kessai, and the routing rules that choose one for an order without a
 * {@code provider}: {@code kessai.routing.<method-type>} where configured, else the installed provider whose
 * capability table routes that method type by default.
 */
public final class Providers {
    private final Map<String, PaymentProvider> byId = new LinkedHashMap<>();
    private final Map<String, String> routing;

    /** @param routing per method type, the provider id that orders without a provider go to */
    public Providers(Map<String, String> routing) {
        this.routing = Map.copyOf(routing);
    }

    public Providers register(PaymentProvider provider) {
        byId.put(provider.id(), provider);
        return this;
    }

    /** The ids of the installed providers, in the order they were registered. */
    public List<String> installed() {
        return List.copyOf(byId.keySet());
    }

    public Optional<PaymentProvider> find(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** The union of the installed providers' capability tables. */
    public ProviderCatalog catalog() {
        return ProviderCatalog.of(byId.values().stream().map(PaymentProvider::capabilities).toList());
    }

    /** Per method type, the provider that orders naming none go to. */
    public Map<String, String> routing() {
        return routing;
    }

    /**
     * The provider for this order (the one it names, or the routing rule of its method type), once its capability
     * table says it takes the order's method type, brand, token type, currency and capture mode: otherwise
     * {@code 422 unsupported} naming the field.
     */
    public PaymentProvider choose(PaymentOrder order) {
        String id = order.provider() != null ? order.provider() : routing.get(order.method().type());
        if (id == null) {
            throw KessaiException.unsupported("method.type", "no routing rule sends method type "
                    + order.method().type() + " to a provider; name one in provider");
        }
        PaymentProvider provider = byId.get(id);
        if (provider == null) {
            throw KessaiException.unsupported(order.provider() != null ? "provider" : "method.type",
                    "provider " + id + " is not installed in this Kessai (see kessai.providers.enabled)");
        }
        checkCapabilities(order, provider);
        return provider;
    }

    private static void checkCapabilities(PaymentOrder order, PaymentProvider provider) {
        Capabilities table = provider.capabilities();
        PaymentOrder.Method m = order.method();
        Capabilities.MethodCapabilities method = table.method(m.type());
        if (method == null) {
            throw KessaiException.unsupported("method.type", provider.id() + " does not offer method type " + m.type());
        }
        if (!table.currencies().contains(order.currency())) {
            throw KessaiException.unsupported("currency", provider.id() + " accepts only " + String.join(", ", table.currencies()));
        }
        if (m.brand() != null && !method.brands().isEmpty() && !method.brands().contains(m.brand())) {
            throw KessaiException.unsupported("method.brand", provider.id() + " does not offer " + m.type() + " " + m.brand()
                    + "; it offers " + String.join(", ", method.brands()));
        }
        if (m.tokenType() != null && !method.tokenTypes().contains(m.tokenType())) {
            throw KessaiException.unsupported("method.tokenType", provider.id() + " does not read " + m.tokenType() + " tokens");
        }
        if (!method.captureModes().contains(order.capture().mode())) {
            throw KessaiException.unsupported("capture.mode", provider.id() + " cannot authorize " + m.type()
                    + " payments now and capture them later");
        }
    }
}
