package dev.tally.ingest;

import dev.tally.job.JobError;
import dev.tally.ndjson.InvalidGzipException;
import dev.tally.ndjson.Line;
import dev.tally.ndjson.LineSplitter;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.springframework.core.io.buffer.DataBuffer;
import reactor.core.publisher.Flux;

/**
 * A request body's numbered lines, for an upload. A body that is not gzip as it says, or has more
 * lines than allowed, ends at the fault: the lines before it are written like any others, and the
 * fault, told to the upload, then fails the job. A body that breaks off signals {@link ClientGone}.
 */
final class UploadLines {

    private UploadLines() {}

    /** The request body broke off: the connection to the client is gone. */
    static final class ClientGone extends RuntimeException {
        ClientGone(Throwable cause) {
            super(cause);
        }
    }

    /**
     * The lines of {@code content}, in order and on demand; a line's bytes over {@code maxLineBytes}
     * are skipped. Cancel passes upstream.
     *
     * @param maxLines the non-blank lines allowed; the next one ends the body there, unread and uncounted
     * @param fault told the job error once the body ends early at a fault of its own
     */
    static Flux<Line> of(Flux<DataBuffer> content, int maxLineBytes, long maxLines, Consumer<JobError> fault) {
        return Flux.defer(() -> LineSplitter.split(
                        content.onErrorMap(UploadLines::isConnectionError, ClientGone::new), maxLineBytes)
                .onErrorResume(InvalidGzipException.class, corrupt -> {
                    fault.accept(new JobError("invalid_gzip", corrupt.getMessage(), corrupt.line()));
                    return Flux.empty();
                })
                .takeWhile(new LineLimit(maxLines, fault)));
    }

    /** An error of the request body itself, not of decoding it: the connection broke. */
    private static boolean isConnectionError(Throwable failure) {
        return !(failure instanceof InvalidGzipException || failure instanceof IdleClient.Idle);
    }

    /** Counts one subscription's lines, and passes those up to the limit. */
    private static final class LineLimit implements Predicate<Line> {
        private final long maxLines;
        private final Consumer<JobError> fault;
        private long seen;

        LineLimit(long maxLines, Consumer<JobError> fault) {
            this.maxLines = maxLines;
            this.fault = fault;
        }

        @Override
        public boolean test(Line line) {
            if (++seen <= maxLines) {
                return true;
            }
            fault.accept(new JobError(
                    "too_many_lines",
                    "line %d is non-blank line number %d, over the limit of %d lines per upload"
                            .formatted(line.number(), seen, maxLines),
                    line.number()));
            return false;
        }
    }
}
