package dev.tally.client;

import java.io.IOException;
import java.time.Duration;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

/**
 * One upload's events across the connections it takes: the first request, then, after a lost
 * connection and when it may, the same upload sent again under its Idempotency-Key, its events
 * joined to the first ones without a repeat. Holds what it was told: the job, the last chunk and
 * the last line reported committed.
 */
final class Upload {

    private static final String KEY_IN_USE = "Idempotency-Key in use";
    private static final Duration FIRST_PAUSE = Duration.ofMillis(200);
    private static final Duration LONGEST_PAUSE = Duration.ofSeconds(2);

    /** Tally's answer ended without the final event, as when a proxy closes the connection. */
    static final class EarlyEnd extends IOException {
        EarlyEnd() {
            super("Tally's answer ended before the job's final event");
        }
    }

    private final Flux<?> records;
    private final UploadOptions options;
    private final BiFunction<Publisher<?>, Long, Flux<UploadEvent>> exchange;
    private volatile @Nullable Throwable recordsFailed;
    private volatile @Nullable String job;
    private volatile long lastChunk;
    private volatile long committedLine;
    private volatile boolean ended;

    /**
     * {@code exchange} sends the records once, the first {@code n} as blank lines, and reads the
     * events.
     */
    Upload(Publisher<?> records, UploadOptions options, BiFunction<Publisher<?>, Long, Flux<UploadEvent>> exchange) {
        // The publisher's own error ends the upload as it is, whatever the connection makes of it.
        this.records = Flux.from(records).doOnError(error -> recordsFailed = error);
        this.options = options;
        this.exchange = exchange;
    }

    static EarlyEnd earlyEnd() {
        return new EarlyEnd();
    }

    /** A failure of the connection, as opposed to a refusal, a bad record or a failed publisher. */
    static boolean isConnectionLoss(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof TallyProblemException) {
                return false;
            }
            if (cause instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    Flux<UploadEvent> events() {
        return attempt(0);
    }

    private Flux<UploadEvent> attempt(int attempt) {
        Flux<UploadEvent> once = Flux.defer(() -> exchange.apply(records, attempt == 0 ? 0 : committedLine))
                .filter(this::isNew)
                .doOnNext(this::remember)
                .takeUntil(event -> event instanceof UploadEvent.JobEnded)
                .concatWith(Flux.defer(() -> ended ? Flux.empty() : Flux.error(earlyEnd())));
        if (attempt > 0) {
            long deadline = System.nanoTime() + options.resumeTimeout().toNanos();
            // Until Tally notices the lost connection the job still runs, and the key is "in use".
            once = once.retryWhen(Retry.backoff(Long.MAX_VALUE, FIRST_PAUSE)
                    .maxBackoff(LONGEST_PAUSE)
                    .filter(error -> recordsFailed == null && System.nanoTime() < deadline && isWorthRetrying(error)));
        }
        return once.onErrorResume(error -> {
            if (recordsFailed != null) {
                return Flux.error(recordsFailed);
            }
            if (!isConnectionLoss(error)) {
                return Flux.error(error);
            }
            if (!options.resumes() || job == null || attempt >= options.maxResumes()) {
                return Flux.error(new TallyConnectionLostException(
                        describe(error) + (job == null ? "" : "; job " + job + " kept lines up to " + committedLine),
                        job,
                        committedLine,
                        error));
            }
            UploadEvent resumed = new UploadEvent.Resumed(job, attempt + 1, committedLine, describe(error));
            return Mono.just(resumed).concatWith(attempt(attempt + 1));
        });
    }

    private boolean isWorthRetrying(Throwable error) {
        if (error instanceof TallyProblemException problem) {
            return problem.status() == 409 && KEY_IN_USE.equals(problem.title());
        }
        return isConnectionLoss(error) && !(error instanceof EarlyEnd);
    }

    /** A resumed job's {@code job} event, or a chunk already reported, is not reported again. */
    private boolean isNew(UploadEvent event) {
        return switch (event) {
            case UploadEvent.JobStarted started -> job == null;
            case UploadEvent.ChunkCommitted chunk -> chunk.lastChunk() > lastChunk;
            default -> true;
        };
    }

    private void remember(UploadEvent event) {
        switch (event) {
            case UploadEvent.JobStarted started -> job = started.job();
            case UploadEvent.ChunkCommitted chunk -> {
                lastChunk = chunk.lastChunk();
                committedLine = Math.max(committedLine, chunk.lastLine());
            }
            case UploadEvent.JobEnded end -> ended = true;
            case UploadEvent.Resumed resumed -> {}
        }
    }

    private static String describe(Throwable error) {
        return error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
    }
}
