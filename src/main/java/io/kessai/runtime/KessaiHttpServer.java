package io.kessai.runtime;

import io.kessai.api.ProblemResponder;
import io.kessai.api.TransportProblems;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.Service;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.apache.camel.component.platform.http.main.DefaultMainHttpServerFactory;
import org.apache.camel.component.platform.http.main.MainHttpServer;
import org.apache.camel.component.platform.http.main.ManagementHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerConfiguration;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerSupport;
import org.apache.camel.main.HttpManagementServerConfigurationProperties;
import org.apache.camel.main.HttpServerConfigurationProperties;
import org.apache.camel.main.MainHttpServerFactory;
import org.apache.camel.support.service.ServiceHelper;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The standalone Kessai's HTTP server: camel-main's platform HTTP server (Vert.x) with Kessai's limits and
 * with an RFC 9457 problem for every answer the server gives by itself ({@link TransportProblems}).
 *
 * <p>camel-platform-http-vertx creates its Vert.x {@code HttpServer} with default options and no way to set
 * the request line and header limits or the handler of undecodable requests (which answers 414 and 431
 * with an empty body). KessaiMain binds {@link Factory} in the registry, where camel-main looks for a
 * {@link MainHttpServerFactory} before its default one; everything camel-main configures
 * ({@code camel.server.*}) still applies.
 */
public final class KessaiHttpServer {
    private KessaiHttpServer() {
    }

    /** Reads the kessai.http.* limits. */
    static TransportProblems.Limits limits(Kessai.Config config) {
        return new TransportProblems.Limits(
                Math.max(config.integer("kessai.http.max-body-bytes"), config.integer("kessai.webhooks.max-body-bytes")),
                config.integer("kessai.http.max-request-line-bytes"),
                config.integer("kessai.http.max-header-bytes"),
                Duration.ofMillis(config.integer("kessai.http.body-timeout-ms")));
    }

    /** Makes camel-main's HTTP server as camel-main would, then gives it Kessai's Vert.x server. */
    public static final class Factory implements MainHttpServerFactory, CamelContextAware {
        private final DefaultMainHttpServerFactory defaults = new DefaultMainHttpServerFactory();
        private CamelContext context;

        @Override
        public CamelContext getCamelContext() {
            return context;
        }

        @Override
        public void setCamelContext(CamelContext context) {
            this.context = context;
            defaults.setCamelContext(context);
        }

        @Override
        public Service newHttpServer(CamelContext camelContext, HttpServerConfigurationProperties properties) {
            setCamelContext(camelContext);
            MainHttpServer configured = (MainHttpServer) defaults.newHttpServer(camelContext, properties);
            TransportProblems.Limits limits = limits(new Kessai.Config(camelContext));
            ProblemResponder problems = camelContext.getRegistry().lookupByNameAndType("kessaiProblems", ProblemResponder.class);
            TransportProblems transport = new TransportProblems(problems, () -> endpoints(camelContext), limits,
                    () -> camelContext.getStatus().isStarted());
            MainServer server = new MainServer(transport);
            server.setCamelContext(camelContext);
            server.setConfiguration(configured.getConfiguration());
            server.getConfiguration().setMaxBodySize(limits.maxBodyBytes());
            server.setStaticEnabled(configured.isStaticEnabled());
            server.setStaticContextPath(configured.getStaticContextPath());
            server.setStaticSourceDir(configured.getStaticSourceDir());
            return server;
        }

        @Override
        public Service newHttpManagementServer(CamelContext camelContext, HttpManagementServerConfigurationProperties properties) {
            setCamelContext(camelContext);
            Kessai.Config config = new Kessai.Config(camelContext);
            String apiPort = config.find("camel.server.port");
            if (apiPort != null && apiPort.equals(String.valueOf(properties.getPort()))) {
                // camel-main would then serve both on the API's server, without the management port's settings
                throw new IllegalStateException("Kessai cannot start: the management port kessai.management.port ("
                        + properties.getPort() + ") is the API's port kessai.http.port; give it a port of its own.");
            }
            ManagementHttpServer server = (ManagementHttpServer) defaults.newHttpManagementServer(camelContext, properties);
            ManagementAuth.configure(server, config);
            return server;
        }
    }

    /**
     * The paths and methods Camel's routes serve ({@code /payments/{paymentId}}: GET), from each route's
     * platform-http endpoint (the component's own list keeps one method per path).
     */
    private static Collection<TransportProblems.Endpoint> endpoints(CamelContext context) {
        return context.getRoutes().stream()
                .map(org.apache.camel.Route::getConsumer)
                .filter(java.util.Objects::nonNull)
                .map(org.apache.camel.Consumer::getEndpoint)
                .filter(PlatformHttpEndpoint.class::isInstance)
                .map(PlatformHttpEndpoint.class::cast)
                .map(e -> new TransportProblems.Endpoint(e.getPath(), e.getHttpMethodRestrict() == null
                        ? List.of() : Arrays.asList(e.getHttpMethodRestrict().split(","))))
                .toList();
    }

