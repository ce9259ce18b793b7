package dev.tally.upsert;

import static org.assertj.core.api.Assertions.assertThat;

import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every SQLSTATE lands in exactly one class: a row's fault, run the chunk again, connection lost, or none. */
class SqlStatesTests {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(textBlock = """
            22012, row-constraint-no,  division by zero
            22P05, row-constraint-no,  untranslatable character
            22001, row-constraint-no,  string data right truncation
            23505, row-constraint-yes, unique violation
            23503, row-constraint-yes, foreign key violation
            23514, row-constraint-yes, check violation
            23502, row-constraint-yes, not null violation
            23P01, row-constraint-yes, exclusion violation
            21000, row-constraint-no,  cardinality violation
            44000, row-constraint-no,  with check option violation
            P0001, row-constraint-no,  raise exception
            P0004, row-constraint-no,  assert failure
            54000, row-constraint-no,  index row too large
            40001, retry,              serialization failure
            40P01, retry,              deadlock detected
            08006, connection,         connection failure
            08003, connection,         connection does not exist
            57P01, connection,         admin shutdown
            57P02, connection,         crash shutdown
            57P03, connection,         cannot connect now
            57014, none,               query canceled
            42P01, none,               undefined table
            42804, none,               datatype mismatch
            54001, none,               statement too complex
            53300, none,               too many connections
            """)
    void classifiesBySqlState(String state, String expected, String name) {
        R2dbcException error = new R2dbcException(name, state) {};

        String actual = SqlStates.isRowLevel(error)
                ? "row-constraint-" + (SqlStates.isConstraintViolation(error) ? "yes" : "no")
                : SqlStates.isRetryable(error) ? "retry" : SqlStates.isConnectionLost(error) ? "connection" : "none";

        assertThat(actual).isEqualTo(expected);
        assertThat(SqlStates.isRowLevel(error) && SqlStates.isRetryable(error)).isFalse();
        assertThat((SqlStates.isRowLevel(error) || SqlStates.isRetryable(error)) && SqlStates.isConnectionLost(error))
                .isFalse();
    }

    @Test
    void theDriversClosedConnectionIsLostWithoutSqlState() {
        R2dbcException closed = new R2dbcNonTransientResourceException("Connection closed");

        assertThat(SqlStates.isConnectionLost(closed)).isTrue();
        assertThat(SqlStates.isRowLevel(closed)).isFalse();
        assertThat(SqlStates.isRetryable(closed)).isFalse();
    }

    @Test
    void anErrorThatIsNotTheDatabasesIsNoneOfThem() {
        IllegalStateException bug = new IllegalStateException("a bug");

        assertThat(SqlStates.isRowLevel(bug)).isFalse();
        assertThat(SqlStates.isRetryable(bug)).isFalse();
        assertThat(SqlStates.isConnectionLost(bug)).isFalse();
    }
}
