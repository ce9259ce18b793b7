package dev.tally.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** A job's row and ledger read straight from the database, for tests that stop uploads midway. */
public final class JobLedger {

    private static final Duration POLL = Duration.ofMillis(20);

    private JobLedger() {}

    /** The job's final status, once it is no longer running; fails if it still runs after {@code timeout}. */
    public static String awaitEnd(TestDatabase db, String job, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String status = status(db, job);
            if (!status.equals("running")) {
                return status;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Job %s still running after %s; sessions: %s"
                        .formatted(
                                job,
                                timeout,
                                db.query("SELECT pid, state, wait_event_type, left(query, 80) AS query"
                                        + " FROM pg_stat_activity WHERE datname = current_database()")));
            }
            Thread.sleep(POLL);
        }
    }

    public static String status(TestDatabase db, String job) {
        return (String) db.query("SELECT status FROM tally.job WHERE id = ?", UUID.fromString(job))
                .getFirst()
                .get("status");
    }

    /** Waits until the ledger holds at least {@code chunks} chunks of the job. */
    public static void awaitChunks(TestDatabase db, String job, int chunks, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (db.count("SELECT count(*) FROM tally.chunk WHERE job_id = ?", UUID.fromString(job)) < chunks) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Job " + job + " has not committed " + chunks + " chunks in " + timeout);
            }
            Thread.sleep(POLL);
        }
    }

    /**
     * Asserts that the ended job's totals and chunk count are the sums of its ledger, and that its
     * committed chunks are 1..n, tiling the lines from 1 without a gap: a prefix of the upload.
     * Returns the last line of the last committed chunk, 0 when none committed.
     */
    public static long assertTotalsEqualLedger(TestDatabase db, String job, String context) {
        UUID id = UUID.fromString(job);
        Map<String, Object> totals = db.query(
                        "SELECT received, inserted, updated, unchanged, skipped, rejected, chunks FROM tally.job"
                                + " WHERE id = ?",
                        id)
                .getFirst();
        Map<String, Object> ledger = db.query(
                        "SELECT coalesce(sum(received), 0)::bigint AS received, coalesce(sum(inserted), 0)::bigint"
                                + " AS inserted, coalesce(sum(updated), 0)::bigint AS updated,"
                                + " coalesce(sum(unchanged), 0)::bigint AS unchanged, coalesce(sum(skipped), 0)::bigint"
                                + " AS skipped, coalesce(sum(rejected), 0)::bigint AS rejected,"
                                + " count(*)::integer AS chunks FROM tally.chunk WHERE job_id = ?",
                        id)
                .getFirst();
        assertThat(totals).as("job totals vs ledger, %s", context).isEqualTo(ledger);
        List<Map<String, Object>> chunks =
                db.query("SELECT chunk, first_line, last_line FROM tally.chunk WHERE job_id = ? ORDER BY chunk", id);
        long nextLine = 1;
        for (int i = 0; i < chunks.size(); i++) {
            Map<String, Object> chunk = chunks.get(i);
            assertThat(chunk.get("chunk")).as("chunk numbers, %s", context).isEqualTo(i + 1);
            assertThat(chunk.get("first_line"))
                    .as("chunk %d's first line, %s", i + 1, context)
                    .isEqualTo(nextLine);
            nextLine = (Long) chunk.get("last_line") + 1;
        }
        return nextLine - 1;
    }
}
