package dev.tally.job;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * What the ledger keeps of one committed chunk: its line range, counts and row log, the body's
 * bytes read when it was cut, and when {@link ChunkLedger#record} wrote it, last in the chunk's
 * transaction once the previous chunk committed (null before): so in chunk order, and in
 * microseconds, as PostgreSQL keeps it, so that a replayed event equals the live one.
 */
public record ChunkRecord(
        UUID job,
        int chunk,
        long firstLine,
        long lastLine,
        long bytesRead,
        @Nullable Instant committedAt,
        Counts counts,
        List<LoggedRow> rows) {

    ChunkRecord committedAt(Instant time) {
        return new ChunkRecord(job, chunk, firstLine, lastLine, bytesRead, time, counts, rows);
    }
}
