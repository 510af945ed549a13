package io.kessai.sandbox;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The lifecycle every built-in sandbox shares: it listens on {@code 127.0.0.1} ({@link LoopbackHttpServer}) from
 * {@link #start()} (idempotent) until {@link #close()}, which also stops its notification senders.
 *
 * @param <SELF> the sandbox itself, so that {@link #start()} answers it
 * @param <S>    its settings
 */
public abstract class LoopbackSandbox<SELF extends LoopbackSandbox<SELF, S>, S extends LoopbackSandbox.Listening>
        implements AutoCloseable {

    static {
        LoopbackHttpServer.preferNoDelay();
    }

    /** The part of a sandbox's settings this class reads. */
    public interface Listening {
        /** The listening port on 127.0.0.1; 0 = ephemeral. */
        int port();
    }

    private final System.Logger log;
    private final String name;
    private final String threadName;
    private final int backlog;
    private final int threads;
    private final S settings;
    private final List<NotificationSender<?>> senders = new CopyOnWriteArrayList<>();
    private LoopbackHttpServer server;
    private volatile String url;

    /**
     * @param log        the sandbox's logger
     * @param name       how messages name it, e.g. {@code "PAY.JP sandbox"}
     * @param threadName the prefix of its answering threads' names
     * @param backlog    the socket backlog
     * @param threads    the number of answering threads
     * @param settings   its settings
     */
    protected LoopbackSandbox(System.Logger log, String name, String threadName, int backlog, int threads, S settings) {
        this.log = Objects.requireNonNull(log, "log");
        this.name = Objects.requireNonNull(name, "name");
        this.threadName = Objects.requireNonNull(threadName, "threadName");
        this.backlog = backlog;
        this.threads = threads;
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /** Answers every request. */
    protected abstract void handle(HttpExchange exchange) throws IOException;

    /** Registers a notification sender to be closed with the sandbox; answers it. */
    protected final <R> NotificationSender<R> closedWithSandbox(NotificationSender<R> sender) {
        senders.add(Objects.requireNonNull(sender, "sender"));
        return sender;
    }

    /** Starts listening (idempotent). */
    @SuppressWarnings("unchecked")
    public synchronized SELF start() {
        if (server == null) {
            try {
                server = LoopbackHttpServer.start(threadName, settings.port(), backlog, threads, this::handle);
            } catch (IOException e) {
                throw new IllegalStateException("cannot start the " + name + " on port " + settings.port(), e);
            }
            url = server.baseUrl();
            log.log(System.Logger.Level.INFO, name + " listening on {0}", url);
        }
        return (SELF) this;
    }

    /**
     * {@code http://127.0.0.1:<port>}.
     *
     * @throws IllegalStateException the sandbox is not started
     */
    public String baseUrl() {
        return serverUrl();
    }

    /**
     * {@code http://127.0.0.1:<port>}, for a sandbox whose {@link #baseUrl()} is a path under it.
     *
     * @throws IllegalStateException the sandbox is not started
     */
    protected final String serverUrl() {
        String u = url;
        if (u == null) {
            throw new IllegalStateException("the " + name + " is not started");
        }
        return u;
    }

    public S settings() {
        return settings;
    }

    /** Stops listening, then stops the notification senders (pending notifications are dropped). */
    @Override
    public synchronized void close() {
        if (server != null) {
            server.close();
            server = null;
        }
        senders.forEach(NotificationSender::close);
    }
}
