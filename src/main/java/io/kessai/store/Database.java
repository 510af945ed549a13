package io.kessai.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.flywaydb.core.Flyway;

import javax.sql.DataSource;
import java.io.Closeable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;

/** The JDBC store: a pooled DataSource whose schema is brought up to date by Flyway migrations. */
public final class Database implements Closeable {
    private final HikariDataSource dataSource;

    public Database(String url, String user, String password, int poolSize) {
        createH2Directory(url);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(durable(url));
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(poolSize);
        config.setPoolName("kessai-db");
        config.setConnectionTimeout(5_000);
        config.setExceptionOverride(new BrokenH2Connections());
        this.dataSource = new HikariDataSource(config);
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration", "classpath:db/vendor/" + vendor())
                .table("kessai_schema_history")
                .load()
                .migrate();
    }

    /**
     * An embedded H2 file store writes a commit to its file only up to {@code WRITE_DELAY} (500 ms by default)
     * after it returns, so a process killed right after answering loses what it answered. {@code WRITE_DELAY=0}
     * makes every committing transaction write its changes to the file before the commit returns (H2 2.x:
     * {@code TransactionStore.endTransaction} commits the MVStore at once when its auto-commit delay is 0).
     * This adds it to an embedded H2 URL that does not set WRITE_DELAY itself; an explicit value is kept, and
     * in-memory, server ({@code tcp:}, {@code ssl:}) and read-only ({@code zip:}) URLs are left alone. It makes
     * answers survive a crash of the process (kill -9), not of the machine: H2 does not fsync each commit.
     */
    static String durable(String url) {
        String prefix = "jdbc:h2:";
        if (!url.regionMatches(true, 0, prefix, 0, prefix.length())) {
            return url;
        }
        String rest = url.substring(prefix.length()).toLowerCase(java.util.Locale.ROOT);
        for (String notAFile : new String[] {"mem:", "tcp:", "ssl:", "zip:"}) {
            if (rest.startsWith(notAFile)) {
                return url;
            }
        }
        for (String setting : rest.split(";")) {
            if (setting.trim().startsWith("write_delay=")) {
                return url;
            }
        }
        return url + (url.endsWith(";") ? "" : ";") + "WRITE_DELAY=0";
    }

    private static void createH2Directory(String url) {
        String prefix = "jdbc:h2:file:";
        if (!url.startsWith(prefix)) {
            return;
        }
        String file = url.substring(prefix.length()).split(";", 2)[0];
        Path parent = Path.of(file).toAbsolutePath().getParent();
        try {
            Files.createDirectories(parent);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot create the H2 data directory " + parent, e);
        }
    }

    /**
     * H2's "connection is broken" and "database is closed" (an H2 server that went away and came back) end the
     * connection, as the 08xxx states Hikari knows do: it is evicted, so that the pool heals once the store is back.
     */
    static final class BrokenH2Connections implements com.zaxxer.hikari.SQLExceptionOverride {
        @java.lang.Override
        public Override adjudicate(java.sql.SQLException e) {
            return "90067".equals(e.getSQLState()) || "90098".equals(e.getSQLState()) ? Override.MUST_EVICT : Override.CONTINUE_EVICT;
        }
    }

    /** h2 or postgresql: the folder of the migrations that differ between the two (Quartz's tables). */
    public String vendor() {
        try (Connection c = dataSource.getConnection()) {
            String product = c.getMetaData().getDatabaseProductName().toLowerCase(java.util.Locale.ROOT);
            if (product.contains("postgres")) {
                return "postgresql";
            }
            if (product.contains("h2")) {
                return "h2";
            }
            throw new IllegalStateException("Kessai supports H2 and PostgreSQL, not " + product);
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    public boolean isPostgres() {
        return "postgresql".equals(vendor());
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public <T> T inTransaction(SqlWork<T> work) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException(e);
        }
    }

    @Override
    public void close() {
        dataSource.close();
    }

    @FunctionalInterface
    public interface SqlWork<T> {
        T run(Connection connection) throws SQLException;
    }
}
