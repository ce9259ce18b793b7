package dev.tally.ndjson;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Splits a body of bytes into numbered {@link Line}s. */
public final class LineSplitter {

    // One buffer in hand at a time: the body is read no further ahead than its lines are consumed.
    private static final int PREFETCH = 1;

    // The longest line held whole must fit in a Java array, with room for its '\r'.
    private static final int LARGEST_LIMIT = Integer.MAX_VALUE - 16;

    private LineSplitter() {}

    /**
     * Splits {@code body} on {@code \n} into non-blank lines numbered from 1 by physical position.
     *
     * <p>A trailing {@code \r} is removed from every line, the last line needs no {@code \n}, and a
     * line of only spaces, tabs and {@code \r} is counted but not emitted. A line longer than {@code
     * maxLineBytes} (terminator excluded) becomes a {@link Line.TooLong} carrying its first 1 KiB and
     * full length; its remaining bytes are counted, never held. Bytes are passed on as received:
     * UTF-8 is not checked here.
     *
     * <p>Ordering: lines are emitted in body order, one at a time. Demand: the body is requested one
     * buffer at a time, and the next buffer only once the lines of the previous one have been
     * requested downstream; each buffer is copied out and released as soon as it is split. Cancel:
     * the body is cancelled, buffers it delivers late or had queued are released, and the partial
     * line is dropped. Error: an error from the body is passed on once the lines that ended before
     * it have been emitted, in place of the partial line, which is dropped; an {@link
     * InvalidGzipException} is given the number of that line. Every subscription splits
     * independently.
     *
     * @param body the bytes to split; each buffer is released by this stage
     * @param maxLineBytes the longest line, in bytes, emitted as {@link Line.Text}; from 1 to
     *     {@code Integer.MAX_VALUE - 16}
     * @return the non-blank lines of the body
     */
    public static Flux<Line> split(Flux<DataBuffer> body, int maxLineBytes) {
        if (maxLineBytes < 1 || maxLineBytes > LARGEST_LIMIT) {
            throw new IllegalArgumentException(
                    "maxLineBytes must be between 1 and " + LARGEST_LIMIT + ", was " + maxLineBytes);
        }
        return Flux.defer(() -> {
                    var cutter = new LineCutter(maxLineBytes);
                    // Reactor passes the body's error on after the lines of the buffers before it.
                    return body.concatMapIterable(cutter::cut, PREFETCH)
                            .concatWith(Mono.fromSupplier(cutter::finish))
                            .onErrorMap(InvalidGzipException.class, gzip -> gzip.atLine(cutter.lineInProgress()));
                })
                .doOnDiscard(DataBuffer.class, DataBufferUtils::release);
    }
}
