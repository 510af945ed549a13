package io.kessai.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kessai.support.KessaiInstance;
import io.kessai.support.Orders;
import io.kessai.support.TestDatabases;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The management port's Jolokia (/observe/jolokia) answers reads and the read-only Camel operations Hawtio's Camel
 * plugin calls, and refuses every MBean write and every other operation (jolokia-access.xml).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JolokiaAccessPolicyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONTEXT = "org.apache.camel:context=kessai,type=context,name=\"kessai\"";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private KessaiInstance kessai;
    private String jolokia;

    @BeforeAll
    void start() throws IOException {
        int managementPort;
        try (ServerSocket s = new ServerSocket(0)) {
            managementPort = s.getLocalPort();
        }
        kessai = KessaiInstance.start(TestDatabases.h2(), Map.of("kessai.management.enabled", "true", "kessai.management.port", String.valueOf(managementPort)));
        jolokia = kessai.managementUrl() + "/observe/jolokia";
        KessaiInstance.Answer payment = kessai.post("/payments", Orders.japanPayment("JPY", "1000", "konbini", "LAWSON").toString());
        assertThat(payment.status()).as(payment.body()).isEqualTo(201);
    }

    @AfterAll
    void stop() {
        if (kessai != null) {
            kessai.close();
        }
    }

    private JsonNode post(String request) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(jolokia)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(request)).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    private JsonNode exec(String mbean, String operation, Object... arguments) throws Exception {
        return post(JSON.writeValueAsString(Map.of("type", "exec", "mbean", mbean, "operation", operation,
                "arguments", arguments)));
    }

    private static void assertRefused(JsonNode answer) {
        assertThat(answer.path("status").asInt()).as(answer.toString()).isEqualTo(403);
        assertThat(answer.has("value")).as(answer.toString()).isFalse();
    }

    @Test
    void theManagementServerListensOnLoopbackOnly() throws Exception {
        int port = URI.create(kessai.managementUrl()).getPort();
        try (java.net.Socket loopback = new java.net.Socket("127.0.0.1", port)) {
            assertThat(loopback.isConnected()).isTrue();
        }
        List<java.net.InetAddress> others = java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces()).stream()
                .flatMap(java.net.NetworkInterface::inetAddresses)
                .filter(a -> !a.isLoopbackAddress() && a instanceof java.net.Inet4Address).toList();
        for (java.net.InetAddress address : others) {
            assertThatThrownBy(() -> new java.net.Socket(address, port).close()).as("port %d on %s", port, address)
                    .isInstanceOf(java.net.ConnectException.class);
        }
    }

    @Test
    void readsAnswerTheRoutesAndTheirExchangeCounts() throws Exception {
        JsonNode version = post("{\"type\":\"version\"}");
        assertThat(version.path("status").asInt()).as(version.toString()).isEqualTo(200);

        JsonNode routes = post("{\"type\":\"read\",\"mbean\":\"org.apache.camel:context=kessai,type=routes,name=*\","
                + "\"attribute\":[\"RouteId\",\"ExchangesTotal\"]}");
        assertThat(routes.path("status").asInt()).as(routes.toString()).isEqualTo(200);
        long exchanges = 0;
        List<String> ids = new java.util.ArrayList<>();
        for (JsonNode route : routes.path("value")) {
            ids.add(route.path("RouteId").asText());
            exchanges += route.path("ExchangesTotal").asLong();
        }
        assertThat(ids).contains("api-pay");
        assertThat(exchanges).isPositive();

        // Hawtio's JMX tree: one list request with its options
        JsonNode list = post("{\"type\":\"list\",\"config\":{\"maxDepth\":9,\"maxCollectionSize\":50000,"
                + "\"canonicalNaming\":false,\"ignoreErrors\":true}}");
        assertThat(list.path("status").asInt()).as(list.toString()).isEqualTo(200);
        assertThat(list.path("value").path("org.apache.camel").fieldNames()).toIterable()
                .anyMatch(name -> name.contains("type=routes") && name.contains("name=\"api-pay\""));

        JsonNode search = post("{\"type\":\"search\",\"mbean\":\"org.apache.camel:type=routes,*\"}");
        assertThat(search.path("value").size()).isEqualTo(ids.size());
    }

    @Test
    void theOperationsHawtiosCamelPluginNeedsAreAllowed() throws Exception {
        JsonNode xml = exec(CONTEXT, "dumpRoutesAsXml()");
        assertThat(xml.path("status").asInt()).as(xml.toString()).isEqualTo(200);
        assertThat(xml.path("value").asText()).contains("<route").contains("api-pay");

        // one route's statistics with its processors' (the route diagram's counters)
        JsonNode stats = exec("org.apache.camel:context=kessai,type=routes,name=\"api-pay\"", "dumpRouteStatsAsXml", true, true);
        assertThat(stats.path("status").asInt()).as(stats.toString()).isEqualTo(200);
        assertThat(stats.path("value").asText()).contains("id=\"api-pay\"").containsPattern("exchangesTotal=\"[1-9]");
    }

    @Test
    void camelsDebuggerIsAbsentUnlessOptedIn() {
        assertThat(kessai.context().isDebugging()).isFalse();
        assertThat(kessai.context().hasService(org.apache.camel.spi.BacklogDebugger.class)).isNull();
    }

    @Test
    void anAttributeWriteIsRefused() throws Exception {
        assertRefused(post(JSON.writeValueAsString(Map.of("type", "write", "mbean", CONTEXT,
                "attribute", "Tracing", "value", true))));
        assertRefused(post(JSON.writeValueAsString(Map.of("type", "write", "mbean", "java.lang:type=Memory",
                "attribute", "Verbose", "value", true))));
    }

    @Test
    void operationsThatChangeKessaiOrTheJvmAreRefused() throws Exception {
        String route = "org.apache.camel:context=kessai,type=routes,name=\"api-pay\"";
        assertRefused(exec(route, "stop()"));
        assertRefused(exec(route, "updateRouteFromXml", "<routes/>"));
        assertRefused(exec(CONTEXT, "sendStringBody(java.lang.String, java.lang.String)", "direct:kessai-payments", "{}"));
        assertRefused(exec(CONTEXT, "stop()"));
        assertRefused(exec("java.lang:type=Memory", "gc()"));
        assertRefused(exec("com.sun.management:type=HotSpotDiagnostic", "dumpHeap", "/tmp/kessai.hprof", true));
        // an overload that is not on the list: the routes' XML with their placeholders resolved
        assertRefused(exec(CONTEXT, "dumpRoutesAsXml(boolean)", true));
        assertThat(kessai.context().getRouteController().getRouteStatus("api-pay").isStarted()).isTrue();
    }

    @Test
    void theJvmsSystemPropertiesAreNotReadable() throws Exception {
        assertRefused(post("{\"type\":\"read\",\"mbean\":\"java.lang:type=Runtime\",\"attribute\":\"SystemProperties\"}"));
        assertRefused(post("{\"type\":\"read\",\"mbean\":\"java.lang:type=Runtime\",\"attribute\":\"InputArguments\"}"));
        JsonNode uptime = post("{\"type\":\"read\",\"mbean\":\"java.lang:type=Runtime\",\"attribute\":\"Uptime\"}");
        assertThat(uptime.path("status").asInt()).as(uptime.toString()).isEqualTo(200);
    }
}
