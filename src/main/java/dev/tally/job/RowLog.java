package dev.tally.job;

import io.r2dbc.spi.Readable;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * A job's row log read back for {@code GET /v1/jobs/{id}/rows}: its skipped and rejected lines.
 *
 * <p>The row log holds one row per chunk, its lines as arrays in line order. The chunks are read a
 * few at a time, in line order, by a range of the primary key {@code (job_id, last_line)}, and
 * their arrays are unnested here. Unnested in SQL, ordering the lines took a sort of every line
 * after the page's first (the planner, unsure how many lines an array holds, did not stop early):
 * 320 ms for a page of 50 from the middle of 500,000 lines, where reading its chunks takes about
 * 10 ms.
 */
@Component
class RowLog {

    /** Chunks read a query: enough for a page of most sizes in one round trip, few enough to hold. */
    static final int CHUNKS_PER_QUERY = 4;

    // A chunk without a line of the wanted outcome is passed over here, not sent.
    private static final String CHUNKS_SQL = """
            SELECT last_line, lines, outcomes, reasons, keys::text[] AS keys, messages, texts
            FROM tally.chunk_row_log
            WHERE job_id = $1 AND last_line > $2 AND ($3::text IS NULL OR $3::text = ANY (outcomes))
            ORDER BY last_line
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
     * all of them); {@code outcome} null means both skipped and rejected. The next chunks are read
     * only once the previous ones were emitted.
     */
    Flux<RowLogEntry> rows(UUID id, LoggedRow.@Nullable Outcome outcome, long after, @Nullable Integer limit) {
        String wanted = outcome == null ? null : outcome.wireName();
        Flux<RowLogEntry> rows = chunks(id, wanted, after)
                .expand(chunks -> chunks.size() < CHUNKS_PER_QUERY
                        ? Mono.empty()
                        : chunks(id, wanted, chunks.getLast().lastLine()))
                .concatMapIterable(chunks -> entries(chunks, wanted, after), 1);
        return limit == null ? rows : rows.take(limit, true);
    }

    /** The next chunks of the row log whose last line is after {@code after}. */
    private Mono<List<ChunkLog>> chunks(UUID id, @Nullable String outcome, long after) {
        var spec = db.sql(CHUNKS_SQL).bind("$1", id).bind("$2", after).bind("$4", CHUNKS_PER_QUERY);
        return (outcome == null ? spec.bindNull("$3", String.class) : spec.bind("$3", outcome))
                .map(ChunkLog::of)
                .all()
                .collectList();
    }

    private List<RowLogEntry> entries(List<ChunkLog> chunks, @Nullable String outcome, long after) {
        List<RowLogEntry> entries = new ArrayList<>();
        for (ChunkLog chunk : chunks) {
            for (int i = 0; i < chunk.lines().length; i++) {
                if (chunk.lines()[i] > after && (outcome == null || outcome.equals(chunk.outcomes()[i]))) {
                    entries.add(entry(chunk, i));
                }
            }
        }
        return entries;
    }

    private RowLogEntry entry(ChunkLog chunk, int i) {
        boolean skipped = "skipped".equals(chunk.outcomes()[i]);
        String reason = chunk.reasons()[i];
        String key = chunk.keys()[i];
        return new RowLogEntry(
                chunk.lines()[i],
                skipped ? "skipped" : "rejected",
                skipped ? reason : null,
                skipped ? null : reason,
                key == null ? null : json.readTree(key),
                chunk.messages()[i],
                chunk.texts()[i]);
    }

    /** One chunk's row of the row log: element i of each array is its i-th logged line's. */
    private record ChunkLog(
            long lastLine,
            Long[] lines,
            String[] outcomes,
            String[] reasons,
            @Nullable String[] keys,
            @Nullable String[] messages,
            @Nullable String[] texts) {

        static ChunkLog of(Readable row) {
            return new ChunkLog(
                    row.get("last_line", Long.class),
                    row.get("lines", Long[].class),
                    row.get("outcomes", String[].class),
                    row.get("reasons", String[].class),
                    row.get("keys", String[].class),
                    row.get("messages", String[].class),
                    row.get("texts", String[].class));
        }
    }
}
