package dev.tally.upsert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.job.JobError;
import dev.tally.system.ConnectionLoss;
import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every SQLSTATE lands in exactly one class: a row's fault, run the chunk again, connection lost, or none. */
class SqlErrorTests {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(textBlock = """
            22012, Data,                            division by zero
            22P05, Data,                            untranslatable character
            22001, Data,                            string data right truncation
            23505, Constraint constraint_violation, unique violation
            23503, Constraint constraint_violation, foreign key violation
            23514, Constraint constraint_violation, check violation
            23502, Constraint constraint_violation, not null violation
            23P01, Constraint constraint_violation, exclusion violation
            21000, Cardinality,                     cardinality violation
            44000, RaisedForRow,                    with check option violation
            P0001, RaisedForRow,                    raise exception
            P0004, RaisedForRow,                    assert failure
            54000, RaisedForRow,                    index row too large
            40001, Retryable,                       serialization failure
            40P01, Retryable deadlock,              deadlock detected
            08006, ConnectionLost,                  connection failure
            08003, ConnectionLost,                  connection does not exist
            57P01, ConnectionLost,                  admin shutdown
            57P02, ConnectionLost,                  crash shutdown
            57P03, ConnectionLost,                  cannot connect now
            55P03, LockTimeout,                     lock not available
            57014, Other,                           query canceled
            42P01, Other,                           undefined table
            42804, Other,                           datatype mismatch
            54001, Other,                           statement too complex
            53300, Other,                           too many connections
            """)
    void classifiesBySqlState(String state, String expected, String name) {
        R2dbcException error = new R2dbcException(name, state) {};

        assertThat(describe(SqlError.of(error))).isEqualTo(expected);
    }

    /** The class, and what the writer reads of it: a row's reject code, whether a retry is for a deadlock. */
    private static String describe(SqlError error) {
        return switch (error) {
            case SqlError.Constraint constraint ->
                "Constraint " + constraint.code().code();
            case SqlError.RowLevel row -> {
                assertThat(row.code().code()).isEqualTo("db_error");
                yield row.getClass().getSimpleName();
            }
            case SqlError.Retryable retryable -> retryable.deadlock() ? "Retryable deadlock" : "Retryable";
            default -> error.getClass().getSimpleName();
        };
    }

    @Test
    void theDriversClosedConnectionIsLostWithoutSqlState() {
        R2dbcException closed = new R2dbcNonTransientResourceException("Connection closed");

        assertThat(SqlError.of(closed)).isEqualTo(new SqlError.ConnectionLost(null));
    }

    @Test
    void anErrorThatIsNotTheDatabasesIsNoneOfThem() {
        IllegalStateException bug = new IllegalStateException("a bug");

        assertThat(SqlError.of(bug)).isEqualTo(new SqlError.Other(null));
    }

    @Test
    void aWaitWithoutAnAnswerIsALostConnectionAndItsJobErrorHasNoSqlState() {
        DatabaseRetry.NoAnswer none = new DatabaseRetry.NoAnswer("COMMIT: no answer from the database within 10000 ms");

        assertThat(SqlError.of(none)).isEqualTo(new SqlError.ConnectionLost(null));
        assertThat(ConnectionLoss.is(none)).isTrue();
        assertThat(SqlError.jobError("chunk 1 (lines 1-2)", none))
                .isEqualTo(new JobError(
                        "database_unavailable",
                        "chunk 1 (lines 1-2): COMMIT: no answer from the database within 10000 ms",
                        null));
    }
}
