package dev.tally.job;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** A job's lifecycle: {@code running}, then exactly one final status. */
public enum JobStatus {
    RUNNING,
    COMPLETED,
    FAILED,
    CANCELLED,
    ABORTED;

    /** The status as API.md and {@code tally.job} spell it. */
    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The status a wire name (as stored in {@code tally.job}) names. */
    public static JobStatus of(String wireName) {
        return valueOf(wireName.toUpperCase(Locale.ROOT));
    }
}
