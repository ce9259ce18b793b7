package dev.tally.ndjson;

import org.jspecify.annotations.Nullable;

/**
 * A gzip body that cannot be decoded: not gzip, corrupt deflate data, a checksum or length that
 * does not match, or a stream cut short. The lines decoded before it are valid; the line in
 * progress is not.
 */
public final class InvalidGzipException extends RuntimeException {

    private final String reason;
    private final @Nullable Long line;
    private final String message;

    InvalidGzipException(String reason) {
        this(reason, null);
    }

    private InvalidGzipException(String reason, @Nullable Long line) {
        // An expected outcome of bad input, reported to the client: a stack trace would say nothing.
        this(reason, line, line == null ? reason : reason + "; decoding stopped in line " + line);
    }

    private InvalidGzipException(String reason, @Nullable Long line, String message) {
        super(message, null, false, false);
        this.reason = reason;
        this.line = line;
        this.message = message;
    }

    /** Never null, unlike Throwable's: it becomes the job's error message. */
    @Override
    public String getMessage() {
        return message;
    }

    /** The line that was being read when the stream broke, or null when not known. */
    public @Nullable Long line() {
        return line;
    }

    /** This error, located in the line that was being read when the stream broke. */
    InvalidGzipException atLine(long line) {
        return new InvalidGzipException(reason, line);
    }
}
