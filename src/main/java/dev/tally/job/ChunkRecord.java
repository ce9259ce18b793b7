package dev.tally.job;

import java.util.List;
import java.util.UUID;

/** What the ledger keeps of one committed chunk: its line range, counts and row log. */
public record ChunkRecord(UUID job, int chunk, long firstLine, long lastLine, Counts counts, List<LoggedRow> rows) {}
