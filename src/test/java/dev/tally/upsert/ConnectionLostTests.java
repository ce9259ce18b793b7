package dev.tally.upsert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.system.ConnectionLoss;
import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTimeoutException;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.dao.DataAccessResourceFailureException;

/**
 * Which errors mean the connection to PostgreSQL is gone or cannot be had ({@link ConnectionLoss}),
 * and so go to the chunk's recovery or wait for the database: the same answer from {@link
 * SqlError#of}.
 */
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
        assertThat(ConnectionLoss.is(error)).isEqualTo(lost);
    }

    @Test
    void aResourceErrorWithoutSqlStateIsLost() {
        assertThat(ConnectionLoss.is(new R2dbcNonTransientResourceException("Connection validation failed")))
                .isTrue();
        assertThat(ConnectionLoss.is(new R2dbcTimeoutException("Connection acquisition timed out")))
                .isFalse();
    }

    @Test
    void anIoErrorIsLost() {
        assertThat(ConnectionLoss.is(new UncheckedIOException(new IOException("Broken pipe"))))
                .isTrue();
        assertThat(ConnectionLoss.is(new IllegalStateException("a bug"))).isFalse();
    }

    @Test
    void aFailureToObtainAConnectionSpringTranslatedIsLostWhateverItsCause() {
        // ALTER DATABASE … ALLOW_CONNECTIONS false: the database is away until it is allowed again.
        R2dbcException notAccepting =
                new R2dbcNonTransientResourceException("database is not currently accepting connections", "55000");

        assertThat(ConnectionLoss.is(notAccepting)).isFalse();
        assertThat(ConnectionLoss.is(
                        new DataAccessResourceFailureException("Failed to obtain R2DBC Connection", notAccepting)))
                .isTrue();
    }

    @Test
    void aFailureToConnectSpringTranslatedWithoutSqlStateIsLost() {
        IOException refused = new IOException("Connection refused: localhost/127.0.0.1:5432");

        assertThat(ConnectionLoss.is(
                        new DataAccessResourceFailureException("Failed to obtain R2DBC Connection", refused)))
                .isTrue();
        assertThat(ConnectionLoss.is(new DataAccessResourceFailureException("Failed to obtain R2DBC Connection")))
                .isTrue();
        assertThat(SqlError.of(new DataAccessResourceFailureException("Failed to obtain R2DBC Connection", refused)))
                .isEqualTo(new SqlError.ConnectionLost(null));
    }

    @Test
    void theOutermostOfASqlStateAndAResourceFailureDecides() {
        R2dbcException unique = new R2dbcNonTransientResourceException("duplicate key", "23505");
        R2dbcException uniqueOverBrokenPipe =
                new R2dbcNonTransientResourceException("duplicate key", "23505", new IOException("Broken pipe"));

        assertThat(ConnectionLoss.is(uniqueOverBrokenPipe)).isFalse();
        assertThat(ConnectionLoss.is(new UncheckedIOException(new IOException("Broken pipe", unique))))
                .isTrue();
        assertThat(ConnectionLoss.firstSqlState(new UncheckedIOException(new IOException("Broken pipe", unique))))
                .isEqualTo("23505");
    }
}
