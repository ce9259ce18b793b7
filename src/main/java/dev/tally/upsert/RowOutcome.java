package dev.tally.upsert;

import dev.tally.record.ParsedLine.Row;
import dev.tally.record.RejectCode;

/** What writing one row did, as the database reported it. */
public sealed interface RowOutcome {

    Row row();

    record Inserted(Row row) implements RowOutcome {}

    record Updated(Row row) implements RowOutcome {}

    /** The key exists and every provided value already equals the stored one: nothing written. */
    record Unchanged(Row row) implements RowOutcome {}

    /** Not written: {@code exists} (policy skip) or {@code stale} (update-if-newer). */
    record Skipped(Row row, String reason) implements RowOutcome {}

    /** The database refused the row, or it lacks a required column for an insert. */
    record Rejected(Row row, RejectCode code, String message) implements RowOutcome {}

    /** Policy {@code fail}: the key exists, and the job must stop here. */
    record KeyExists(Row row) implements RowOutcome {}
}
