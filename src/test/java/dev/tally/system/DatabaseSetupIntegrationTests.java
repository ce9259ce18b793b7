package dev.tally.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import dev.tally.TallyApplication;
import dev.tally.TestDatabase;
import java.net.ConnectException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.util.unit.DataSize;

/** Start-up against the database server: creating the service's database, and refusing clearly without one. */
@ExtendWith(OutputCaptureExtension.class)
class DatabaseSetupIntegrationTests {

    private final TestDatabase db = TestDatabase.get();
    private static final String UNREACHABLE = "r2dbc:postgresql://127.0.0.1:1/tally_nowhere";

    // A database of this test's own on the test server, named after the run's database so runs never collide.
    private final String created = db.name() + "_setup";

    @AfterEach
    void dropCreatedDatabase() {
        db.update("DROP DATABASE IF EXISTS " + created + " WITH (FORCE)");
    }

    @Test
    void createsTheServiceDatabaseWhenMissingAndMigratesTallysTables() throws SQLException {
        assertThat(db.count("SELECT count(*) FROM pg_database WHERE datname = ?", created))
                .isZero();

        new DatabaseSetup(db.r2dbcUrl(created), db.user(), db.password(), properties());

        assertThat(db.count("SELECT count(*) FROM pg_database WHERE datname = ?", created))
                .isOne();
        assertThat(strings(
                        created,
                        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'tally' ORDER BY 1"))
                .containsExactly("chunk", "chunk_row_log", "flyway_schema_history", "job", "row_log", "token");
    }

    @Test
    void startingAgainOnAnExistingDatabaseKeepsItsRowsAndMigratesNothing() throws SQLException {
        new DatabaseSetup(db.r2dbcUrl(created), db.user(), db.password(), properties());
        try (Connection connection = db.connect(created);
                var statement = connection.createStatement()) {
            statement.executeUpdate("""
                    INSERT INTO tally.job (id, dataset, status, on_conflict, chunk_size, atomic, dry_run,
                                           unknown_fields, started_at)
                    VALUES (gen_random_uuid(), 'customers', 'running', 'skip', 100, false, false, 'reject', now())
                    """);
        }

        new DatabaseSetup(db.r2dbcUrl(created), db.user(), db.password(), properties());

        assertThat(strings(created, "SELECT count(*)::text FROM tally.job")).containsExactly("1");
        assertThat(strings(created, "SELECT version FROM tally.flyway_schema_history ORDER BY installed_rank"))
                .containsExactly(null, "1", "2", "3", "4", "5", "6"); // Flyway's schema-creation marker, then V1 to V6
    }

    @Test
    void unreachableServerIsDatabaseUnavailableNamingHostPortAndDatabase() {
        assertThatExceptionOfType(DatabaseUnavailableException.class)
                .isThrownBy(() -> new DatabaseSetup(UNREACHABLE, "postgres", "", properties()))
                .withMessageStartingWith(
                        "Cannot use PostgreSQL at 127.0.0.1:1, database tally_nowhere, as user postgres: ")
                .withCauseInstanceOf(SQLException.class)
                .satisfies(e ->
                        assertThat(((SQLException) e.getCause()).getSQLState()).isEqualTo("08001"));
    }

    @Test
    void failureAnalysisOfAnUnavailableDatabaseSaysWhatToStart() {
        var unavailable = new DatabaseUnavailableException(
                "Cannot use PostgreSQL at 127.0.0.1:1, database tally_nowhere, as user postgres: refused", null);

        FailureAnalysis analysis = new DatabaseUnavailableFailureAnalyzer()
                .analyze(new BeanCreationException("databaseSetup", "Constructor threw exception", unavailable));

        assertThat(analysis.getDescription()).isEqualTo(unavailable.getMessage());
        assertThat(analysis.getAction())
                .isEqualTo("Start PostgreSQL: `docker compose up -d db`, or a local PostgreSQL on localhost:5432,"
                        + " or point TALLY_DB_URL / TALLY_DB_USER / TALLY_DB_PASSWORD at one.");
        assertThat(analysis.getCause()).isSameAs(unavailable);
    }

    @Test
    void serviceStartingWithoutItsDatabaseReportsWhereItLookedAndWhatToStart(CapturedOutput output) {
        // Command-line arguments, unlike builder properties, outrank application.yml's TALLY_DB_URL default.
        var application = new SpringApplicationBuilder(TallyApplication.class);
        String[] args = {
            "--spring.r2dbc.url=" + UNREACHABLE,
            "--spring.main.web-application-type=none",
            "--spring.main.banner-mode=off"
        };

        assertThatExceptionOfType(BeanCreationException.class)
                .isThrownBy(() -> application.run(args))
                .havingRootCause()
                .isInstanceOf(ConnectException.class);
        assertThat(output)
                .contains("APPLICATION FAILED TO START")
                .contains("Cannot use PostgreSQL at 127.0.0.1:1, database tally_nowhere, as user postgres: ")
                .contains("Start PostgreSQL: `docker compose up -d db`");
    }

    private static TallyProperties properties() {
        return new TallyProperties(
                Map.of(),
                new TallyProperties.Ingest(
                        2000,
                        DataSize.ofMegabytes(8),
                        Duration.ofMillis(200),
                        4,
                        Duration.ofSeconds(2),
                        DataSize.ofMegabytes(1),
                        100,
                        Duration.ofSeconds(30),
                        Duration.ofSeconds(10),
                        10),
                List.of(),
                new TallyProperties.Retention(Duration.ofDays(7), Duration.ofDays(90), Duration.ofHours(1)),
                new TallyProperties.Events(Duration.ofSeconds(5)),
                new TallyProperties.Liveness(Duration.ofSeconds(10), Duration.ofSeconds(60)),
                new TallyProperties.Limits(100_000_000, 32, 16, Duration.ofSeconds(60)),
                new TallyProperties.Security(true, List.of()));
    }

    private List<String> strings(String database, String sql) throws SQLException {
        try (Connection connection = db.connect(database);
                var statement = connection.createStatement();
                ResultSet rs = statement.executeQuery(sql)) {
            List<String> values = new ArrayList<>();
            while (rs.next()) {
                values.add(rs.getString(1));
            }
            return values;
        }
    }
}
