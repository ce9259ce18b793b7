package dev.tally.upsert;

import dev.tally.job.JobError;
import dev.tally.record.RejectCode;
import dev.tally.system.ConnectionLoss;
import io.r2dbc.postgresql.api.ErrorDetails;
import io.r2dbc.postgresql.api.PostgresqlException;
import io.r2dbc.spi.R2dbcException;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A failure classified once, by SQLSTATE, into what the chunk writer does about it: a row caused
 * it (it is isolated and rejected), the chunk may simply run again, the connection is lost (the
 * chunk is recovered, see {@link ChunkRecovery}), a lock wait ran out; anything else fails the
 * job. A server error is judged by its SQLSTATE alone, not by the driver's exception class: the
 * driver raises every SQLSTATE it does not know (a trigger's P0001 too) as a resource error.
 */
public sealed interface SqlError {

    /** An error a row's values cause, and for which that row alone is rejected. */
    sealed interface RowLevel extends SqlError {

        String sqlState();

        /** The database's message and detail, as the rejected line's row log says it. */
        String message();

        RejectCode code();
    }

    /**
     * Class 23, whoever raised it (a trigger's {@code RAISE … USING ERRCODE = 'check_violation'} too).
     *
     * @param constraint the constraint's name as the driver reports it, or null
     */
    record Constraint(String sqlState, @Nullable String constraint, String message) implements RowLevel {
        @Override
        public RejectCode code() {
            return RejectCode.CONSTRAINT_VIOLATION;
        }
    }

    /** Class 22: a value the column cannot take (division by zero, truncation, encoding). */
    record Data(String sqlState, String message) implements RowLevel {
        @Override
        public RejectCode code() {
            return RejectCode.DB_ERROR;
        }
    }

    /** Class 21: a row touched twice, or a subquery with more rows than one. */
    record Cardinality(String sqlState, String message) implements RowLevel {
        @Override
        public RejectCode code() {
            return RejectCode.DB_ERROR;
        }
    }

    /** A view's check option (44), PL/pgSQL's RAISE or ASSERT (P0), a row over a program limit (54000). */
    record RaisedForRow(String sqlState, String message) implements RowLevel {
        @Override
        public RejectCode code() {
            return RejectCode.DB_ERROR;
        }
    }

    /** A serialization failure (40001) or a deadlock (40P01): the chunk may simply run again. */
    record Retryable(String sqlState) implements SqlError {
        public boolean deadlock() {
            return "40P01".equals(sqlState);
        }
    }

    /**
     * The connection is gone, or the server is ending it: class 08 (also what the driver raises
     * for a closed connection), 57P01 (terminated by an administrator or a shutdown), 57P02 (a
     * crashed server process), 57P03 (starting or stopping); or, without any SQLSTATE, a resource
     * error (a pooled connection that failed validation) or an I/O error.
     *
     * @param sqlState null when the failure had none
     */
    record ConnectionLost(@Nullable String sqlState) implements SqlError {}

    /** A lock wait ran out of {@code lock_timeout} (55P03). */
    record LockTimeout() implements SqlError {}

    /** Anything else, the database's (with its SQLSTATE) or not (null): the job fails. */
    record Other(@Nullable String sqlState) implements SqlError {}

    /**
     * The class of {@code failure}. Causes are looked through for a connection lost, so that an
     * error Spring translated counts too; the other classes are the failure's own SQLSTATE.
     */
    static SqlError of(Throwable failure) {
        String state = failure instanceof R2dbcException r2dbc ? r2dbc.getSqlState() : null;
        if (state != null) {
            if (state.startsWith("23")) {
                return new Constraint(
                        state,
                        failure instanceof PostgresqlException postgres
                                ? postgres.getErrorDetails().getConstraintName().orElse(null)
                                : null,
                        message(failure));
            }
            if (state.startsWith("22")) {
                return new Data(state, message(failure));
            }
            if (state.startsWith("21")) {
                return new Cardinality(state, message(failure));
            }
            if (state.startsWith("44") || state.startsWith("P0") || state.equals("54000")) {
                return new RaisedForRow(state, message(failure));
            }
            if (state.equals("40001") || state.equals("40P01")) {
                return new Retryable(state);
            }
            if (state.equals("55P03")) {
                return new LockTimeout();
            }
        }
        return connectionLostOrOther(failure, state);
    }

    /** Whether {@code failure} is one a row caused. */
    static boolean isRowLevel(Throwable failure) {
        return of(failure) instanceof RowLevel;
    }

    /**
     * A job error for an unexpected failure, with its SQLSTATE when the database raised it. A lost
     * connection is {@code database_unavailable}, as when the retry budget runs out, also when it
     * comes wrapped (Reactor wraps a failed commit or rollback at the end of an upload in one
     * transaction): such an upload cannot write its chunks again on another connection, and the
     * same upload sent again under its Idempotency-Key resumes the job, its ledger telling what
     * committed.
     */
    static JobError jobError(String where, Throwable failure) {
        boolean lost = ConnectionLoss.is(failure);
        for (Throwable e = failure; e != null; e = e.getCause() == e ? null : e.getCause()) {
            if (e instanceof R2dbcException database && (e == failure || lost)) {
                // A wait without an answer (DatabaseRetry.NoAnswer) has no SQLSTATE.
                String state = database.getSqlState() == null ? "" : " [SQLSTATE " + database.getSqlState() + "]";
                return new JobError(
                        lost ? DatabaseRetry.DatabaseGone.CODE : "db_error",
                        "%s: %s%s".formatted(where, database.getMessage(), state),
                        null);
            }
        }
        return new JobError(lost ? DatabaseRetry.DatabaseGone.CODE : "internal_error", where + ": " + failure, null);
    }

    private static SqlError connectionLostOrOther(Throwable failure, @Nullable String state) {
        return ConnectionLoss.is(failure)
                ? new ConnectionLost(ConnectionLoss.firstSqlState(failure))
                : new Other(state);
    }

    /**
     * The database's message and detail. A constraint the message does not name (a trigger may
     * raise a constraint's SQLSTATE with a message of its own) is named after it.
     */
    private static String message(Throwable error) {
        if (!(error instanceof PostgresqlException postgres)) {
            return Objects.requireNonNullElse(error.getMessage(), error.toString());
        }
        ErrorDetails details = postgres.getErrorDetails();
        StringBuilder message = new StringBuilder(details.getMessage());
        details.getConstraintName()
                .filter(name -> !details.getMessage().contains('"' + name + '"'))
                .ifPresent(
                        name -> message.append(" (constraint \"").append(name).append("\")"));
        details.getDetail().ifPresent(detail -> message.append(": ").append(detail));
        return message.toString();
    }
}
