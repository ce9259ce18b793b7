package dev.tally.ingest;

import dev.tally.job.JobError;
import dev.tally.job.JobStatus;
import dev.tally.job.Jobs;
import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/** Where an upload records its job's end ({@link Jobs#finish}), answering the totals the ledger holds. */
@FunctionalInterface
interface JobRow {

    Mono<Jobs.Finished> finish(UUID job, JobStatus status, @Nullable JobError error, Instant endedAt);
}