    /** camel-main's MainHttpServer, with Kessai's {@link Server} as its Vert.x server. */
    static final class MainServer extends MainHttpServer {
        private final TransportProblems transport;
        private Server server;

        MainServer(TransportProblems transport) {
            this.transport = transport;
        }

        @Override
        protected void doInit() throws Exception {
            getConfiguration().setServerType(VertxPlatformHttpRouter.SERVER_TYPE_SERVER);
            server = new Server(getConfiguration(), transport);
            getCamelContext().addService(server);
        }

        @Override
        protected void doStart() throws Exception {
            ServiceHelper.startService(server);
            super.doStart();
        }
    }

    /**
     * camel-platform-http-vertx's server with Kessai's {@code HttpServerOptions} (request line and header
     * limits), its handler of undecodable requests, and the problem answers on the router Camel's routes use.
     */
    static final class Server extends VertxPlatformHttpServer {
        private final VertxPlatformHttpServerConfiguration configuration;
        private final TransportProblems transport;
        private VertxPlatformHttpRouter router;
        private HttpServer http;
        private boolean ownVertx;

        Server(VertxPlatformHttpServerConfiguration configuration, TransportProblems transport) {
            super(configuration);
            this.configuration = configuration;
            this.transport = transport;
        }

        @Override
        protected void initializeServer() {
            ownVertx = getVertx() == null && lookupVertx() == null;
            super.initializeServer();
            router = VertxPlatformHttpRouter.lookup(getCamelContext(),
                    VertxPlatformHttpRouter.getRouterNameFromPort(configuration.getPort()));
            transport.install(getVertx(), router);
        }

        @Override
        protected void startServer() throws Exception {
            HttpServerOptions options = new HttpServerOptions()
                    .setMaxInitialLineLength(transport.limits().maxRequestLineBytes())
                    .setMaxHeaderSize(transport.limits().maxHeaderBytes())
                    // A form is decoded up to the body limit, so that the door can answer what it takes (415).
                    .setMaxFormAttributeSize((int) transport.limits().maxBodyBytes())
                    .setMaxFormBufferedBytes((int) transport.limits().maxBodyBytes())
                    .setMaxFormFields(-1)
                    // HTTP/1.1 only: an h2c upgrade request over the limits would be answered with a GOAWAY
                    // instead of the problem document every other client gets.
                    .setHttp2ClearTextEnabled(false);
            if (configuration.getSslContextParameters() != null || configuration.isUseGlobalSslContextParameters()) {
                configureSsl(options);
            }
            Router root = Router.router(getVertx());
            root.route(configuration.getPath() + "*").subRouter(router);
            http = getVertx().createHttpServer(options)
                    .invalidRequestHandler(transport::invalidRequest)
                    .requestHandler(root);
            http.listen(configuration.getBindPort(), configuration.getBindHost())
                    .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }

        /** camel-platform-http-vertx's own TLS set-up (camel.server.ssl* and the global SSL context). */
        private void configureSsl(HttpServerOptions options) throws Exception {
            Method configure = VertxPlatformHttpServerSupport.class.getDeclaredMethod("configureSSL",
                    HttpServerOptions.class, VertxPlatformHttpServerConfiguration.class, CamelContext.class);
            configure.setAccessible(true);
            try {
                configure.invoke(null, options, configuration, getCamelContext());
            } catch (InvocationTargetException e) {
                throw e.getCause() instanceof Exception cause ? cause : e;
            }
        }

        @Override
        protected void stopServer() {
            if (http == null) {
                return;
            }
            try {
                getCamelContext().removeComponent("platform-http");
                http.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                throw new IllegalStateException("the HTTP server did not stop", e);
            } finally {
                http = null;
            }
        }

        /** Closes the Vert.x instance this server made (one found in the registry belongs to its maker). */
        @Override
        protected void stopVertx() {
            if (!ownVertx || getVertx() == null) {
                return;
            }
            try {
                getVertx().close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                throw new IllegalStateException("Vert.x did not stop", e);
            } finally {
                ownVertx = false;
            }
        }

        @Override
        public HttpServer getServer() {
            return http;
        }

        @Override
        public int getPort() {
            return http != null ? http.actualPort() : configuration.getBindPort();
        }
    }
}
