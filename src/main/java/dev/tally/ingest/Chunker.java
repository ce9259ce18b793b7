package dev.tally.ingest;

import dev.tally.job.JobProgress;
import dev.tally.ndjson.Line;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.concurrent.Queues;

/**
 * Cuts numbered lines into chunks at a row count, a byte budget, or once the chunk's first line
 * has waited {@code maxWait} (so a slow trickle still makes progress), whichever comes first.
 *
 * <p>Only the client's pace counts as waiting: the clock of the open chunk runs while a chunk is
 * asked for, and a chunk is not cut by time while lines the client sent are queued for it. While
 * the writes hold the chunks back (backpressure: no connection or turn free) nothing is asked for
 * and lines are not read; a chunk then cut by time would be short only because Tally was busy,
 * and many short chunks cost a transaction each, just when Tally is busiest.
 */
final class Chunker {

    private static final Object TICK = new Object();
    private static final Object END = new Object();

    // Lines held ahead of the chunks asked for: enough to keep the merge busy, few next to a chunk.
    private static final int PREFETCH = Queues.SMALL_BUFFER_SIZE;

    private Chunker() {}

    /**
     * Lines in, chunks out, in order. Holds at most one chunk's lines and reads upstream on demand,
     * at most {@value #PREFETCH} lines ahead. Cancel passes upstream and drops the partial chunk.
     */
    static Flux<LineChunk> chunks(Flux<Line> lines, int maxLines, long maxBytes, Duration maxWait) {
        return chunks(lines, maxLines, maxBytes, maxWait, JobProgress.NONE, () -> 0);
    }

    /** The same, for an upload that resumes a job (below), timed by {@link Schedulers#parallel()}. */
    static Flux<LineChunk> chunks(
            Flux<Line> lines,
            int maxLines,
            long maxBytes,
            Duration maxWait,
            JobProgress before,
            LongSupplier bytesRead) {
        return chunks(lines, maxLines, maxBytes, maxWait, before, bytesRead, Schedulers.parallel());
    }

    /**
     * The same, for an upload that resumes a job: its lines come after {@code before.lastLine()},
     * and its chunks are numbered after {@code before.chunks()}. Each chunk records {@code
     * bytesRead} as it was when the chunk was cut. Time, the chunk's wait and the ticks that cut
     * it, is read from {@code clock}.
     */
    static Flux<LineChunk> chunks(
            Flux<Line> lines,
            int maxLines,
            long maxBytes,
            Duration maxWait,
            JobProgress before,
            LongSupplier bytesRead,
            Scheduler clock) {
        return Flux.defer(() -> {
            Cut cut = new Cut(
                    maxLines, maxBytes, maxWait.toNanos(), before.chunks(), before.lastLine(), bytesRead, clock);
            Flux<Object> ticks = Flux.interval(maxWait.dividedBy(2), clock)
                    .onBackpressureDrop()
                    .map(i -> TICK);
            // The end of the lines ends the ticks too. (Ticks taken until a publish of the lines ended
            // subscribed to it with unbounded demand: the whole body was read whatever was asked.)
            Flux<Object> counted = lines.doOnNext(line -> cut.arrived()).map(line -> line);
            return Flux.merge(PREFETCH, counted.concatWith(Mono.just(END)), ticks)
                    .takeWhile(item -> item != END)
                    .bufferUntil(cut::isFull)
                    .mapNotNull(cut::chunk)
                    .doOnRequest(cut::requested)
                    .doOnNext(chunk -> cut.emitted());
        });
    }

    /**
     * One subscription's state: what the open chunk holds, where the next one starts, and the
     * chunks asked for and not yet cut. Lines and ticks come one at a time; requests come from
     * another thread, hence the lock around what both touch.
     */
    private static final class Cut {
        private final int maxLines;
        private final long maxBytes;
        private final long maxWaitNanos;
        private int lines;
        private long bytes;
        private long openedAt;
        private int chunks;
        private long lastLine;
        private long asked;
        private long askedSince;
        private long taken;
        private final AtomicLong arrived = new AtomicLong();
        private final LongSupplier bytesRead;
        private final Scheduler clock;

        Cut(
                int maxLines,
                long maxBytes,
                long maxWaitNanos,
                int chunks,
                long lastLine,
                LongSupplier bytesRead,
                Scheduler clock) {
            this.clock = clock;
            this.maxLines = maxLines;
            this.maxBytes = maxBytes;
            this.maxWaitNanos = maxWaitNanos;
            this.chunks = chunks;
            this.lastLine = lastLine;
            this.bytesRead = bytesRead;
        }

        /** Downstream asks for {@code n} more chunks; the wait of the open chunk counts from the first. */
        synchronized void requested(long n) {
            if (asked == 0) {
                askedSince = clock.now(TimeUnit.NANOSECONDS);
            }
            asked = asked + n < 0 ? Long.MAX_VALUE : asked + n;
        }

        /** A line came from the client; it may wait in the merge's queue behind a tick. */
        void arrived() {
            arrived.incrementAndGet();
        }

        synchronized void emitted() {
            if (asked != Long.MAX_VALUE) {
                asked--;
            }
        }

        /**
         * Whether the open chunk has waited {@code maxWait} for its client: since its first line
         * came or since a chunk was asked for, whichever was later; a chunk is asked for now, and
         * every line the client sent so far is in it.
         */
        private synchronized boolean waitedTooLong() {
            return asked > 0
                    && arrived.get() == taken
                    && clock.now(TimeUnit.NANOSECONDS) - Math.max(openedAt, askedSince) >= maxWaitNanos;
        }

        /** Whether the buffer ends with this item; a tick with nothing open flushes itself away. */
        boolean isFull(Object item) {
            if (item == TICK) {
                boolean full = lines == 0 || waitedTooLong();
                if (full) {
                    reset();
                }
                return full;
            }
            taken++;
            if (lines++ == 0) {
                openedAt = clock.now(TimeUnit.NANOSECONDS);
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
        @Nullable
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
