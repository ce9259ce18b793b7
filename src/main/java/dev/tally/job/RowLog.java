package dev.tally.job;

import io.r2dbc.spi.Readable;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.DatabaseClient.GenericExecuteSpec;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import tools.jackson.databind.json.JsonMapper;

/** A job's row log read back for {@code GET /v1/jobs/{id}/rows}: its skipped and rejected lines. */
@Component
class RowLog {

    private static final String ROWS_SQL = """
            SELECT line, outcome, reason, key::text AS key, message, text FROM tally.row_log
            WHERE job_id = $1 AND ($2::text IS NULL OR outcome = $2::text) AND line > $3
            ORDER BY line
            LIMIT $4
            """;

    private final DatabaseClient db;
    private final JsonMapper json;

    RowLog(DatabaseClient db, JsonMapper json) {
        this.db = db;
        this.json = json;
    }

    /**
     * The row log in line order, streamed: after line {@code after}, at most {@code limit} rows (null:
     * all of them), a range of the row log's primary key; {@code outcome} null means both skipped
     * and rejected.
     */
    Flux<RowLogEntry> rows(UUID id, LoggedRow.@Nullable Outcome outcome, long after, @Nullable Integer limit) {
        GenericExecuteSpec spec = db.sql(ROWS_SQL).bind("$1", id).bind("$3", after);
        spec = limit == null ? spec.bindNull("$4", Integer.class) : spec.bind("$4", limit);
        return (outcome == null ? spec.bindNull("$2", String.class) : spec.bind("$2", outcome.wireName()))
                .map(this::rowLogEntry)
                .all();
    }

    private RowLogEntry rowLogEntry(Readable row) {
        boolean skipped = "skipped".equals(row.get("outcome", String.class));
        String reason = row.get("reason", String.class);
        String key = row.get("key", String.class);
        return new RowLogEntry(
                row.get("line", Long.class),
                skipped ? "skipped" : "rejected",
                skipped ? reason : null,
                skipped ? null : reason,
                key == null ? null : json.readTree(key),
                row.get("message", String.class),
                row.get("text", String.class));
    }
}
