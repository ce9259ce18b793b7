package dev.tally.job;

import java.util.Locale;

/** A job's lifecycle: {@code running}, then exactly one final status. */
public enum JobStatus {
    RUNNING,
    COMPLETED,
    FAILED,
    CANCELLED,
    ABORTED;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
