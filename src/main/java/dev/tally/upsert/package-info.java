/**
 * A chunk of rows to SQL: one {@code INSERT … ON CONFLICT … RETURNING} per run of distinct keys,
 * outcomes read from the database, row-level errors isolated by bisection and classified by
 * SQLSTATE. Writing rows in a chunk gives the same result as writing them one at a time in order.
 */
@ApplicationModule(allowedDependencies = {"dataset", "record", "system"})
package dev.tally.upsert;

import org.springframework.modulith.ApplicationModule;
