package dev.tally.job;

/**
 * The PostgreSQL channel on which a job's ledger tells followers on any instance that it changed:
 * {@code <job id>:<chunk>} when a chunk commits, {@code <job id>:end} when the job ends. PostgreSQL
 * delivers a notice only when the transaction that sent it commits.
 */
public final class LedgerChannel {

    public static final String NAME = "tally_chunks";

    private LedgerChannel() {}
}
