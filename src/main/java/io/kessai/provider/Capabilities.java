package io.kessai.provider;

import io.kessai.model.PaymentOrder;

import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A provider's capability table: what it takes (currencies; per method type its brands, token types and capture
 * modes), what it can do to a payment afterwards, and which method types it serves when an order names no
 * provider. The core derives contract-level validation ({@code 400} for a brand or token type no installed
 * provider knows, {@code 422 unsupported} for what the chosen provider does not offer) and the routing defaults
 * from the installed providers' tables; it checks at start-up that the provider's routes serve every operation
 * the table promises.
 *
 * @param currencies      ISO 4217 codes (or the provider's own, such as SGP-USD) it accepts
 * @param methods         per canonical method type ({@code card}, {@code konbini}, ...) what it takes
 * @param operations      the operations its routes serve ({@code charge} and {@code inquiry} always)
 * @param partialCapture  whether a capture may take less than the authorized amount
 * @param partialRefund   whether a refund may return less than the captured amount
 * @param routesByDefault method types this provider is the default for, unless {@code kessai.routing.<type>} says otherwise
 * @param idempotencyKeys whether the provider honours an {@code Idempotency-Key}: an operation sent again with its key
 *                        is answered with the first outcome, never done twice. Only then does Kessai send an operation
 *                        whose outcome was not known again (with the same key) instead of waiting for its inquiry to
 *                        settle it.
 */
public record Capabilities(Set<String> currencies, Map<String, MethodCapabilities> methods, Set<ProviderOperation> operations,
                           boolean partialCapture, boolean partialRefund, Set<String> routesByDefault, boolean idempotencyKeys) {

    public Capabilities {
        currencies = Collections.unmodifiableSet(new LinkedHashSet<>(currencies));
        methods = Collections.unmodifiableMap(new LinkedHashMap<>(methods));
        EnumSet<ProviderOperation> ops = operations.isEmpty() ? EnumSet.noneOf(ProviderOperation.class) : EnumSet.copyOf(operations);
        ops.add(ProviderOperation.CHARGE);
        ops.add(ProviderOperation.INQUIRY);
        operations = Collections.unmodifiableSet(ops);
        routesByDefault = Collections.unmodifiableSet(new LinkedHashSet<>(routesByDefault));
        for (Map.Entry<String, MethodCapabilities> method : methods.entrySet()) {
            if (method.getValue().authorizes() && !ops.contains(ProviderOperation.CAPTURE)) {
                throw new IllegalArgumentException("method type " + method.getKey()
                        + " authorizes now and captures later, so the provider must offer capture");
            }
        }
        for (String type : routesByDefault) {
            if (!methods.containsKey(type)) {
                throw new IllegalArgumentException("a provider cannot be the default for method type " + type
                        + " that it does not offer");
            }
        }
    }

    /**
     * What a provider takes for one method type.
     *
     * @param brands       the brands it offers ({@code LAWSON}, {@code AU_PAY}, ...); empty when the method has none
     * @param tokenTypes   the card token types it reads ({@code method.tokenType}); empty when it takes none
     * @param captureModes {@code immediate}, and {@code manual} and {@code scheduled} where it can authorize now and capture later
     */
    public record MethodCapabilities(Set<String> brands, Set<String> tokenTypes, Set<String> captureModes) {
        public MethodCapabilities {
            brands = Collections.unmodifiableSet(new LinkedHashSet<>(brands));
            tokenTypes = Collections.unmodifiableSet(new LinkedHashSet<>(tokenTypes));
            captureModes = Collections.unmodifiableSet(new LinkedHashSet<>(captureModes.isEmpty()
                    ? Set.of(PaymentOrder.Capture.IMMEDIATE) : captureModes));
        }

        /** Whether it can authorize now and capture later ({@code manual} or {@code scheduled}). */
        public boolean authorizes() {
            return captureModes.contains(PaymentOrder.Capture.MANUAL) || captureModes.contains(PaymentOrder.Capture.SCHEDULED);
        }
    }

    public Set<String> methodTypes() {
        return methods.keySet();
    }

    /** What it takes for this method type, or null when it does not offer it. */
    public MethodCapabilities method(String type) {
        return methods.get(type);
    }

    public boolean offers(ProviderOperation operation) {
        return operations.contains(operation);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Reads like the provider's document: {@code builder().currencies("JPY").method("card", m -> m.tokenTypes(...))}. */
    public static final class Builder {
        private final Set<String> currencies = new LinkedHashSet<>();
        private final Map<String, MethodCapabilities> methods = new LinkedHashMap<>();
        private final Set<ProviderOperation> operations = EnumSet.noneOf(ProviderOperation.class);
        private final Set<String> routesByDefault = new LinkedHashSet<>();
        private boolean partialCapture;
        private boolean partialRefund;
        private boolean idempotencyKeys;

        public Builder currencies(String... codes) {
            currencies.addAll(List.of(codes));
            return this;
        }

        public Builder method(String type, java.util.function.UnaryOperator<MethodBuilder> method) {
            methods.put(type, method.apply(new MethodBuilder()).build());
            return this;
        }

        public Builder operations(ProviderOperation... offered) {
            operations.addAll(List.of(offered));
            return this;
        }

        public Builder partialCapture(boolean allowed) {
            partialCapture = allowed;
            return this;
        }

        public Builder partialRefund(boolean allowed) {
            partialRefund = allowed;
            return this;
        }

        /** Method types this provider serves when an order names no provider (the contract's routing defaults). */
        public Builder routesByDefault(String... methodTypes) {
            routesByDefault.addAll(List.of(methodTypes));
            return this;
        }

        /** The provider answers an operation sent again with the same Idempotency-Key with its first outcome. */
        public Builder idempotencyKeys(boolean honoured) {
            idempotencyKeys = honoured;
            return this;
        }

        public Capabilities build() {
            return new Capabilities(currencies, methods, operations, partialCapture, partialRefund, routesByDefault,
                    idempotencyKeys);
        }
    }

    public static final class MethodBuilder {
        private final Set<String> brands = new LinkedHashSet<>();
        private final Set<String> tokenTypes = new LinkedHashSet<>();
        private final Set<String> captureModes = new LinkedHashSet<>(Set.of(PaymentOrder.Capture.IMMEDIATE));

        public MethodBuilder brands(String... values) {
            brands.addAll(List.of(values));
            return this;
        }

        public MethodBuilder tokenTypes(String... values) {
            tokenTypes.addAll(List.of(values));
            return this;
        }

        /** Adds {@code manual} and {@code scheduled}: the provider authorizes now and captures later. */
        public MethodBuilder authorizes() {
            captureModes.add(PaymentOrder.Capture.MANUAL);
            captureModes.add(PaymentOrder.Capture.SCHEDULED);
            return this;
        }

        MethodCapabilities build() {
            return new MethodCapabilities(brands, tokenTypes, captureModes);
        }
    }
}
