package dev.tally.upsert;

import dev.tally.record.ParsedLine.Row;
import dev.tally.record.RejectCode;

/**
 * A row the upsert did not write and that must be accounted for by name: it is logged, or it
 * stops the job. Written and unchanged rows are only counted ({@link UpsertResult}).
 */
public sealed interface RowOutcome {

    Row row();

    /** Not written: {@code exists} (policy skip) or {@code stale} (update-if-newer). */
    record Skipped(Row row, String reason) implements RowOutcome {}

    /** The database refused the row, or it lacks a required column for an insert. */
    record Rejected(Row row, RejectCode code, String message) implements RowOutcome {}

    /** Policy {@code fail}: the key exists, and the job must stop here. */
    record KeyExists(Row row) implements RowOutcome {}
}
