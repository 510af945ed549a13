package io.kessai.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kessai.support.KessaiInstance;
import io.kessai.support.TestDatabases;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * kessai.management.debug=true installs Camel's debugger, and the Jolokia policy lets Hawtio's Debug tab
 * start and stop it (its operations and its two body settings); without the key there is no debugger at all
 * (JolokiaAccessPolicyTest).
 */
class DebugOptInTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DEBUGGER = "org.apache.camel:context=kessai,type=tracer,name=BacklogDebugger";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private JsonNode post(String jolokia, Object request) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(jolokia)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(request))).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    @Test
    void withTheDebugKeyHawtioCanStartAndStopCamelsDebuggerThroughJolokia() throws Exception {
        int managementPort;
        try (ServerSocket s = new ServerSocket(0)) {
            managementPort = s.getLocalPort();
        }
        try (KessaiInstance kessai = KessaiInstance.start(TestDatabases.h2(), Map.of(
                "kessai.management.debug", "true", "kessai.management.enabled", "true", "kessai.management.port", String.valueOf(managementPort)))) {
            String jolokia = kessai.managementUrl() + "/observe/jolokia";
            JsonNode stop = post(jolokia, Map.of("type", "exec", "mbean", DEBUGGER, "operation", "disableDebugger"));
            assertThat(stop.path("status").asInt()).as(stop.toString()).isEqualTo(200);
            assertThat(post(jolokia, Map.of("type", "read", "mbean", DEBUGGER, "attribute", "Enabled")).path("value").asBoolean()).isFalse();

            JsonNode start = post(jolokia, Map.of("type", "exec", "mbean", DEBUGGER, "operation", "enableDebugger"));
            assertThat(start.path("status").asInt()).as(start.toString()).isEqualTo(200);
            assertThat(post(jolokia, Map.of("type", "read", "mbean", DEBUGGER, "attribute", "Enabled")).path("value").asBoolean()).isTrue();
            JsonNode bodies = post(jolokia, Map.of("type", "write", "mbean", DEBUGGER, "attribute", "BodyIncludeStreams", "value", false));
            assertThat(bodies.path("status").asInt()).as(bodies.toString()).isEqualTo(200);
            JsonNode breakpoints = post(jolokia, Map.of("type", "exec", "mbean", DEBUGGER, "operation", "breakpoints"));
            assertThat(breakpoints.path("status").asInt()).as(breakpoints.toString()).isEqualTo(200);
            post(jolokia, Map.of("type", "exec", "mbean", DEBUGGER, "operation", "disableDebugger"));
            assertThat(kessai.context().isDebugging()).isTrue();
            // the rest of the policy still holds
            JsonNode gc = post(jolokia, Map.of("type", "exec", "mbean", "java.lang:type=Memory", "operation", "gc()"));
            assertThat(gc.path("status").asInt()).as(gc.toString()).isEqualTo(403);
        }
    }
}
