package io.kessai.provider;

import io.kessai.model.KessaiException;
import io.kessai.model.PaymentOrder;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The providers installed in this Kessai, and the routing rules that choose one for an order without a
 * {@code provider} (configurable per method type: {@code kessai.routing.<method-type>}).
 */
public final class Providers {
    private final Map<String, PaymentProvider> byId = new LinkedHashMap<>();
    private final Map<String, String> routing;

    public Providers(Map<String, String> routing) {
        this.routing = Map.copyOf(routing);
    }

    public Providers register(PaymentProvider provider) {
        byId.put(provider.id(), provider);
        return this;
    }

    /** The ids of the installed providers, in the order they were registered. */
    public java.util.List<String> installed() {
        return java.util.List.copyOf(byId.keySet());
    }

    public Optional<PaymentProvider> find(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** The provider for this order: the one it names, or the routing rule of its method type. */
    public PaymentProvider choose(PaymentOrder order) {
        String id = order.provider() != null ? order.provider() : routing.get(order.method().type());
        if (id == null) {
            throw KessaiException.unsupported("method.type", "no routing rule sends method type "
                    + order.method().type() + " to a provider; name one in provider");
        }
        PaymentProvider provider = byId.get(id);
        if (provider == null) {
            throw KessaiException.unsupported(order.provider() != null ? "provider" : "method.type",
                    "provider " + id + " is not installed in this Kessai (configure kessai.providers." + id + ".*)");
        }
        return provider;
    }
}
