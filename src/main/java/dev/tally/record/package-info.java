/**
 * Turns one numbered NDJSON line into a {@link dev.tally.record.ParsedLine.Row} of values already
 * converted to the table's column types, or a {@link dev.tally.record.ParsedLine.Reject} with a
 * code and message that name the first problem in field order. It promises never to throw for bad
 * input, to keep no state between lines (one parser serves parallel threads), and never to touch
 * the database: whether a row inserts is decided later, at write time.
 */
@NullMarked
@ApplicationModule(allowedDependencies = {"dataset", "ndjson"})
package dev.tally.record;

import org.jspecify.annotations.NullMarked;
import org.springframework.modulith.ApplicationModule;
