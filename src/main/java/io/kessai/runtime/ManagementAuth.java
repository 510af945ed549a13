package io.kessai.runtime;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.AuthenticationProvider;
import io.vertx.ext.auth.authentication.Credentials;
import io.vertx.ext.auth.authentication.UsernamePasswordCredentials;
import io.vertx.ext.web.handler.AuthenticationHandler;
import io.vertx.ext.web.handler.BasicAuthHandler;
import org.apache.camel.component.platform.http.main.ManagementHttpServer;
import org.apache.camel.component.platform.http.vertx.auth.AuthenticationConfig;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * HTTP Basic authentication on every path of the management port ({@code kessai.management.auth.*}): one user whose
 * password comes from configuration (an environment variable in production), compared in constant time. On in the
 * {@code prod} profile. The two probe paths ({@link #PROBES}) stay open unless {@code kessai.management.auth.open-probes}
 * is false. Camel's own {@code camel.management.authentication-enabled} with a properties file still
 * works when this is off.
 */
final class ManagementAuth {
    static final String ENABLED = "kessai.management.auth.enabled";
    static final String USER = "kessai.management.auth.user";
    static final String PASSWORD = "kessai.management.auth.password";
    static final String REALM = "kessai.management.auth.realm";
    static final String OPEN_PROBES = "kessai.management.auth.open-probes";
    /**
     * The liveness and readiness paths a kubelet or load balancer probes: they answer UP or DOWN with the checks'
     * names and states, nothing secret, and a probe cannot send a password without putting it in a manifest.
     */
    static final java.util.Set<String> PROBES = java.util.Set.of("/observe/health/live", "/observe/health/ready");

    private ManagementAuth() {
    }

    /** Puts Basic authentication in front of every path of the management server when it is enabled. */
    static void configure(ManagementHttpServer server, Kessai.Config config) {
        if (!"true".equalsIgnoreCase(config.find(ENABLED))) {
            return;
        }
        String user = required(config, USER);
        String password = required(config, PASSWORD);
        String realm = config.find(REALM) == null ? "kessai" : config.find(REALM);
        AuthenticationConfig.AuthenticationConfigEntry entry = new AuthenticationConfig.AuthenticationConfigEntry();
        entry.setPath("/*");
        entry.setAuthenticationProviderFactory(vertx -> new OneUser(user, password));
        entry.setAuthenticationHandlerFactory(new AuthenticationConfig.AuthenticationHandlerFactory() {
            @Override
            public <T extends AuthenticationProvider> AuthenticationHandler createAuthenticationHandler(T provider) {
                AuthenticationHandler basic = BasicAuthHandler.create(provider, realm);
                if ("false".equalsIgnoreCase(config.find(OPEN_PROBES))) {
                    return basic;
                }
                return context -> {
                    if (PROBES.contains(context.normalizedPath())) {
                        context.next();
                    } else {
                        basic.handle(context);
                    }
                };
            }
        });
        AuthenticationConfig auth = server.getConfiguration().getAuthenticationConfig();
        auth.getEntries().add(entry);
        auth.setEnabled(true);
    }

    private static String required(Kessai.Config config, String key) {
        String value = config.find(key);
        if (value == null) {
            throw new IllegalStateException("Kessai cannot start: " + ENABLED + " is true, but " + key + " has no value."
                    + " Set it (a secret: by environment variable " + key.toUpperCase(java.util.Locale.ROOT)
                    .replaceAll("[^A-Z0-9]", "_") + "), or set " + ENABLED + "=false.");
        }
        return value;
    }

    /** The one user of the management port; the password is compared by its SHA-256 digest, in constant time. */
    static final class OneUser implements AuthenticationProvider {
        private final byte[] user;
        private final byte[] password;

        OneUser(String user, String password) {
            this.user = digest(user);
            this.password = digest(password);
        }

        boolean matches(String user, String password) {
            boolean userMatches = MessageDigest.isEqual(this.user, digest(user == null ? "" : user));
            boolean passwordMatches = MessageDigest.isEqual(this.password, digest(password == null ? "" : password));
            return userMatches & passwordMatches;
        }

        @Override
        public Future<User> authenticate(Credentials credentials) {
            if (credentials instanceof UsernamePasswordCredentials c && matches(c.getUsername(), c.getPassword())) {
                return Future.succeededFuture(User.fromName(c.getUsername()));
            }
            return Future.failedFuture("wrong user or password");
        }

        @Override
        public void authenticate(Credentials credentials, Handler<AsyncResult<User>> handler) {
            handler.handle(authenticate(credentials));
        }

        @Override
        public void authenticate(JsonObject credentials, Handler<AsyncResult<User>> handler) {
            handler.handle(authenticate(new UsernamePasswordCredentials(credentials)));
        }

        private static byte[] digest(String text) {
            try {
                return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
