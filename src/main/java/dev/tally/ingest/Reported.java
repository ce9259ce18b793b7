package dev.tally.ingest;

import dev.tally.job.ChunkRecord;
import dev.tally.job.Counts;
import dev.tally.job.JobProgress;

/**
 * What an upload's chunk events reported so far: the job's totals and last chunk, and what an
 * upload in one transaction wrote, counted in the metrics once, and only if, it commits.
 */
record Reported(Counts totals, int chunks, LineTally uncommitted) {

    /** Before the first chunk: what the job's ledger holds already. */
    static Reported before(JobProgress ledger) {
        return new Reported(ledger.totals(), ledger.chunks(), LineTally.NONE);
    }

    /** After a chunk committed. */
    Reported committed(ChunkRecord chunk) {
        return new Reported(totals.plus(chunk.counts()), chunk.chunk(), uncommitted);
    }

    /** After a chunk was written in the upload's one transaction, not committed yet. */
    Reported written(ChunkRecord chunk) {
        return new Reported(totals.plus(chunk.counts()), chunk.chunk(), uncommitted.plus(LineTally.of(chunk)));
    }
}
