package dev.tally.upsert;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.TestDatabase;
import dev.tally.record.RejectCode;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Result;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** The classification of errors as PostgreSQL and its driver raise them: SQLSTATE, constraint and detail. */
class SqlErrorIntegrationTests {

    private final TestDatabase db = TestDatabase.get();

    @Test
    void aUniqueViolationIsAConstraintNamedWithTheDatabasesDetail() {
        SqlError error = classify("INSERT INTO probe VALUES (1, 1)");

        assertThat(error)
                .isEqualTo(new SqlError.Constraint(
                        "23505",
                        "probe_pkey",
                        "duplicate key value violates unique constraint \"probe_pkey\": Key (id)=(1) already exists."));
        assertThat(((SqlError.RowLevel) error).code()).isEqualTo(RejectCode.CONSTRAINT_VIOLATION);
    }

    @Test
    void aConstraintTheMessageDoesNotNameIsNamedAfterIt() {
        SqlError error = classify("DO $$ BEGIN RAISE 'v must be even' USING ERRCODE = 'check_violation',"
                + " CONSTRAINT = 'probe_v_even'; END $$");

        assertThat(error)
                .isEqualTo(new SqlError.Constraint(
                        "23514", "probe_v_even", "v must be even (constraint \"probe_v_even\")"));
    }

    @Test
    void aValueTheColumnCannotTakeIsData() {
        assertThat(classify("INSERT INTO probe VALUES (2, 1 / 0)"))
                .isEqualTo(new SqlError.Data("22012", "division by zero"));
    }

    @Test
    void aMissingTableIsNeitherTheRowsFaultNorRetried() {
        assertThat(classify("INSERT INTO no_such_table VALUES (1)")).isEqualTo(new SqlError.Other("42P01"));
    }

    /** Runs {@code sql} after a row with id 1 is in a temporary table {@code probe(id, v)}, and classifies its error. */
    private SqlError classify(String sql) {
        return Mono.usingWhen(
                        Mono.from(ConnectionFactories.get(options()).create()),
                        connection -> run(connection, "CREATE TEMPORARY TABLE probe (id bigint PRIMARY KEY, v bigint)")
                                .then(run(connection, "INSERT INTO probe VALUES (1, 0)"))
                                .then(run(connection, sql))
                                .then(Mono.<SqlError>error(new AssertionError("no error from " + sql)))
                                .onErrorResume(e -> !(e instanceof AssertionError), e -> Mono.just(SqlError.of(e))),
                        Connection::close)
                .block(Duration.ofSeconds(10));
    }

    private ConnectionFactoryOptions options() {
        ConnectionFactoryOptions.Builder options =
                ConnectionFactoryOptions.parse(db.r2dbcUrl()).mutate().option(ConnectionFactoryOptions.USER, db.user());
        if (db.password() != null) {
            options.option(ConnectionFactoryOptions.PASSWORD, db.password());
        }
        return options.build();
    }

    private static Mono<Void> run(Connection connection, String sql) {
        return Flux.from(connection.createStatement(sql).execute())
                .flatMap(Result::getRowsUpdated)
                .then();
    }
}
