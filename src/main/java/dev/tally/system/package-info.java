/**
 * What every capability relies on: validated {@code tally.*} settings, the database made ready at
 * start-up (created, migrated) with one clear line when it cannot be reached, and problem responses.
 */
package dev.tally.system;
