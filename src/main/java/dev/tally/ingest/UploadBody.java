package dev.tally.ingest;

import dev.tally.ndjson.ContentEncoding;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.springframework.core.io.buffer.DataBuffer;
import reactor.core.publisher.Flux;

/**
 * A request body: its content, decoded; the length it announced, if any; and how many of its bytes
 * as sent (before decoding, as its length counts them) were read so far, which chunks record as
 * their progress.
 */
record UploadBody(Flux<DataBuffer> content, @Nullable Long length, LongSupplier bytesRead) {

    static UploadBody of(Flux<DataBuffer> sent, @Nullable Long length, ContentEncoding encoding) {
        AtomicLong read = new AtomicLong();
        Flux<DataBuffer> counted = sent.doOnNext(buffer -> read.addAndGet(buffer.readableByteCount()));
        return new UploadBody(encoding.decode(counted), length, read::get);
    }
}
