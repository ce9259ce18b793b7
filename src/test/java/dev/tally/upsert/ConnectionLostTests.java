package dev.tally.upsert;

import static org.assertj.core.api.Assertions.assertThat;

import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTimeoutException;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.dao.DataAccessResourceFailureException;

/** Which errors mean the connection to PostgreSQL is gone, and so go to the chunk's recovery. */
class ConnectionLostTests {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(textBlock = """
            08006, true,  connection failure (the driver's closed connection too)
            08003, true,  connection does not exist
            08P01, true,  protocol violation
            57P01, true,  terminated by administrator command
            57P02, true,  crash shutdown
            57P03, true,  cannot connect now
            57014, false, query canceled
            55P03, false, lock not available
            55000, false, object not in prerequisite state
            53300, false, too many connections
            P0001, false, raise exception
            40001, false, serialization failure
            23505, false, unique violation
            """)
    void aServerErrorIsJudgedBySqlStateAloneWhateverTheDriversClass(String state, boolean lost, String name) {
        // The driver raises every SQLSTATE class it does not know as a resource error.
        R2dbcException error = new R2dbcNonTransientResourceException(name, state);

        assertThat(SqlError.of(error) instanceof SqlError.ConnectionLost).isEqualTo(lost);
    }

    @Test
    void aResourceErrorWithoutSqlStateIsLost() {
        assertThat(SqlError.isConnectionLost(new R2dbcNonTransientResourceException("Connection validation failed")))
                .isTrue();
        assertThat(SqlError.isConnectionLost(new R2dbcTimeoutException("Connection acquisition timed out")))
                .isFalse();
    }

    @Test
    void anIoErrorIsLost() {
        assertThat(SqlError.isConnectionLost(new UncheckedIOException(new IOException("Broken pipe"))))
                .isTrue();
        assertThat(SqlError.isConnectionLost(new IllegalStateException("a bug")))
                .isFalse();
    }

    @Test
    void anErrorSpringTranslatedIsJudgedByItsCause() {
        R2dbcException terminated = new R2dbcNonTransientResourceException("terminating connection", "57P01");
        R2dbcException unique = new R2dbcNonTransientResourceException("duplicate key", "23505");

        assertThat(SqlError.isConnectionLost(new DataAccessResourceFailureException("update", terminated)))
                .isTrue();
        assertThat(SqlError.isConnectionLost(new DataAccessResourceFailureException("update", unique)))
                .isFalse();
    }
}
