/**
 * The upload: the route and the pipeline from request body to committed chunks, publishing the job's
 * events. Every line is accounted for, chunks commit in file order, and no event is published before its
 * chunk committed, except in an atomic or dry-run upload: one transaction, whose final event says
 * whether it was kept.
 */
@NullMarked
@ApplicationModule(allowedDependencies = {"access", "dataset", "events", "job", "ndjson", "record", "system", "upsert"})
package dev.tally.ingest;

import org.jspecify.annotations.NullMarked;
import org.springframework.modulith.ApplicationModule;
