package io.kessai.provider.gmo;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class GmoWebhookVerifierTest {
    @Test
    void cidrsMatchTheirNetworksOnlyForIpv4AndIpv6() {
        assertThat(GmoWebhookVerifier.contains("210.197.108.196/32", "210.197.108.196")).isTrue();
        assertThat(GmoWebhookVerifier.contains("210.197.108.196/32", "210.197.108.197")).isFalse();
        assertThat(GmoWebhookVerifier.contains("210.175.7.20", "210.175.7.20")).isTrue();
        assertThat(GmoWebhookVerifier.contains("10.0.0.0/8", "10.255.1.2")).isTrue();
        assertThat(GmoWebhookVerifier.contains("10.0.0.0/8", "11.0.0.1")).isFalse();
        assertThat(GmoWebhookVerifier.contains("2001:db8::/32", "2001:db8:1::5")).isTrue();
        assertThat(GmoWebhookVerifier.contains("2001:db8::/32", "2001:db9::5")).isFalse();
        assertThat(GmoWebhookVerifier.contains("127.0.0.0/8", "::1")).isFalse();
    }
}
