package dev.tally.upsert;

import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTransientResourceException;
import java.io.IOException;
import java.util.Set;

/**
 * Database errors classified once, by SQLSTATE: a row caused it (it is isolated and rejected), the
 * chunk may simply run again, or the connection is lost (the chunk is recovered, see {@code
 * ingest.ChunkRecovery}); anything else fails the job. A row-level error is a {@code
 * constraint_violation} when its SQLSTATE is of class 23, whoever raised it (a trigger's {@code
 * RAISE … USING ERRCODE = 'check_violation'} too), and a {@code db_error} otherwise.
 */
public final class SqlStates {

    private static final Set<String> SERVER_GOING_AWAY = Set.of("57P01", "57P02", "57P03");

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

    /** A deadlock (40P01), as opposed to a serialization failure (40001). */
    public static boolean isDeadlock(Throwable error) {
        return "40P01".equals(sqlState(error));
    }

    /**
     * The connection is gone, or the server is ending it: a connection exception (class 08, which
     * is also what the driver raises for a closed connection: 08006, 08003), terminated by an
     * administrator or a shutdown (57P01), a crashed server process (57P02), a server starting or
     * stopping (57P03); or, without any SQLSTATE, a resource error (a pooled connection that failed
     * validation) or an I/O error. A server error is judged by its SQLSTATE alone: the driver
     * raises every SQLSTATE it does not know (a trigger's P0001 too) as a resource error. Causes
     * are looked through, so that an error Spring translated counts too.
     */
    public static boolean isConnectionLost(Throwable error) {
        for (Throwable e = error; e != null; e = e.getCause() == e ? null : e.getCause()) {
            if (e instanceof R2dbcException r2dbc && r2dbc.getSqlState() != null) {
                String state = r2dbc.getSqlState();
                return state.startsWith("08") || SERVER_GOING_AWAY.contains(state);
            }
            if (e instanceof R2dbcNonTransientResourceException
                    || e instanceof R2dbcTransientResourceException
                    || e instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    /** A lock wait ran out of {@code lock_timeout}. */
    public static boolean isLockTimeout(Throwable error) {
        return "55P03".equals(sqlState(error));
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
