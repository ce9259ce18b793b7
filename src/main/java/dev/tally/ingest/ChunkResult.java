package dev.tally.ingest;

import dev.tally.job.ChunkRecord;
import dev.tally.job.JobError;

/** How a chunk ended. Only {@link Committed} counts toward the job's totals. */
sealed interface ChunkResult {

    int chunk();

    /**
     * Its data, ledger row and row log committed together.
     *
     * @param cancelRequested whether the job's cancel had been requested when its ledger row was written
     */
    record Committed(ChunkRecord record, boolean cancelRequested) implements ChunkResult {
        @Override
        public int chunk() {
            return record.chunk();
        }
    }

    /**
     * This chunk stopped the job (a key existed under {@code fail}, too many rejects, or an error
     * writing it); rolled back.
     */
    record Stopped(int chunk, JobError error) implements ChunkResult {}

    /** Not kept: rolled back because an earlier chunk stopped the job, or never started because the upload stopped. */
    record Dropped(int chunk) implements ChunkResult {}
}
