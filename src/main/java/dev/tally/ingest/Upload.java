package dev.tally.ingest;

import dev.tally.dataset.ConflictPolicy;
import dev.tally.dataset.Dataset;
import dev.tally.job.ChunkRecord;
import dev.tally.job.Counts;
import dev.tally.job.JobError;
import dev.tally.job.JobSettings;
import dev.tally.job.JobStatus;
import dev.tally.job.Jobs;
import dev.tally.job.LoggedRow;
import dev.tally.ndjson.LineSplitter;
import dev.tally.record.ParsedLine;
import dev.tally.record.RecordParser;
import dev.tally.system.TallyProperties;
import io.r2dbc.spi.R2dbcException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBuffer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * One running upload: the pipeline from request body to committed chunks, and the job's events.
 * It runs on its own subscription, not the response's, so a client that reads nothing until it
 * has sent everything still completes its upload; its events merge meanwhile. It can be stopped
 * at any time (cancel, client gone, shutdown), and then always ends its job with true totals.
 */
final class Upload {

    private static final Logger log = LoggerFactory.getLogger(Upload.class);

    // Ending the job is one UPDATE; a brief database hiccup must not leave it running.
    private static final int FINISH_RETRIES = 3;

    private final UUID id;
    private final Dataset dataset;
    private final JobSettings settings;
    private final TallyProperties.Ingest limits;
    private final ChunkTransaction transaction;
    private final Jobs jobs;
    private final Instant startedAt;
    private final EventFeed feed;
    private final Sinks.Empty<Void> stopReading = Sinks.empty();
    private final AtomicReference<Stop> stopped = new AtomicReference<>();
    private final Sinks.Empty<Void> ended = Sinks.empty();
    private volatile Counts committed = Counts.ZERO;
    private volatile int committedChunks;

    Upload(
            UUID id,
            Dataset dataset,
            JobSettings settings,
            TallyProperties.Ingest limits,
            ChunkTransaction transaction,
            Jobs jobs,
            Instant startedAt) {
        this.id = id;
        this.dataset = dataset;
        this.settings = settings;
        this.limits = limits;
        this.transaction = transaction;
        this.jobs = jobs;
        this.startedAt = startedAt;
        this.feed = new EventFeed(limits.maxRowsPerEvent());
    }

    /** Why the upload stopped before the end of its body, and so the job's final status. */
    private record Stop(JobStatus status, JobError error) {}

    /** The request body broke off: the connection to the client is gone. */
    private static final class ClientGone extends RuntimeException {
        ClientGone(Throwable cause) {
            super(cause);
        }
    }

    UUID id() {
        return id;
    }

    /**
     * The pipeline, top to bottom: lines, chunks, records, dispatch, one transaction per chunk.
     * Results come in chunk order; at most {@code writeConcurrency} chunks are in flight, two
     * are parsed ahead. Once the upload is {@linkplain #stop stopped} (which the first chunk that
     * does not commit does too) or its body breaks off, reading ends and the partial line is
     * dropped, chunks not yet started are dropped, and the chunks in flight end by themselves:
     * they commit in turn, or roll back when a chunk before them did not commit. None is
     * cancelled midway, so none can commit after the job ended.
     */
    Flux<ChunkResult> results(Flux<DataBuffer> body) {
        RecordParser parser = new RecordParser(
                dataset.schema(),
                settings.ignoreUnknownFields(),
                settings.onConflict() == ConflictPolicy.UPDATE_IF_NEWER);
        KeyGate keys = new KeyGate();
        Turn[] turn = {null};
        int maxLineBytes = (int) limits.maxLineBytes().toBytes();
        return LineSplitter.split(body.onErrorMap(ClientGone::new), maxLineBytes)
                .takeUntilOther(stopReading.asMono())
                .transform(lines -> Chunker.chunks(
                        lines, settings.chunkSize(), limits.maxChunkBytes().toBytes(), limits.chunkMaxWait()))
                .flatMapSequential(
                        chunk -> Mono.fromCallable(() -> parse(chunk, parser)).subscribeOn(Schedulers.parallel()), 2, 1)
                .onErrorResume(this::stopOnReadFailure)
                .flatMapSequential(
                        chunk -> {
                            turn[0] = turn[0] == null ? Turn.first() : turn[0].next();
                            return write(chunk, keys, turn[0]);
                        },
                        limits.writeConcurrency(),
                        1);
    }

    /**
     * Writes the chunk once no earlier chunk in flight holds one of its keys, unless the upload
     * stopped meanwhile: then it is not started. An error stops the job at this chunk, which
     * rolled back, rather than failing the pipeline: the chunks before it still end in turn.
     */
    private Mono<ChunkResult> write(ParsedChunk chunk, KeyGate keys, Turn turn) {
        KeyGate.Claim claim = keys.claim(chunk.keys());
        return claim.ready()
                .then(Mono.defer(() -> stopped.get() == null
                        ? transaction.run(chunk, turn)
                        : Mono.just(new ChunkResult.Dropped(chunk.number()))))
                .onErrorResume(failure -> Mono.just(failed(chunk, failure)))
                .doFinally(signal -> {
                    turn.stopped(); // unless it committed, no later chunk may
                    keys.release(claim);
                });
    }

    private ChunkResult failed(ParsedChunk chunk, Throwable failure) {
        String where = "chunk %d (lines %d-%d)".formatted(chunk.number(), chunk.firstLine(), chunk.lastLine());
        log.error("Job {}: {} failed", id, where, failure);
        return new ChunkResult.Stopped(chunk.number(), error(where, failure));
    }

