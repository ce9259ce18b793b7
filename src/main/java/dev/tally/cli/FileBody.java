package dev.tally.cli;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.SynchronousSink;
import reactor.core.scheduler.Schedulers;

/**
 * A file as an upload's body: its bytes as they are (gzip too), read one buffer per request of the
 * connection, so a file is never held whole, and counted as they go out: the progress estimate
 * while the service does not say how much it has read.
 */
final class FileBody {

    private static final int READ_SIZE = 64 * 1024;

    private final Path file;
    private final Terminal.FileOpener files;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicReference<UncheckedIOException> failure = new AtomicReference<>();

    FileBody(Path file, Terminal.FileOpener files) {
        this.file = file;
        this.files = files;
    }

    /**
     * The bytes, read on demand on a bounded-elastic thread (a read may block: never on the event
     * loop that reads the answer); opened on subscribe, closed on completion, error or cancel.
     */
    Flux<ByteBuf> bytes() {
        return Flux.<ByteBuf, InputStream>generate(this::open, this::next, FileBody::close)
                .doOnNext(bytes -> sent.addAndGet(bytes.readableBytes()))
                .subscribeOn(Schedulers.boundedElastic());
    }

    long sent() {
        return sent.get();
    }

    /** Why the file could not be read to its end, if it could not. */
    @Nullable
    UncheckedIOException failure() {
        return failure.get();
    }

    private InputStream open() {
        try {
            return files.open(file);
        } catch (IOException e) {
            throw failed(e);
        }
    }

    private InputStream next(InputStream in, SynchronousSink<ByteBuf> sink) {
        byte[] buffer = new byte[READ_SIZE];
        try {
            int n = in.read(buffer);
            if (n < 0) {
                sink.complete();
            } else {
                sink.next(Unpooled.wrappedBuffer(buffer, 0, n));
            }
        } catch (IOException e) {
            sink.error(failed(e));
        }
        return in;
    }

    private UncheckedIOException failed(IOException e) {
        UncheckedIOException failure = new UncheckedIOException("reading " + file + " failed: " + ErrorText.of(e), e);
        this.failure.compareAndSet(null, failure);
        return failure;
    }

    private static void close(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // everything was read or the upload is over: a failed close changes neither
        }
    }
}
