package dev.tally.job;

import io.r2dbc.spi.Readable;

/**
 * A job's totals as the sum of its ledger, the one projection that every statement reading them
 * uses: while a job runs they are this sum, and its row keeps the sum it had when it ended.
 */
final class LedgerSums {

    /** The six counts summed over a job's {@code tally.chunk} rows, 0 when there are none. */
    static final String COUNTS = """
            coalesce(sum(received), 0) AS received, coalesce(sum(inserted), 0) AS inserted,
            coalesce(sum(updated), 0) AS updated, coalesce(sum(unchanged), 0) AS unchanged,
            coalesce(sum(skipped), 0) AS skipped, coalesce(sum(rejected), 0) AS rejected""";

    /** The counts, the number of committed chunks and the body's bytes they came from. */
    static final String TOTALS = COUNTS + ", count(*)::integer AS chunks, coalesce(max(bytes_read), 0) AS bytes_read";

    private LedgerSums() {}

    /** The counts of a row that has the columns of {@link #COUNTS}. */
    static Counts counts(Readable row) {
        return new Counts(
                number(row, "received"),
                number(row, "inserted"),
                number(row, "updated"),
                number(row, "unchanged"),
                number(row, "skipped"),
                number(row, "rejected"));
    }

    /** A numeric column, whichever integer type PostgreSQL gave it (a sum of integers is numeric). */
    static long number(Readable row, String column) {
        return ((Number) row.get(column)).longValue();
    }
}
