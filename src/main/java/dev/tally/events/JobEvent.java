package dev.tally.events;

import dev.tally.job.ChunkRecord;
import dev.tally.job.Counts;
import dev.tally.job.JobError;
import dev.tally.job.JobStatus;
import dev.tally.job.LoggedRow;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/** What a job tells its subscribers, in order: started, chunks committed, ended. */
public sealed interface JobEvent {

    UUID job();

    /** The event's SSE id: 0 for the start, the last chunk's number for chunks, one more for the end. */
    long id();

    record Started(
            UUID job,
            String dataset,
            String onConflict,
            int chunkSize,
            boolean atomic,
            boolean dryRun,
            Instant startedAt,
            @Nullable Long bytesTotal)
            implements JobEvent {
        @Override
        public long id() {
            return 0;
        }
    }

    /**
     * One or more consecutive committed chunks; several when a slow reader let them merge. For an
     * upload in one transaction (atomic or dry run), chunks written, not committed yet.
     *
     * @param bytesRead the body's bytes read when the last chunk was cut
     * @param committedAt when the last chunk's ledger row was written
     * @param skipped at most the configured number of skipped rows, in line order
     * @param truncated whether rows were left out of {@code skipped} or {@code rejected}
     */
    record ChunksCommitted(
            UUID job,
            int firstChunk,
            int lastChunk,
            long firstLine,
            long lastLine,
            long bytesRead,
            Instant committedAt,
            Counts counts,
            Counts totals,
            List<LoggedRow> skipped,
            List<LoggedRow> rejected,
            boolean truncated)
            implements JobEvent {

        /** One committed chunk's event; at most {@code maxRows} skipped and as many rejected rows are listed. */
        public static ChunksCommitted of(ChunkRecord record, Counts totals, int maxRows) {
            List<LoggedRow> skipped = new ArrayList<>();
            List<LoggedRow> rejected = new ArrayList<>();
            boolean truncated = false;
            for (LoggedRow row : record.rows()) {
                List<LoggedRow> list = row.outcome() == LoggedRow.Outcome.SKIPPED ? skipped : rejected;
                if (list.size() < maxRows) {
                    list.add(row);
                } else {
                    truncated = true;
                }
            }
            return new ChunksCommitted(
                    record.job(),
                    record.chunk(),
                    record.chunk(),
                    record.firstLine(),
                    record.lastLine(),
                    record.bytesRead(),
                    // Published once its ledger row is written, which stamps the time.
                    Objects.requireNonNull(record.committedAt(), "a chunk published before it committed"),
                    record.counts(),
                    totals,
                    skipped,
                    rejected,
                    truncated);
        }

        @Override
        public long id() {
            return lastChunk;
        }

        /** This event followed by the next: counts summed, ranges joined, row lists capped. */
        ChunksCommitted merge(ChunksCommitted next, int maxRows) {
            List<LoggedRow> mergedSkipped = capped(skipped, next.skipped, maxRows);
            List<LoggedRow> mergedRejected = capped(rejected, next.rejected, maxRows);
            boolean cut = mergedSkipped.size() < skipped.size() + next.skipped.size()
                    || mergedRejected.size() < rejected.size() + next.rejected.size();
            return new ChunksCommitted(
                    job,
                    firstChunk,
                    next.lastChunk,
                    firstLine,
                    next.lastLine,
                    next.bytesRead,
                    next.committedAt,
                    counts.plus(next.counts),
                    next.totals,
                    mergedSkipped,
                    mergedRejected,
                    truncated || next.truncated || cut);
        }

        private static List<LoggedRow> capped(List<LoggedRow> first, List<LoggedRow> second, int maxRows) {
            List<LoggedRow> rows = new ArrayList<>(Math.min(maxRows, first.size() + second.size()));
            for (List<LoggedRow> part : List.of(first, second)) {
                for (LoggedRow row : part) {
                    if (rows.size() == maxRows) {
                        return rows;
                    }
                    rows.add(row);
                }
            }
            return rows;
        }
    }

    /**
     * The final event, named after the status.
     *
     * @param rowsPerSecond as {@link dev.tally.job.JobDocument#rowsPerSecond} gives it: to one decimal
     * @param committed for atomic and dry-run jobs, whether the work was kept; null otherwise
     */
    record Ended(
            UUID job,
            long id,
            JobStatus status,
            Counts totals,
            int chunks,
            long durationMs,
            double rowsPerSecond,
            @Nullable JobError error,
            @Nullable Boolean committed)
            implements JobEvent {}
}
