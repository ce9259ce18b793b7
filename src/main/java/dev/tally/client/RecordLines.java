package dev.tally.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * An upload's body: the caller's records as NDJSON lines, one record a line, gathered into buffers
 * of up to {@value #BATCH_LINES} lines (or what came within {@code 20 ms}, so a slow publisher's
 * lines are not held back), gzip-compressed when asked.
 */
final class RecordLines {

    static final int BATCH_LINES = 256;
    private static final Duration FLUSH_AFTER = Duration.ofMillis(20);
    private static final byte[] BLANK = {'\n'};

    private final JsonMapper json;

    RecordLines(JsonMapper json) {
        this.json = json;
    }

    /**
     * The body, read from a new subscription to {@code records}: the first {@code blankLines}
     * records are sent as blank lines (a resumed job skips them by line number anyway, and line
     * numbers stay physical), then each record as its line. Requests at most {@code prefetch}
     * records ahead of those received.
     */
    Flux<ByteBuf> body(Publisher<?> records, long blankLines, int prefetch, boolean gzip) {
        return Flux.defer(() -> {
            long[] line = {0};
            Flux<byte[]> batches = Flux.from(records)
                    .limitRate(prefetch)
                    .map(record -> ++line[0] <= blankLines ? BLANK : line(record))
                    .bufferTimeout(BATCH_LINES, FLUSH_AFTER, true)
                    .map(RecordLines::join);
            if (gzip) {
                Gzip compressor = new Gzip();
                batches = batches.map(compressor::compress).concatWith(Mono.fromCallable(compressor::finish));
            }
            return batches.map(Unpooled::wrappedBuffer);
        });
    }

    /** One record as one line, {@code \n} included: Strings and byte arrays as they are, anything else as JSON. */
    byte[] line(Object record) {
        byte[] bytes =
                switch (record) {
                    case String text -> text.getBytes(StandardCharsets.UTF_8);
                    case byte[] raw -> raw;
                    default -> json.writeValueAsBytes(record);
                };
        int length = bytes.length;
        if (length > 0 && bytes[length - 1] == '\n') {
            length--;
            if (length > 0 && bytes[length - 1] == '\r') {
                length--;
            }
        }
        for (int i = 0; i < length; i++) {
            if (bytes[i] == '\n') {
                // Tally numbers lines physically: a record of two lines would shift every line after it.
                throw new IllegalArgumentException("A record is one line; this one holds a line break at byte " + i);
            }
        }
        byte[] line = new byte[length + 1];
        System.arraycopy(bytes, 0, line, 0, length);
        line[length] = '\n';
        return line;
    }

    private static byte[] join(List<byte[]> lines) {
        int size = 0;
        for (byte[] line : lines) {
            size += line.length;
        }
        byte[] joined = new byte[size];
        int at = 0;
        for (byte[] line : lines) {
            System.arraycopy(line, 0, joined, at, line.length);
            at += line.length;
        }
        return joined;
    }

    /** One gzip member over the whole body, flushed at each batch so that Tally can read each batch at once. */
    private static final class Gzip {

        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final GZIPOutputStream gzip;

        Gzip() {
            try {
                gzip = new GZIPOutputStream(out, 8192, true);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        byte[] compress(byte[] batch) {
            try {
                gzip.write(batch);
                gzip.flush();
            } catch (IOException inMemory) {
                throw new UncheckedIOException(inMemory);
            }
            return drain();
        }

        byte[] finish() throws IOException {
            gzip.finish();
            return drain();
        }

        private byte[] drain() {
            byte[] bytes = out.toByteArray();
            out.reset();
            return bytes;
        }
    }
}
