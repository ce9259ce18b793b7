package dev.tally.upsert;

import io.r2dbc.spi.R2dbcException;

/**
 * Database errors classified once, by SQLSTATE: whether a row caused it (and so is isolated and
 * rejected) or the chunk as a whole must be retried or given up.
 */
public final class SqlStates {

    private SqlStates() {}

    /** Data (22), integrity (23), cardinality (21), check option (44) and raised (P0) errors. */
    public static boolean isRowLevel(Throwable error) {
        String state = sqlState(error);
        return state != null
                && (state.startsWith("22")
                        || state.startsWith("23")
                        || state.startsWith("21")
                        || state.startsWith("44")
                        || state.startsWith("P0"));
    }

    /** Serialization failure or deadlock: the chunk may simply be run again. */
    public static boolean isRetryable(Throwable error) {
        String state = sqlState(error);
        return "40001".equals(state) || "40P01".equals(state);
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
