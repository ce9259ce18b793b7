package dev.tally.client;

/**
 * How many lines came to each outcome, for one chunk or a whole job: {@code received = inserted +
 * updated + unchanged + skipped + rejected}.
 */
public record Counts(long received, long inserted, long updated, long unchanged, long skipped, long rejected) {

    public static final Counts ZERO = new Counts(0, 0, 0, 0, 0, 0);
}
