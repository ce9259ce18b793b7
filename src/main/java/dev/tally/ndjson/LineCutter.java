package dev.tally.ndjson;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;

/**
 * The splitting state of one subscription: the line in progress and the count of lines ended.
 * Not thread-safe; Reactor calls it serially.
 */
final class LineCutter {

    static final int HEAD_BYTES = 1024;

    // A line buffer grown past this is dropped after its line, so one long line does not pin memory.
    private static final int RETAINED_CAPACITY = 64 * 1024;

    private static final byte[] EMPTY = new byte[0];

    private final int maxLineBytes;
    private long linesEnded;

    // The line in progress, which started in an earlier segment than the one being cut.
    private long lineLength;
    private byte[] kept = EMPTY;
    private byte[] scratch = EMPTY;
    private int keptLength;
    private boolean blank = true;
    private boolean endsWithCr;

    LineCutter(int maxLineBytes) {
        this.maxLineBytes = maxLineBytes;
    }

    /** Cuts the lines that end in {@code buffer}, carrying over the unfinished one, and releases it. */
    List<Line> cut(DataBuffer buffer) {
        var lines = new ArrayList<Line>();
        try (var segments = buffer.readableByteBuffers()) {
            while (segments.hasNext()) {
                cut(segments.next(), lines);
            }
        } finally {
            DataBufferUtils.release(buffer);
        }
        return lines;
    }

    /** The number of the line being read: the next one to end. */
    long lineInProgress() {
        return linesEnded + 1;
    }

    /** The last line when the body does not end with {@code \n}, or null. */
    @Nullable
    Line finish() {
        return lineLength == 0 ? null : endLine();
    }

    private void cut(ByteBuffer segment, List<Line> lines) {
        // Scanning a heap array is several times cheaper than DirectByteBuffer.get per byte.
        byte[] bytes;
        int start;
        int end;
        if (segment.hasArray()) {
            bytes = segment.array();
            start = segment.arrayOffset() + segment.position();
            end = segment.arrayOffset() + segment.limit();
        } else {
            if (scratch.length < segment.remaining()) {
                scratch = new byte[Math.max(segment.remaining(), 2 * scratch.length)];
            }
            bytes = scratch;
            start = 0;
            end = segment.remaining();
            segment.get(segment.position(), scratch, 0, end);
        }
        for (int i = start; i < end; i++) {
            if (bytes[i] != '\n') {
                continue;
            }
            Line line;
            if (lineLength == 0) {
                line = whole(bytes, start, i);
            } else {
                take(bytes, start, i);
                line = endLine();
            }
            if (line != null) {
                lines.add(line);
            }
            start = i + 1;
        }
        take(bytes, start, end);
    }

    // The common case: the whole line lies in one segment and is copied straight out of it.
    private @Nullable Line whole(byte[] bytes, int from, int to) {
        long number = ++linesEnded;
        if (isBlank(bytes, from, to)) {
            return null;
        }
        int length = to - from;
        if (bytes[to - 1] == '\r') {
            length--;
        }
        if (length > maxLineBytes) {
            return new Line.TooLong(
                    number, Arrays.copyOfRange(bytes, from, from + Math.min(length, HEAD_BYTES)), length);
        }
        return new Line.Text(number, Arrays.copyOfRange(bytes, from, from + length));
    }

    private void take(byte[] bytes, int from, int to) {
        if (from == to) {
            return;
        }
        blank = blank && isBlank(bytes, from, to);
        endsWithCr = bytes[to - 1] == '\r';
        lineLength += to - from;
        // Up to the limit (plus a '\r' that may yet turn out to be the terminator's) the whole line
        // is kept; past it only the head, so a line of any length costs a counter.
        int wanted = lineLength <= maxLineBytes + 1L ? (int) lineLength : (int) Math.min(lineLength, HEAD_BYTES);
        keptLength = Math.min(keptLength, wanted);
        int count = wanted - keptLength;
        if (count > 0) {
            if (kept.length < wanted) {
                kept = Arrays.copyOf(kept, Math.max(wanted, (int) Math.min(2L * kept.length, maxLineBytes + 1L)));
            }
            System.arraycopy(bytes, from, kept, keptLength, count);
            keptLength = wanted;
        }
    }

    private @Nullable Line endLine() {
        long number = ++linesEnded;
        long length = endsWithCr ? lineLength - 1 : lineLength;
        Line line;
        if (blank) {
            line = null;
        } else if (length > maxLineBytes) {
            line = new Line.TooLong(number, Arrays.copyOf(kept, (int) Math.min(length, HEAD_BYTES)), length);
        } else {
            line = new Line.Text(number, Arrays.copyOf(kept, (int) length));
        }
        lineLength = 0;
        keptLength = 0;
        blank = true;
        endsWithCr = false;
        if (kept.length > RETAINED_CAPACITY) {
            kept = EMPTY;
        }
        return line;
    }

    private static boolean isBlank(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            byte b = bytes[i];
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }
}
