package io.kessai.support;

import org.junit.jupiter.api.Assumptions;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * The two stores the tests run against: an in-memory H2 per test class, and the machine's PostgreSQL
 * (127.0.0.1:5432, database test, trust auth) with a fresh schema per test class. Without PostgreSQL the
 * PostgreSQL tests are skipped with a visible message, except under CI (CI=true), where they fail.
 */
public final class TestDatabases {
    public static final String PG_URL = System.getProperty("kessai.test.pg.url",
            System.getenv().getOrDefault("KESSAI_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test"));
    public static final String PG_USER = System.getProperty("kessai.test.pg.user",
            System.getenv().getOrDefault("KESSAI_TEST_PG_USER", "postgres"));

    private TestDatabases() {
    }

    public record Db(String url, String user, String password) {
    }

    public static Db h2() {
        return new Db("jdbc:h2:mem:kessai-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "");
    }

    /** A fresh PostgreSQL schema, or the test is skipped (never under CI). */
    public static Db postgres() {
        String schema = "kessai_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = DriverManager.getConnection(PG_URL, PG_USER, "");
             Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            String message = "PostgreSQL is not reachable at " + PG_URL + " as " + PG_USER + ": " + e.getMessage();
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new IllegalStateException(message + " (CI=true: PostgreSQL tests must run)", e);
            }
            System.err.println("SKIPPED PostgreSQL tests: " + message);
            Assumptions.abort(message);
        }
        return new Db(PG_URL + "?currentSchema=" + schema, PG_USER, "");
    }
}
