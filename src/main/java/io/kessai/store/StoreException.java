package io.kessai.store;

import java.sql.SQLException;

/** The store could not read or write. */
public class StoreException extends RuntimeException {
    public StoreException(SQLException cause) {
        super("store failure: " + cause.getMessage(), cause);
    }

    /** A unique constraint refused a row (SQLSTATE class 23505 on PostgreSQL and H2). */
    public boolean isUniqueViolation() {
        return getCause() instanceof SQLException s && "23505".equals(s.getSQLState());
    }
}
