package io.kessai.faults;

import com.fasterxml.jackson.databind.JsonNode;
import io.kessai.provider.japanpayment.JapanPaymentSignature;
import io.kessai.sandbox.gmo.GmoSandbox;
import io.kessai.sandbox.japanpayment.JapanPaymentSandbox;
import io.kessai.support.EventSink;
import io.kessai.support.FaultProxy;
import io.kessai.support.KessaiInstance;
import io.kessai.support.TestDatabases;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One Kessai whose providers sit behind {@link FaultProxy}s: a GMO sandbox and a Japan Payment sandbox that the
 * test owns (so their state is the provider's truth, whatever Kessai believes), each reached only through its
 * proxy, and an {@link EventSink} receiving Kessai's canonical events.
 *
 * <p>{@link #FAST} are the timings the fault suite runs with: a response timeout of 1.5 s, a connect timeout of
 * 1 s, fast retries (3 redeliveries), a request deadline of 4 s, and a janitor that looks at an open payment every
 * 200 ms once no call can still be in flight (grace 5 s, longer than any call here can take).
 */
final class FaultRig implements AutoCloseable {
    static final long APP_ID_JPY = 1054;
    static final long APP_ID_USD = 1055;
    static final String SHOP_ID = "tshop00000001";
    static final String SHOP_PASS = "sandbox-pass";
    static final Duration RESPONSE_TIMEOUT = Duration.ofMillis(1500);
    static final Duration DEADLINE = Duration.ofSeconds(4);
    static final Duration IN_FLIGHT_GRACE = Duration.ofSeconds(5);

    static final Map<String, String> FAST = Map.ofEntries(
            Map.entry("kessai.providers.gmo-pg.connect-timeout-ms", "1000"),
            Map.entry("kessai.providers.gmo-pg.response-timeout-ms", String.valueOf(RESPONSE_TIMEOUT.toMillis())),
            Map.entry("kessai.providers.gmo-pg.retry.max-redeliveries", "3"),
            Map.entry("kessai.providers.gmo-pg.retry.initial-delay-ms", "20"),
            Map.entry("kessai.providers.gmo-pg.retry.max-delay-ms", "200"),
            Map.entry("kessai.providers.gmo-pg.retry.deadline-ms", String.valueOf(DEADLINE.toMillis())),
            Map.entry("kessai.providers.japan-payment.connect-timeout-ms", "1000"),
            Map.entry("kessai.providers.japan-payment.response-timeout-ms", String.valueOf(RESPONSE_TIMEOUT.toMillis())),
            Map.entry("kessai.providers.japan-payment.retry.max-redeliveries", "3"),
            Map.entry("kessai.providers.japan-payment.retry.initial-delay-ms", "20"),
            Map.entry("kessai.providers.japan-payment.retry.max-delay-ms", "200"),
            Map.entry("kessai.providers.japan-payment.retry.deadline-ms", String.valueOf(DEADLINE.toMillis())),
            Map.entry("kessai.janitor.schedule", "200ms"),
            Map.entry("kessai.janitor.in-flight-grace-ms", String.valueOf(IN_FLIGHT_GRACE.toMillis())));

    final GmoSandbox gmo;
    final FaultProxy gmoProxy;
    final JapanPaymentSandbox jp;
    final FaultProxy jpProxy;
    final EventSink sink;
    final KessaiInstance kessai;

    private FaultRig(GmoSandbox gmo, FaultProxy gmoProxy, JapanPaymentSandbox jp, FaultProxy jpProxy, EventSink sink,
                     KessaiInstance kessai) {
        this.gmo = gmo;
        this.gmoProxy = gmoProxy;
        this.jp = jp;
        this.jpProxy = jpProxy;
        this.sink = sink;
        this.kessai = kessai;
    }

    /** The rig with {@link #FAST} timings, then {@code settings} on top. */
    static FaultRig start(Map<String, String> settings) {
        return start(settings, FaultProxy.Connections.ACCEPT);
    }

    /**
     * The rig whose two proxies meet Kessai's first connections as {@code connections} says ({@code REFUSE}:
     * nothing listens; {@code BLACKHOLE}: a connect is never answered).
     */
    static FaultRig start(Map<String, String> settings, FaultProxy.Connections connections) {
        return start(settings, connections, connections);
    }

    /** The rig whose GMO and Japan Payment proxies meet Kessai's first connections each as told. */
    static FaultRig start(Map<String, String> settings, FaultProxy.Connections gmoConnections,
                          FaultProxy.Connections jpConnections) {
        GmoSandbox gmo = new GmoSandbox(GmoSandbox.Settings.defaults(SHOP_ID, SHOP_PASS)
                .withWebhookRetryInterval(Duration.ofMillis(200))).start();
        KeyPair kessaiKey = rsa();
        JapanPaymentSandbox jp = new JapanPaymentSandbox(JapanPaymentSandbox.Settings.defaults(APP_ID_JPY, APP_ID_USD)
                .withNotifyRetryInterval(Duration.ofMillis(200)), kessaiKey.getPublic()).start();
        FaultProxy gmoProxy = FaultProxy.to(gmo.baseUrl(), gmoConnections);
        FaultProxy jpProxy = FaultProxy.to(jp.baseUrl(), jpConnections);
        EventSink sink = new EventSink();
        Map<String, String> all = new HashMap<>(FAST);
        all.put("kessai.sandbox.enabled", "false");
        all.put("kessai.providers.enabled", "gmo-pg,japan-payment");
        all.put("kessai.events.uri", sink.uri());
        all.put("kessai.providers.gmo-pg.base-url", gmoProxy.baseUrl());
        all.put("kessai.providers.gmo-pg.token-url", gmoProxy.baseUrl() + "/token");
        all.put("kessai.providers.gmo-pg.shop-id", SHOP_ID);
        all.put("kessai.providers.gmo-pg.shop-pass", SHOP_PASS);
        all.put("kessai.providers.japan-payment.base-url", jpProxy.baseUrl());
        all.put("kessai.providers.japan-payment.app-id-jpy", String.valueOf(APP_ID_JPY));
        all.put("kessai.providers.japan-payment.app-id-usd", String.valueOf(APP_ID_USD));
        all.put("kessai.providers.japan-payment.private-key",
                JapanPaymentSignature.pem("PRIVATE KEY", kessaiKey.getPrivate().getEncoded()));
        all.put("kessai.providers.japan-payment.provider-public-key", jp.publicKeyPem());
        all.putAll(settings);
        try {
            return new FaultRig(gmo, gmoProxy, jp, jpProxy, sink, KessaiInstance.start(TestDatabases.h2(), all));
        } catch (RuntimeException e) {
            gmoProxy.close();
            jpProxy.close();
            gmo.close();
            jp.close();
            sink.close();
            throw e;
        }
    }

    private static KeyPair rsa() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The event types Kessai published for that payment, in order of arrival. */
    List<String> eventTypes(String paymentId) {
        return sink.receivedFor(paymentId).stream().map(e -> e.path("type").asText()).toList();
    }

    List<String> eventIds(String paymentId) {
        return sink.receivedFor(paymentId).stream().map(e -> e.path("eventId").asText()).toList();
    }

    JsonNode payment(String paymentId) {
        return kessai.get("/payments/" + paymentId).json();
    }

    @Override
    public void close() {
        try {
            kessai.close();
        } finally {
            gmoProxy.close();
            jpProxy.close();
            gmo.close();
            jp.close();
            sink.close();
        }
    }
}
