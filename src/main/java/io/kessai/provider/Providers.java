package io.kessai.provider;

import io.kessai.model.KessaiException;
import io.kessai.model.PaymentOrder;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The providers installed in this Kessai, and the {@link Routing} rules that choose the providers of an order
 * without a {@code provider}.
 */
public final class Providers {
    private final Map<String, PaymentProvider> byId = new LinkedHashMap<>();
    private final Routing routing;

    public Providers(Routing routing) {
        this.routing = routing;
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

    public Routing routing() {
        return routing;
    }

    /**
     * Where this order goes: the provider it names, or the providers of the first routing rule that matches it, in
     * the order they are tried; {@code 422 unsupported} when no rule takes its method type.
     */
    public Routing.Plan plan(PaymentOrder order) {
        Routing.Plan plan = routing.plan(order);
        if (plan == null) {
            throw KessaiException.unsupported("method.type", "no routing rule sends method type "
                    + order.method().type() + " to a provider; name one in provider");
        }
        return plan;
    }

    /**
     * The first provider of this order's plan, once its capability table says it takes the order's method type,
     * brand, token type, currency and capture mode: otherwise {@code 422 unsupported} naming the field.
     */
    public PaymentProvider choose(PaymentOrder order) {
        return checked(order, plan(order).providers().get(0));
    }

    /** The provider {@code id} for this order, or {@code 422 unsupported} naming the field it cannot take. */
    public PaymentProvider checked(PaymentOrder order, String id) {
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
