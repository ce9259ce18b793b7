package dev.tally.ndjson;

/**
 * One non-blank line of the body with its physical, 1-based line number (blank lines count
 * toward numbering but are never emitted).
 */
public sealed interface Line {

    long number();

    /** A line within the size limit, without its terminating {@code \n} or {@code \r\n}. */
    record Text(long number, byte[] bytes) implements Line {}

    /**
     * A line over the limit: only its first bytes were kept, the rest skipped unread.
     *
     * @param head at most the first 1 KiB of the line
     * @param length the line's full length in bytes
     */
    record TooLong(long number, byte[] head, long length) implements Line {}
}
