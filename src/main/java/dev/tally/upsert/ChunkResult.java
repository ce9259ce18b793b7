package dev.tally.upsert;

import dev.tally.job.ChunkRecord;
import dev.tally.job.JobError;

/**
 * How a chunk ended. {@link Committed} counts toward the job's totals; {@link Written} toward those
 * of an upload written in one transaction, which says at its end whether it was kept.
 */
public sealed interface ChunkResult {

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
     * Written in the upload's one transaction (atomic or dry run) and recorded in the ledger; not
     * committed yet.
     *
     * @param cancelRequested whether the job's cancel had been requested when its ledger row was written
     */
    record Written(ChunkRecord record, boolean cancelRequested) implements ChunkResult {
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
