package dev.tally.ingest;

import dev.tally.ndjson.Line;
import java.util.List;

/**
 * A run of contiguous lines, cut before parsing. Chunks tile the body: {@code firstLine} is the
 * previous chunk's {@code lastLine + 1}, so the blank lines between records belong to a chunk too.
 *
 * @param bytesRead the body's bytes, as sent, read when the chunk was cut
 */
record LineChunk(int number, long firstLine, long lastLine, List<Line> lines, long bytesRead) {}
