/**
 * Jobs, the chunk ledger and the row log, and {@code /v1/jobs}. A chunk's ledger row and row log
 * are written in the chunk's own transaction, so the ledger is always the truth about what committed.
 */
@NullMarked
@ApplicationModule(allowedDependencies = {"access", "dataset", "system"})
package dev.tally.job;

import org.jspecify.annotations.NullMarked;
import org.springframework.modulith.ApplicationModule;
