package dev.tally.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.TallyIntegrationTest;
import dev.tally.TestDatabase;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** The defaults: row logs are kept 7 days after their job ended, job rows and ledgers 90 days. */
@TallyIntegrationTest
class RetentionIntegrationTests {

    private final TestDatabase db = TestDatabase.get();

    @Autowired
    Retention retention;

    @Test
    void rowLogsGoAfterSevenDaysJobsAfterNinetyAndRunningJobsNever() {
        Instant now = Instant.now();
        UUID yesterday = job("completed", now.minus(Duration.ofDays(1)));
        UUID lastWeek = job("failed", now.minus(Duration.ofDays(8)));
        UUID lastYear = job("aborted", now.minus(Duration.ofDays(100)));
        UUID stillRunning = job("running", null);
        db.update(
                "UPDATE tally.job SET started_at = ? WHERE id = ?",
                Timestamp.from(now.minus(Duration.ofDays(200))),
                stillRunning);

        Retention.Purged purged = retention.purge(now).block();

        // Rows are the row log's lines, three a job, though it holds them as one row per chunk.
        assertThat(purged).isEqualTo(new Retention.Purged(1, 6));
        assertThat(left(yesterday)).isEqualTo("job 1, chunks 2, rows 3");
        assertThat(left(lastWeek)).isEqualTo("job 1, chunks 2, rows 0");
        assertThat(left(lastYear)).isEqualTo("job 0, chunks 0, rows 0");
        assertThat(left(stillRunning)).isEqualTo("job 1, chunks 2, rows 3");
        assertThat(retention.purge(now).block()).isEqualTo(new Retention.Purged(0, 0));
    }

    /** A job of three lines in two chunks: line 1 rejected, lines 2 and 3 skipped, all in its row log. */
    private UUID job(String status, Instant endedAt) {
        UUID id = UUID.randomUUID();
        db.update("""
                INSERT INTO tally.job (id, dataset, status, on_conflict, chunk_size, atomic, dry_run, unknown_fields,
                                       started_at, ended_at, received, skipped, rejected, chunks)
                VALUES (?, 'things', ?, 'skip', 2, false, false, 'reject', now(), ?::timestamptz, 3, 2, 1, 2)
                """, id, status, endedAt == null ? null : Timestamp.from(endedAt));
        db.update("""
                INSERT INTO tally.chunk (job_id, chunk, first_line, last_line, received, inserted, updated, unchanged,
                                         skipped, rejected)
                VALUES (?, 1, 1, 1, 1, 0, 0, 0, 0, 1), (?, 2, 2, 3, 2, 0, 0, 0, 2, 0)
                """, id, id);
        db.update("""
                INSERT INTO tally.chunk_row_log (job_id, chunk, first_line, last_line, lines, outcomes, reasons, keys,
                                                 messages, texts)
                VALUES (?, 1, 1, 1, '{1}', '{rejected}', '{invalid_json}', '{NULL}', '{bad}', '{x}'),
                       (?, 2, 2, 3, '{2,3}', '{skipped,skipped}', '{exists,exists}', ARRAY['{"id": 2}', '{"id": 3}']::jsonb[],
                        '{NULL,NULL}', '{NULL,NULL}')
                """, id, id);
        return id;
    }

    private String left(UUID job) {
        return "job %d, chunks %d, rows %d"
                .formatted(
                        db.count("SELECT count(*) FROM tally.job WHERE id = ?", job),
                        db.count("SELECT count(*) FROM tally.chunk WHERE job_id = ?", job),
                        db.count("SELECT count(*) FROM tally.row_log WHERE job_id = ?", job));
    }
}
