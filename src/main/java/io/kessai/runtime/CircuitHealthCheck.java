package io.kessai.runtime;

import io.kessai.provider.ProviderCircuits;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

import java.util.Map;

/**
 * A provider's circuit as a Camel health check (id {@code circuit-<provider>}, group {@code kessai}, readiness): its state, failure
 * rate and counted calls in the details. It stays UP while the circuit is open: an open circuit is Kessai protecting
 * itself and the provider (orders fail over, or answer {@code 503 provider_unavailable} at once), not Kessai being
 * unable to serve; taking Kessai out of a load balancer would also stop the payments that go to other providers.
 */
final class CircuitHealthCheck extends AbstractHealthCheck {
    private final ProviderCircuits circuits;
    private final String provider;

    CircuitHealthCheck(ProviderCircuits circuits, String provider) {
        super("kessai", "circuit-" + provider);
        this.circuits = circuits;
        this.provider = provider;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        circuits.details(provider).forEach(builder::detail);
        builder.up();
    }
}
