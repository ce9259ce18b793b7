package dev.tally.job;

/** Line counts by outcome; always {@code received = inserted + updated + unchanged + skipped + rejected}. */
public record Counts(long received, long inserted, long updated, long unchanged, long skipped, long rejected) {

    public static final Counts ZERO = new Counts(0, 0, 0, 0, 0, 0);

    public Counts {
        if (received != inserted + updated + unchanged + skipped + rejected) {
            throw new IllegalArgumentException("counts do not add up: " + received + " received, " + inserted + "+"
                    + updated + "+" + unchanged + "+" + skipped + "+" + rejected);
        }
    }

    public static Counts of(long inserted, long updated, long unchanged, long skipped, long rejected) {
        return new Counts(
                inserted + updated + unchanged + skipped + rejected, inserted, updated, unchanged, skipped, rejected);
    }

    public Counts plus(Counts other) {
        return new Counts(
                received + other.received,
                inserted + other.inserted,
                updated + other.updated,
                unchanged + other.unchanged,
                skipped + other.skipped,
                rejected + other.rejected);
    }
}
