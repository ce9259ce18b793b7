package dev.tally.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * V6 turns a row log of one row per line into one row per chunk: every line kept, in line order
 * within its chunk whatever order it was written in, and read back line by line through the
 * {@code tally.row_log} view exactly as the table held it.
 */
class RowLogMigrationIntegrationTests {

    private static final String JOB_A = "00000000-0000-0000-0000-00000000000a";
    private static final String JOB_B = "00000000-0000-0000-0000-00000000000b";
    private static final String LINES =
            "SELECT job_id || ' ' || line || ' ' || chunk || ' ' || outcome || ' ' || reason"
                    + " || ' ' || coalesce(key::text, '-') || ' ' || coalesce(message, '-') || ' ' || coalesce(text, '-')"
                    + " FROM tally.row_log ORDER BY job_id, line";

    private final TestDatabase db = TestDatabase.get();
    private final String created = db.name() + "_v6";

    @BeforeEach
    void createDatabaseAtV5() {
        db.update("CREATE DATABASE " + created);
        flyway().target("5").load().migrate();
    }

    @AfterEach
    void dropDatabase() {
        db.update("DROP DATABASE IF EXISTS " + created + " WITH (FORCE)");
    }

    @Test
    void eachChunksLinesBecomeOneRowOfArraysInLineOrder() throws SQLException {
        // Written out of line order, and job B's line 5 between job A's.
        update("""
                INSERT INTO tally.row_log (job_id, line, chunk, outcome, reason, key, message, text) VALUES
                    ('%1$s', 5, 1, 'rejected', 'invalid_json', NULL, 'Unexpected end-of-input', '{"id":5'),
                    ('%1$s', 2, 1, 'skipped', 'exists', '{"id": 2}', NULL, NULL),
                    ('%2$s', 5, 3, 'skipped', 'stale', '{"id": 5, "code": "x"}', NULL, NULL),
                    ('%1$s', 12, 2, 'skipped', 'exists', '{"id": 12}', NULL, NULL),
                    ('%1$s', 11, 2, 'rejected', 'constraint_violation', '{"id": 11}', 'new row violates "qty"', '{"id":11,"qty":-1}'),
                    ('%1$s', 14, 2, 'skipped', 'exists', '{"id": 14}', NULL, NULL)
                """.formatted(JOB_A, JOB_B));
        List<String> before = strings(LINES);

        flyway().load().migrate();

        assertThat(strings("SELECT max(version) FROM tally.flyway_schema_history"))
                .containsExactly("6");
        assertThat(strings("""
                        SELECT job_id || ' ' || chunk || ' ' || first_line || '-' || last_line || ' ' || lines::text
                               || ' ' || outcomes::text || ' ' || reasons::text || ' ' || keys::text
                               || ' ' || messages::text || ' ' || texts::text
                        FROM tally.chunk_row_log ORDER BY job_id, chunk
                        """))
                .containsExactly(
                        JOB_A + " 1 2-5 {2,5} {skipped,rejected} {exists,invalid_json} {\"{\\\"id\\\": 2}\",NULL}"
                                + " {NULL,\"Unexpected end-of-input\"} {NULL,\"{\\\"id\\\":5\"}",
                        JOB_A + " 2 11-14 {11,12,14} {rejected,skipped,skipped} {constraint_violation,exists,exists}"
                                + " {\"{\\\"id\\\": 11}\",\"{\\\"id\\\": 12}\",\"{\\\"id\\\": 14}\"}"
                                + " {\"new row violates \\\"qty\\\"\",NULL,NULL} {\"{\\\"id\\\":11,\\\"qty\\\":-1}\",NULL,NULL}",
                        JOB_B
                                + " 3 5-5 {5} {skipped} {stale} {\"{\\\"id\\\": 5, \\\"code\\\": \\\"x\\\"}\"} {NULL} {NULL}");
        assertThat(strings(LINES))
                .isEqualTo(before)
                .containsExactly(
                        JOB_A + " 2 1 skipped exists {\"id\": 2} - -",
                        JOB_A + " 5 1 rejected invalid_json - Unexpected end-of-input {\"id\":5",
                        JOB_A
                                + " 11 2 rejected constraint_violation {\"id\": 11} new row violates \"qty\" {\"id\":11,\"qty\":-1}",
                        JOB_A + " 12 2 skipped exists {\"id\": 12} - -",
                        JOB_A + " 14 2 skipped exists {\"id\": 14} - -",
                        JOB_B + " 5 3 skipped stale {\"id\": 5, \"code\": \"x\"} - -");
    }

    @Test
    void anEmptyRowLogStaysEmptyAndTheViewReadsNothing() throws SQLException {
        flyway().load().migrate();

        assertThat(strings("SELECT count(*)::text FROM tally.chunk_row_log")).containsExactly("0");
        assertThat(strings(LINES)).isEmpty();
    }

    private org.flywaydb.core.api.configuration.FluentConfiguration flyway() {
        return Flyway.configure()
                .dataSource(db.jdbcUrl(created), db.user(), db.password())
                .schemas("tally")
                .createSchemas(true)
                .locations("classpath:db/migration");
    }

    private void update(String sql) throws SQLException {
        try (Connection connection = db.connect(created);
                var statement = connection.createStatement()) {
            statement.executeUpdate(sql);
        }
    }

    private List<String> strings(String sql) throws SQLException {
        try (Connection connection = db.connect(created);
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
