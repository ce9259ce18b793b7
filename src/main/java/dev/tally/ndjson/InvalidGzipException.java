package dev.tally.ndjson;

/**
 * A gzip body that cannot be decoded: not gzip, corrupt deflate data, a checksum or length that
 * does not match, or a stream cut short. The lines decoded before it are valid; the line in
 * progress is not.
 */
public final class InvalidGzipException extends RuntimeException {

    private final String reason;
    private final Long line;

    InvalidGzipException(String reason) {
        this(reason, null);
    }

    private InvalidGzipException(String reason, Long line) {
        // An expected outcome of bad input, reported to the client: a stack trace would say nothing.
        super(line == null ? reason : reason + "; decoding stopped in line " + line, null, false, false);
        this.reason = reason;
        this.line = line;
    }

    /** The line that was being read when the stream broke, or null when not known. */
    public Long line() {
        return line;
    }

    /** This error, located in the line that was being read when the stream broke. */
    InvalidGzipException atLine(long line) {
        return new InvalidGzipException(reason, line);
    }
}
