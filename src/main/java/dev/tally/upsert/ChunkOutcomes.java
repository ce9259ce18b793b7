package dev.tally.upsert;

import dev.tally.dataset.Column;
import dev.tally.dataset.TableSchema;
import dev.tally.job.ChunkRecord;
import dev.tally.job.Counts;
import dev.tally.job.LoggedRow;
import dev.tally.job.LoggedRow.Outcome;
import dev.tally.job.RowKey;
import dev.tally.record.ParsedLine;
import dev.tally.record.ParsedLine.Row;
import dev.tally.record.RejectCode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

/**
 * A written chunk's accounting: counts by outcome, and the row log of its skipped and rejected
 * lines in line order, from the parse rejects and what the upsert counted and named.
 *
 * @param firstKeyExists under policy {@code fail}, the first row whose key existed, else null
 * @param refused whether the database refused a row ({@code constraint_violation}, {@code db_error})
 */
record ChunkOutcomes(ChunkRecord record, RowOutcome.@Nullable KeyExists firstKeyExists, boolean refused) {

    static ChunkOutcomes of(UUID job, ParsedChunk chunk, UpsertResult written, TableSchema schema, JsonMapper json) {
        long skipped = 0;
        RowOutcome.KeyExists firstKeyExists = null;
        boolean refused = false;
        List<LoggedRow> log = new ArrayList<>();
        List<Column> keyColumns = schema.keyColumns(); // built on each call
        for (ParsedLine.Reject reject : chunk.rejects()) {
            RowKey key = RowKey.of(reject.key() == null ? null : json.writeValueAsString(reject.key()));
            log.add(new LoggedRow(
                    reject.line(), Outcome.REJECTED, reject.code().code(), key, reject.message(), text(reject.text())));
        }
        for (RowOutcome outcome : written.others()) {
            switch (outcome) {
                case RowOutcome.Skipped s -> {
                    skipped++;
                    log.add(new LoggedRow(
                            s.row().line(),
                            Outcome.SKIPPED,
                            s.reason(),
                            RowKey.of(key(s.row(), keyColumns, json)),
                            null,
                            null));
                }
                case RowOutcome.Rejected r -> {
                    refused |= r.code() == RejectCode.CONSTRAINT_VIOLATION || r.code() == RejectCode.DB_ERROR;
                    log.add(new LoggedRow(
                            r.row().line(),
                            Outcome.REJECTED,
                            r.code().code(),
                            RowKey.of(key(r.row(), keyColumns, json)),
                            r.message(),
                            text(r.row().text())));
                }
                case RowOutcome.KeyExists k -> {
                    if (firstKeyExists == null
                            || k.row().line() < firstKeyExists.row().line()) {
                        firstKeyExists = k;
                    }
                }
            }
        }
        log.sort(Comparator.comparingLong(LoggedRow::line));
        long rejected = log.size() - skipped;
        Counts counts = Counts.of(written.inserted(), written.updated(), written.unchanged(), skipped, rejected);
        if (firstKeyExists == null && counts.received() != chunk.received()) {
            throw new IllegalStateException("chunk %d: %d lines received but %d accounted for"
                    .formatted(chunk.number(), chunk.received(), counts.received()));
        }
        return new ChunkOutcomes(
                new ChunkRecord(
                        job, chunk.number(), chunk.firstLine(), chunk.lastLine(), chunk.bytesRead(), null, counts, log),
                firstKeyExists,
                refused);
    }

    static String key(Row row, TableSchema schema, JsonMapper json) {
        return key(row, schema.keyColumns(), json);
    }

    private static String key(Row row, List<Column> keyColumns, JsonMapper json) {
        Map<String, Object> key = new LinkedHashMap<>();
        for (Column column : keyColumns) {
            key.put(column.name(), row.values()[column.index()]);
        }
        return json.writeValueAsString(key);
    }

    /** The line as sent; PostgreSQL text cannot hold NUL, and bytes that are not UTF-8 become U+FFFD. */
    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8).replace('\u0000', '\uFFFD');
    }
}