    /** Reading or parsing failed: nothing more is read, the chunks in flight still end in turn. */
    private Flux<ParsedChunk> stopOnReadFailure(Throwable failure) {
        if (failure instanceof ClientGone) {
            stop(JobStatus.ABORTED, null);
        } else {
            log.error("Job {}: reading the upload failed", id, failure);
            stop(JobStatus.FAILED, error("reading the upload", failure));
        }
        return Flux.empty();
    }

    private ParsedChunk parse(LineChunk chunk, RecordParser parser) {
        List<ParsedLine> parsed = new ArrayList<>(chunk.lines().size());
        chunk.lines().forEach(line -> parsed.add(parser.parse(line)));
        return ParsedChunk.of(chunk, parsed, dataset.schema());
    }

    /**
     * Creates the job, then runs the pipeline, each on a subscription of its own: the job ends
     * whatever the response does. Returns the job's events; cancelling them means the client is
     * gone. They end with the error, before any event, when the job could not be created.
     */
    Flux<JobEvent> start(Mono<Void> createJob, Flux<DataBuffer> body) {
        feed.onCancel(() -> stop(JobStatus.ABORTED, null));
        createJob.subscribe(null, this::notCreated, () -> run(body));
        return feed.events();
    }

    /**
     * Stops reading the body; the chunks in flight end in turn, no other starts, and the job ends
     * with the status of the first reason to stop.
     */
    void stop(JobStatus status) {
        stop(status, null);
    }

    /** Completes once the job ended and its final event was published, or it was never created. */
    Mono<Void> ended() {
        return ended.asMono();
    }

    private void stop(JobStatus status, JobError error) {
        stopped.compareAndSet(null, new Stop(status, error));
        stopReading.tryEmitEmpty();
    }

    private void run(Flux<DataBuffer> body) {
        feed.publish(new JobEvent.Started(
                id,
                dataset.name(),
                settings.onConflict().wireName(),
                settings.chunkSize(),
                settings.atomic(),
                settings.dryRun(),
                startedAt));
        results(body).subscribe(this::onResult, this::onError, this::onEnd);
    }

    private void notCreated(Throwable failure) {
        feed.fail(failure);
        ended.tryEmitEmpty();
    }

    private void onResult(ChunkResult result) {
        switch (result) {
            case ChunkResult.Committed chunk -> {
                committed = committed.plus(chunk.record().counts());
                committedChunks = chunk.chunk();
                feed.publish(chunkEvent(chunk.record(), committed));
                if (chunk.cancelRequested()) { // requested through another instance
                    stop(JobStatus.CANCELLED);
                }
            }
            case ChunkResult.Stopped stopping -> stop(JobStatus.FAILED, stopping.error());
            case ChunkResult.Dropped dropped -> {} // only ever after a stop
        }
    }

    private void onError(Throwable failure) {
        log.error("Job {} failed", id, failure);
        stop(JobStatus.FAILED, error("the upload", failure));
        onEnd();
    }

    private void onEnd() {
        Stop stop = stopped.get();
        JobStatus status = stop == null ? JobStatus.COMPLETED : stop.status();
        JobError error = stop == null ? null : stop.error();
        Instant endedAt = Instant.now();
        Mono.defer(() -> jobs.finish(id, status, error, endedAt))
                .single()
                .retryWhen(Retry.backoff(FINISH_RETRIES, Duration.ofMillis(100)))
                .subscribe(
                        finished -> publishEnd(finished.status(), finished.totals(), finished.chunks(), error, endedAt),
                        failure -> {
                            // The database is gone: what this instance saw commit is the best account left.
                            log.error("Job {} ended {} but its row could not be updated", id, status, failure);
                            JobError lost = error != null
                                    ? error
                                    : new JobError("db_error", "job row not updated: " + failure.getMessage(), null);
                            publishEnd(JobStatus.FAILED, committed, committedChunks, lost, endedAt);
                        });
    }

    /** A job error for an unexpected failure, with its SQLSTATE when the database raised it. */
    private static JobError error(String where, Throwable failure) {
        if (failure instanceof R2dbcException database) {
            return new JobError(
                    "db_error",
                    "%s: %s [SQLSTATE %s]".formatted(where, database.getMessage(), database.getSqlState()),
                    null);
        }
        return new JobError("internal_error", where + ": " + failure, null);
    }

    private void publishEnd(JobStatus status, Counts totals, int chunks, JobError endError, Instant endedAt) {
        long ms = Math.max(1, Duration.between(startedAt, endedAt).toMillis());
        log.info(
                "Job {} {}: dataset {}, onConflict {}, {} chunks in {} ms, {}{}",
                id,
                status.wireName(),
                dataset.name(),
                settings.onConflict().wireName(),
                chunks,
                ms,
                totals,
                endError == null ? "" : ", error " + endError);
        feed.publish(new JobEvent.Ended(
                id, chunks + 1L, status, totals, chunks, ms, totals.received() * 1000.0 / ms, endError, null));
        ended.tryEmitEmpty();
    }

    private JobEvent.ChunksCommitted chunkEvent(ChunkRecord record, Counts totals) {
        int max = limits.maxRowsPerEvent();
        List<LoggedRow> skipped = new ArrayList<>();
        List<LoggedRow> rejected = new ArrayList<>();
        boolean truncated = false;
        for (LoggedRow row : record.rows()) {
            List<LoggedRow> list = row.outcome() == LoggedRow.Outcome.SKIPPED ? skipped : rejected;
            if (list.size() < max) {
                list.add(row);
            } else {
                truncated = true;
            }
        }
        return new JobEvent.ChunksCommitted(
                id,
                record.chunk(),
                record.chunk(),
                record.firstLine(),
                record.lastLine(),
                record.counts(),
                totals,
                skipped,
                rejected,
                truncated);
    }
}
