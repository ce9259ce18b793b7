package dev.tally.upsert;

import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTransientResourceException;

/**
 * Database errors classified once, by SQLSTATE: a row caused it (it is isolated and rejected), the
 * chunk may simply run again, or the connection is gone. A row-level error is a
 * {@code constraint_violation} when its SQLSTATE is of class 23, whoever raised it (a trigger's
 * {@code RAISE … USING ERRCODE = 'check_violation'} too), and a {@code db_error} otherwise.
 */
public final class SqlStates {

    private SqlStates() {}

    /**
     * Errors a row's values cause: data (22), integrity (23), cardinality (21), check option (44),
     * raised in PL/pgSQL (P0: RAISE, ASSERT), and program limit exceeded (54000: an index entry or
     * a row too large). A connection, serialization or statement error never is.
     */
    public static boolean isRowLevel(Throwable error) {
        String state = sqlState(error);
        return state != null
                && (state.startsWith("22")
                        || state.startsWith("23")
                        || state.startsWith("21")
                        || state.startsWith("44")
                        || state.startsWith("P0")
                        || state.equals("54000"));
    }

    /** Serialization failure or deadlock: the chunk may simply be run again. */
    public static boolean isRetryable(Throwable error) {
        String state = sqlState(error);
        return "40001".equals(state) || "40P01".equals(state);
    }

    /**
     * The connection or the server is gone: connection exceptions (08), the server shutting down or
     * refusing connections (57P01..57P05), or the driver's resource errors (a closed connection).
     */
    public static boolean isConnectionLost(Throwable error) {
        if (error instanceof R2dbcNonTransientResourceException || error instanceof R2dbcTransientResourceException) {
            return true;
        }
        String state = sqlState(error);
        return state != null && (state.startsWith("08") || state.startsWith("57P"));
    }

    /** Integrity constraint violations are reported as {@code constraint_violation}. */
    static boolean isConstraintViolation(Throwable error) {
        String state = sqlState(error);
        return state != null && state.startsWith("23");
    }

    static String sqlState(Throwable error) {
        return error instanceof R2dbcException r2dbc ? r2dbc.getSqlState() : null;
    }
}
