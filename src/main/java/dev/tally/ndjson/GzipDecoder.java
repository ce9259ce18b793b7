package dev.tally.ndjson;

import java.nio.ByteBuffer;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/** Decompresses a gzip body as a stream, in bounded memory. */
public final class GzipDecoder {

    private static final DefaultDataBufferFactory HEAP = DefaultDataBufferFactory.sharedInstance;

    private GzipDecoder() {}

    /**
     * Decodes {@code body}, one or more gzip members one after another (RFC 1952), into its
     * decompressed bytes, checking each member's header, CRC32 and length.
     *
     * <p>Ordering: bytes come out in body order, in heap buffers of at most 64 KiB. Demand: one
     * decompressed buffer is made per buffer requested, and the next compressed buffer is read only
     * once the previous one is used up; so memory is bounded by the inflater's window and a few
     * buffers, never by what the body expands to, and a gzip bomb is only as large as its reader
     * lets it be. Errors: a body that is not valid gzip ends, after the bytes decoded before the
     * fault, with an {@link InvalidGzipException}, as does a body that ends inside a member; an
     * empty body decodes to nothing. Cancel: the body is cancelled and the inflater freed. Every
     * compressed buffer is released as soon as it is copied; every subscription decodes anew.
     *
     * @param body the compressed bytes; each buffer is released by this stage
     * @return the decompressed bytes
     */
    public static Flux<DataBuffer> decode(Flux<DataBuffer> body) {
        return Flux.using(
                        GzipStream::new,
                        stream -> body.map(GzipDecoder::copyAndRelease)
                                .concatMap(compressed -> inflate(stream, compressed), 0)
                                .concatWith(Mono.fromRunnable(stream::finish)),
                        GzipStream::close)
                .doOnDiscard(DataBuffer.class, DataBufferUtils::release);
    }

    /** The decompressed buffers of one compressed buffer, made on demand. */
    private static Flux<DataBuffer> inflate(GzipStream stream, byte[] compressed) {
        return Flux.generate(
                () -> {
                    stream.feed(compressed);
                    return stream;
                },
                (gzip, sink) -> {
                    ByteBuffer out;
                    try {
                        out = gzip.next();
                    } catch (InvalidGzipException e) {
                        sink.error(e);
                        return gzip;
                    }
                    if (out == null) {
                        sink.complete();
                    } else {
                        sink.next(HEAP.wrap(out));
                    }
                    return gzip;
                });
    }

    private static byte[] copyAndRelease(DataBuffer buffer) {
        try {
            byte[] bytes = new byte[buffer.readableByteCount()];
            buffer.read(bytes);
            return bytes;
        } finally {
            DataBufferUtils.release(buffer);
        }
    }
}
