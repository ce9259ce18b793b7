/**
 * Datasets: the tables uploads may write, from configuration checked against the PostgreSQL
 * catalog at start-up, and {@code /v1/datasets}. Table and column names only ever come from here,
 * read from the catalog and quoted.
 */
@NullMarked
@ApplicationModule(allowedDependencies = {"access", "system"})
package dev.tally.dataset;

import org.jspecify.annotations.NullMarked;
import org.springframework.modulith.ApplicationModule;
