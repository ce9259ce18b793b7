/**
 * Chunks to the database: the {@link dev.tally.upsert.ChunkWriter} owns each chunk's transaction from
 * BEGIN to the committed outcome (rows, ledger row, row log, commit order), writing rows with one
 * {@code INSERT … ON CONFLICT … RETURNING} per run of distinct keys, isolating row-level errors by
 * bisection and classifying every database error once, by SQLSTATE ({@link dev.tally.upsert.SqlError}).
 * Writing rows in a chunk gives the same result as writing them one at a time in order, and what a
 * writer emits is what is in the database.
 */
@NullMarked
@ApplicationModule(allowedDependencies = {"dataset", "job", "record", "system"})
package dev.tally.upsert;

import org.jspecify.annotations.NullMarked;
import org.springframework.modulith.ApplicationModule;
