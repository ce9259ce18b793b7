package dev.tally.ndjson;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.jspecify.annotations.Nullable;

/**
 * The decoding state of one gzip body: members one after another (RFC 1952), each a header, raw
 * deflate data and a trailer whose CRC32 and length are checked. Compressed bytes go in with
 * {@link #feed}, decompressed bytes come out of {@link #next} one bounded buffer at a time, so
 * memory is the inflater's 32 KiB window plus one output buffer, whatever the data expands to.
 *
 * <p>Reactor calls it serially; its methods are synchronized only so that {@link #close} on a
 * cancel from another thread never frees the inflater while it runs.
 */
final class GzipStream implements AutoCloseable {

    static final int OUTPUT_BYTES = 64 * 1024;

    private static final byte[] EMPTY = new byte[0];
    private static final int TRAILER_BYTES = 8;

    private enum Part {
        HEADER,
        DATA,
        TRAILER
    }

    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    private final GzipHeader header = new GzipHeader();
    private final byte[] trailer = new byte[TRAILER_BYTES];
    private Part part = Part.HEADER;
    private int member = 1;
    private int trailerLength;
    private long memberBytes;
    private byte[] input = EMPTY;
    private int position;
    // The output being filled by one call of next(); kept for the next call unless handed over.
    private byte @Nullable [] out;
    private int filled;
    private @Nullable InvalidGzipException fault;
    private boolean closed;

    GzipStream() {
        header.start(member);
    }

    /** Takes the next compressed bytes; only once {@link #next} has asked for them by returning null. */
    synchronized void feed(byte[] bytes) {
        input = bytes;
        position = 0;
    }

    /**
     * The next decompressed bytes, at most {@link #OUTPUT_BYTES}, or null when the input fed so far
     * is used up (or the stream is closed).
     *
     * @throws InvalidGzipException if the input is not a valid gzip stream, once the bytes decoded
     *     before the fault have been returned
     */
    synchronized @Nullable ByteBuffer next() {
        if (closed) {
            return null;
        }
        if (fault != null) {
            throw fault;
        }
        filled = 0;
        try {
            decode();
        } catch (InvalidGzipException e) {
            // The bytes decoded before the fault are good: they go out first, the fault on the next call.
            fault = e;
            if (filled == 0) {
                throw e;
            }
        }
        byte[] bytes = out;
        if (filled == 0 || bytes == null) {
            return null;
        }
        // A full buffer is handed over as it is; a part of one is copied, so that a trickle of small
        // outputs does not cost a 64 KiB array each.
        if (filled == bytes.length) {
            out = null;
        } else {
            bytes = Arrays.copyOf(bytes, filled);
        }
        return ByteBuffer.wrap(bytes);
    }

    /**
     * Checks that the body ended between members.
     *
     * @throws InvalidGzipException if it ended inside one
     */
    synchronized void finish() {
        if (part != Part.HEADER || !header.isUntouched()) {
            String where =
                    switch (part) {
                        case HEADER -> "header";
                        case DATA -> "deflate data";
                        case TRAILER -> "trailer";
                    };
            throw new InvalidGzipException(
                    "the gzip stream is truncated: the body ends inside the %s of member %d".formatted(where, member));
        }
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            inflater.end();
        }
    }

    /** Decodes until the output buffer is full or the input is used up. */
    private void decode() {
        while (true) {
            switch (part) {
                case HEADER -> {
                    if (position == input.length) {
                        return;
                    }
                    position = header.read(input, position, input.length);
                    if (header.isDone()) {
                        part = Part.DATA;
                        inflater.reset();
                        crc.reset();
                        memberBytes = 0;
                    }
                }
                case DATA -> {
                    if (filled == OUTPUT_BYTES) {
                        return;
                    }
                    if (inflater.needsInput()) {
                        if (position == input.length) {
                            return;
                        }
                        inflater.setInput(input, position, input.length - position);
                        position = input.length;
                    }
                    if (out == null) {
                        out = new byte[OUTPUT_BYTES];
                    }
                    inflate(out);
                    if (inflater.finished()) {
                        // What the inflater did not use belongs to the trailer and the next member.
                        position = input.length - inflater.getRemaining();
                        part = Part.TRAILER;
                        trailerLength = 0;
                    }
                }
                case TRAILER -> {
                    int count = Math.min(TRAILER_BYTES - trailerLength, input.length - position);
                    System.arraycopy(input, position, trailer, trailerLength, count);
                    position += count;
                    trailerLength += count;
                    if (trailerLength < TRAILER_BYTES) {
                        return;
                    }
                    checkTrailer();
                    part = Part.HEADER;
                    header.start(++member);
                }
            }
        }
    }

    private void inflate(byte[] out) {
        long written = inflater.getBytesWritten();
        int remaining = inflater.getRemaining();
        DataFormatException corrupt = null;
        try {
            inflater.inflate(out, filled, out.length - filled);
        } catch (DataFormatException e) {
            corrupt = e;
        }
        // Counted from the inflater, which counts even when it then finds the data corrupt.
        int count = (int) (inflater.getBytesWritten() - written);
        crc.update(out, filled, count);
        memberBytes += count;
        filled += count;
        if (corrupt != null) {
            throw new InvalidGzipException("corrupt deflate data in gzip member %d: %s"
                    .formatted(member, Objects.requireNonNullElse(corrupt.getMessage(), "invalid data")));
        }
        // A raw deflate stream never asks for a dictionary; this only guards against a spin.
        if (count == 0 && !inflater.finished() && !inflater.needsInput() && inflater.getRemaining() == remaining) {
            throw new InvalidGzipException("corrupt deflate data in gzip member %d: no progress".formatted(member));
        }
    }

    private void checkTrailer() {
        long storedCrc = littleEndian(0);
        long storedSize = littleEndian(4);
        if (storedCrc != crc.getValue()) {
            throw new InvalidGzipException(
                    "CRC32 mismatch in gzip member %d: the trailer says 0x%08X, the data has 0x%08X"
                            .formatted(member, storedCrc, crc.getValue()));
        }
        if (storedSize != (memberBytes & 0xFFFFFFFFL)) {
            throw new InvalidGzipException(
                    "length mismatch in gzip member %d: the trailer says %d bytes (modulo 2^32), the data has %d"
                            .formatted(member, storedSize, memberBytes));
        }
    }

    private long littleEndian(int offset) {
        return (trailer[offset] & 0xFFL)
                | (trailer[offset + 1] & 0xFFL) << 8
                | (trailer[offset + 2] & 0xFFL) << 16
                | (trailer[offset + 3] & 0xFFL) << 24;
    }
}
