package io.kessai.ops;

import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.util.Callback;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Hawtio 4 (its war, {@code io.hawt:hawtio-war}) in an embedded Jetty, set up to look at a running Kessai through
 * Kessai's Jolokia (the management port's {@code /observe/jolokia}). Run by {@code bin/hawtio}:
 *
 * <pre>
 *   bin/hawtio                                             # Kessai's Jolokia at http://127.0.0.1:9876/observe/jolokia
 *   bin/hawtio http://127.0.0.1:9877/observe/jolokia       # another Kessai
 *   HAWTIO_PORT=8091 bin/hawtio                            # Hawtio on another port (default 8090)
 * </pre>
 *
 * <p>Open {@code http://127.0.0.1:8090/} (what it prints): that page adds a Hawtio connection named "Kessai" to the
 * browser's Hawtio connections and opens Hawtio's Camel plugin on it. Hawtio reaches Kessai's Jolokia through its
 * own proxy ({@code /hawtio/proxy/...}), which is allowed for the Kessai host only. Both Hawtio and Kessai's
 * management port listen on loopback: Hawtio runs without a login of its own here (it is a local console for the
 * person at this machine); put it behind authentication before binding it anywhere else.
 */
public final class HawtioConsole implements AutoCloseable {
    /** The connection id Hawtio keeps in the browser's local storage ("connect.connections"). */
    public static final String CONNECTION_ID = "kessai";
    public static final String DEFAULT_JOLOKIA = "http://127.0.0.1:9876/observe/jolokia";
    private final Server server;

    private HawtioConsole(Server server) {
        this.server = server;
    }

    /** The war bin/hawtio and the tests use: copied by Maven to target/hawtio/hawtio.war. */
    public static Path defaultWar() {
        return Path.of(System.getProperty("kessai.hawtio.war", "target/hawtio/hawtio.war"));
    }

    /**
     * Starts Hawtio on host:port (port 0: a free one) at /hawtio, and at / the page that connects it to the
     * given Jolokia URL.
     */
    public static HawtioConsole start(Path war, String host, int port, URI kessaiJolokia) throws Exception {
        if (!Files.isRegularFile(war)) {
            throw new IllegalStateException("no Hawtio war at " + war.toAbsolutePath()
                    + ": mvn -q generate-test-resources copies it there");
        }
        if (!"http".equals(kessaiJolokia.getScheme()) && !"https".equals(kessaiJolokia.getScheme())
                || kessaiJolokia.getHost() == null || kessaiJolokia.getPort() < 0) {
            throw new IllegalArgumentException("Kessai's Jolokia URL must be http(s)://host:port/path, not " + kessaiJolokia);
        }
        // Hawtio's settings are system properties (hawtio.*); these are the ones a local console needs.
        // A console for this machine's user: no Hawtio login (Jolokia and Hawtio both on loopback).
        System.setProperty("hawtio.authenticationEnabled", System.getProperty("hawtio.authenticationEnabled", "false"));
        // Hawtio's proxy may reach Kessai's host and no other
        Set<String> allow = new LinkedHashSet<>(Set.of("localhost", "127.0.0.1"));
        allow.add(kessaiJolokia.getHost());
        System.setProperty("hawtio.proxyAllowlist", System.getProperty("hawtio.proxyAllowlist", String.join(",", allow)));
        // no discovery of other JVMs on this machine (Hawtio's "Discover" tab attaches agents to local processes)
        System.setProperty("hawtio.localProcessDisabled", "true");

        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);

        WebAppContext hawtio = new WebAppContext();
        hawtio.setContextPath("/hawtio");
        hawtio.setWar(war.toAbsolutePath().toString());
        hawtio.setTempDirectory(Files.createTempDirectory("kessai-hawtio").toFile());
        hawtio.setTempDirectoryPersistent(false);

        ContextHandler connect = new ContextHandler(new ConnectPage(kessaiJolokia), "/");
        server.setHandler(new ContextHandlerCollection(hawtio, connect));
        server.start();
        return new HawtioConsole(server);
    }

    public int port() {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    /** The page that connects Hawtio to Kessai and opens its Camel plugin. */
    public String url() {
        return "http://127.0.0.1:" + port() + "/";
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    public static void main(String[] args) throws Exception {
        URI jolokia = URI.create(args.length > 0 ? args[0] : DEFAULT_JOLOKIA);
        String host = System.getenv().getOrDefault("HAWTIO_HOST", "127.0.0.1");
        int port = Integer.parseInt(System.getenv().getOrDefault("HAWTIO_PORT", "8090"));
        HawtioConsole console = start(defaultWar(), host, port, jolokia);
        System.out.println();
        System.out.println("Hawtio for Kessai (" + jolokia + "): open http://" + host + ":" + console.port() + "/");
        System.out.println("Ctrl-C stops it.");
        console.server.join();
    }

    /**
     * Adds the connection to Hawtio's connections in the browser (what Hawtio's Connect tab does) and opens the
     * Camel plugin on it (Hawtio's ?con= parameter).
     */
    private static final class ConnectPage extends Handler.Abstract {
        private final String html;

        ConnectPage(URI jolokia) {
            String connection = "{\"id\":\"" + CONNECTION_ID + "\",\"name\":\"Kessai\",\"scheme\":\"" + jolokia.getScheme()
                    + "\",\"host\":\"" + jolokia.getHost() + "\",\"port\":" + jolokia.getPort()
                    + ",\"path\":\"" + (jolokia.getRawPath().isEmpty() ? "/" : jolokia.getRawPath()) + "\"}";
            html = """
                    <!DOCTYPE html>
                    <html><head><meta charset="utf-8"><title>Hawtio for Kessai</title></head><body>
                    <p>Connecting Hawtio to Kessai's Jolokia (%s)…</p>
                    <script>
                      const connections = JSON.parse(localStorage.getItem('connect.connections') || '{}');
                      connections['%s'] = %s;
                      localStorage.setItem('connect.connections', JSON.stringify(connections));
                      location.replace('/hawtio/camel/routes?con=%s');
                    </script>
                    </body></html>
                    """.formatted(jolokia, CONNECTION_ID, connection, CONNECTION_ID);
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            if (!"/".equals(Request.getPathInContext(request))) {
                return false;
            }
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html; charset=utf-8");
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
            Content.Sink.write(response, true, html, callback);
            return true;
        }
    }
}
