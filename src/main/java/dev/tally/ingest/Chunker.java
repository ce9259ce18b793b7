package dev.tally.ingest;

import dev.tally.job.JobProgress;
import dev.tally.ndjson.Line;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import reactor.core.publisher.Flux;

/**
 * Cuts numbered lines into chunks at a row count, a byte budget, or once the chunk's first line
 * has waited {@code maxWait} (so a slow trickle still makes progress), whichever comes first.
 */
final class Chunker {

    private static final Object TICK = new Object();

    private Chunker() {}

    /**
     * Lines in, chunks out, in order. Holds at most one chunk's lines; reads upstream on demand
     * (plus Reactor's small prefetch). Cancel passes upstream and drops the partial chunk.
     */
    static Flux<LineChunk> chunks(Flux<Line> lines, int maxLines, long maxBytes, Duration maxWait) {
        return chunks(lines, maxLines, maxBytes, maxWait, JobProgress.NONE, () -> 0);
    }

    /**
     * The same, for an upload that resumes a job: its lines come after {@code before.lastLine()},
     * and its chunks are numbered after {@code before.chunks()}. Each chunk records {@code
     * bytesRead} as it was when the chunk was cut.
     */
    static Flux<LineChunk> chunks(
            Flux<Line> lines,
            int maxLines,
            long maxBytes,
            Duration maxWait,
            JobProgress before,
            LongSupplier bytesRead) {
        return Flux.defer(() -> {
            Cut cut = new Cut(maxLines, maxBytes, maxWait.toNanos(), before.chunks(), before.lastLine(), bytesRead);
            Flux<Object> ticks =
                    Flux.interval(maxWait.dividedBy(2)).onBackpressureDrop().map(i -> TICK);
            return lines.<Object>publish(shared -> Flux.merge(shared, ticks.takeUntilOther(shared.then())))
                    .bufferUntil(cut::isFull)
                    .mapNotNull(cut::chunk);
        });
    }

    /** One subscription's state: what the open chunk holds, and where the next one starts. */
    private static final class Cut {
        private final int maxLines;
        private final long maxBytes;
        private final long maxWaitNanos;
        private int lines;
        private long bytes;
        private long openedAt;
        private int chunks;
        private long lastLine;
        private final LongSupplier bytesRead;

        Cut(int maxLines, long maxBytes, long maxWaitNanos, int chunks, long lastLine, LongSupplier bytesRead) {
            this.maxLines = maxLines;
            this.maxBytes = maxBytes;
            this.maxWaitNanos = maxWaitNanos;
            this.chunks = chunks;
            this.lastLine = lastLine;
            this.bytesRead = bytesRead;
        }

        /** Whether the buffer ends with this item; a tick with nothing open flushes itself away. */
        boolean isFull(Object item) {
            if (item == TICK) {
                boolean full = lines == 0 || System.nanoTime() - openedAt >= maxWaitNanos;
                if (full) {
                    reset();
                }
                return full;
            }
            if (lines++ == 0) {
                openedAt = System.nanoTime();
            }
            bytes += switch ((Line) item) {
                case Line.Text text -> text.bytes().length;
                case Line.TooLong tooLong -> tooLong.head().length;
            };
            boolean full = lines >= maxLines || bytes >= maxBytes;
            if (full) {
                reset();
            }
            return full;
        }

        private void reset() {
            lines = 0;
            bytes = 0;
        }

        /** The buffer's lines as the next chunk, or null when it held only ticks. */
        LineChunk chunk(List<Object> buffer) {
            List<Line> chunkLines = new ArrayList<>(buffer.size());
            for (Object item : buffer) {
                if (item instanceof Line line) {
                    chunkLines.add(line);
                }
            }
            if (chunkLines.isEmpty()) {
                return null;
            }
            long first = lastLine + 1;
            lastLine = chunkLines.getLast().number();
            return new LineChunk(++chunks, first, lastLine, chunkLines, bytesRead.getAsLong());
        }
    }
}
