/**
 * A chunk of rows to SQL: one {@code INSERT … ON CONFLICT … RETURNING} per run of distinct keys,
 * outcomes read from the database, row-level errors isolated by bisection and classified by
 * SQLSTATE. Writing rows in a chunk gives the same result as writing them one at a time in order.
 */
package dev.tally.upsert;
