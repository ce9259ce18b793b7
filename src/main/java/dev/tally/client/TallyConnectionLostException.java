package dev.tally.client;

import org.jspecify.annotations.Nullable;

/**
 * The connection to Tally broke (or its answer ended early) and the client did not, or could no
 * longer, resume. What committed stays committed: {@code committedLine} is the last line a chunk
 * event reported, and the same upload sent again with the same Idempotency-Key resumes after it.
 */
public final class TallyConnectionLostException extends TallyException {

    private final @Nullable String job;
    private final long committedLine;

    TallyConnectionLostException(String message, @Nullable String job, long committedLine, Throwable cause) {
        super(message, cause);
        this.job = job;
        this.committedLine = committedLine;
    }

    /** The job the upload started, or null when it broke before Tally accepted it. */
    public @Nullable String job() {
        return job;
    }

    public long committedLine() {
        return committedLine;
    }
}
