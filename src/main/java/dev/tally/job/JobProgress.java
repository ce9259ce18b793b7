package dev.tally.job;

/**
 * What the ledger holds of a job. Chunks commit strictly in order, so they cover a prefix of the
 * upload: lines 1 to {@code lastLine}, in chunks 1 to {@code chunks}, with these totals.
 */
public record JobProgress(int chunks, long lastLine, Counts totals) {

    /** A new job's: nothing committed yet. */
    public static final JobProgress NONE = new JobProgress(0, 0, Counts.ZERO);
}
