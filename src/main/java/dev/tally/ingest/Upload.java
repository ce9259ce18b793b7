package dev.tally.ingest;

import dev.tally.dataset.ConflictPolicy;
import dev.tally.dataset.Dataset;
import dev.tally.job.ChunkRecord;
import dev.tally.job.Counts;
import dev.tally.job.JobDocument;
import dev.tally.job.JobError;
import dev.tally.job.JobProgress;
import dev.tally.job.JobSettings;
import dev.tally.job.JobStatus;
import dev.tally.job.Jobs;
import dev.tally.ndjson.InvalidGzipException;
import dev.tally.ndjson.Line;
import dev.tally.ndjson.LineSplitter;
import dev.tally.record.ParsedLine;
import dev.tally.record.RecordParser;
import dev.tally.system.JobLog;
import dev.tally.system.TallyProperties;
import dev.tally.upsert.ChunkResult;
import dev.tally.upsert.ChunkWriter;
import dev.tally.upsert.DatabaseRetry;
import dev.tally.upsert.DatabaseRetry.DatabaseGone;
import dev.tally.upsert.ParsedChunk;
import dev.tally.upsert.SqlError;
import dev.tally.upsert.Turn;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * One running upload: the pipeline from request body to committed chunks, and the job's events.
 * It runs on its own subscription, not the response's, so a client that reads nothing until it
 * has sent everything still completes its upload; its events merge meanwhile. It can be stopped
 * at any time (cancel, client gone, shutdown), and then always ends its job with true totals.
 */
final class Upload {

    private static final Logger log = LoggerFactory.getLogger(Upload.class);

    // Ending the job is one UPDATE; a brief database hiccup must not leave it running.

    private final UUID id;
    private final Dataset dataset;
    private final JobSettings settings;
    private final TallyProperties.Ingest limits;
    private final ChunkWriter writer;
    private final Jobs jobs;
    private final Instant startedAt;
    private final Long bytesTotal;
    private final EventFeed feed;
    private final JobProgress before;
    // tally.limits.max-lines-per-upload: non-blank lines of the whole body, a resumed job's too.
    private final long maxLines;
    private final DatabaseRetry databaseRetry;
    private final Sinks.Empty<Void> stopReading = Sinks.empty();
    private final AtomicReference<Stop> stopped = new AtomicReference<>();
    private final Sinks.Empty<Void> ended = Sinks.empty();
    // Set once the body's lines end at a fault; a stop before it has the say.
    private volatile JobError bodyError;
    // What the chunk events reported: committed chunks, or those written in the one transaction.
    private volatile Counts reported;
    private volatile int reportedChunks;
    // Subscribers other than the uploader.
    private final Followers followers;
    private final IngestMetrics.DatasetMeters meters;
    // What an upload in one transaction wrote: counted in the metrics once, and only if, it commits.
    private LineTally uncommitted = LineTally.NONE;

    Upload(
            UUID id,
            Dataset dataset,
            JobSettings settings,
            TallyProperties.Ingest limits,
            ChunkWriter writer,
            Jobs jobs,
            Instant startedAt,
            Long bytesTotal,
            JobProgress before,
            long maxLines,
            IngestMetrics.DatasetMeters meters) {
        this.id = id;
        this.maxLines = maxLines;
        this.meters = meters;
        this.dataset = dataset;
        this.settings = settings;
        this.limits = limits;
        this.writer = writer;
        this.jobs = jobs;
        this.startedAt = startedAt;
        this.bytesTotal = bytesTotal;
        this.feed = new EventFeed(limits.maxRowsPerEvent());
        this.before = before;
        this.reported = before.totals();
        this.reportedChunks = before.chunks();
        this.followers =
                new Followers(limits.maxRowsPerEvent(), writer instanceof ChunkWriter.OneTransaction, before.chunks());
        this.databaseRetry = new DatabaseRetry(limits.databaseRetry());
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
     * The pipeline, top to bottom: lines, chunks, records, then one transaction per chunk, or one
     * for the whole upload when it is atomic or a dry run. Results come in chunk order; two chunks
     * are parsed ahead. Once the upload is {@linkplain #stop stopped} (which the first chunk that
     * does not commit does too) or its body breaks off, reading ends and the partial line is
     * dropped, and chunks not yet started are dropped. When it resumes a job, the lines its ledger
     * holds ({@code before}) are split off but neither parsed nor written again; its chunks are
     * numbered after the ledger's and its totals start from the ledger's.
     */
    Flux<ChunkResult> results(UploadBody body) {
        RecordParser parser = new RecordParser(
                dataset.schema(),
                settings.ignoreUnknownFields(),
                settings.onConflict() == ConflictPolicy.UPDATE_IF_NEWER);
        int maxLineBytes = (int) limits.maxLineBytes().toBytes();
        Flux<ParsedChunk> chunks = LineSplitter.split(
                        body.content().onErrorMap(Upload::isConnectionError, ClientGone::new), maxLineBytes)
                .onErrorResume(InvalidGzipException.class, this::endAtCorruptBody)
                .transform(this::endAtLineLimit)
                .skipWhile(line -> line.number() <= before.lastLine())
                .takeUntilOther(stopReading.asMono())
                .transform(lines -> Chunker.chunks(
                        lines,
                        settings.chunkSize(),
                        limits.maxChunkBytes().toBytes(),
                        limits.chunkMaxWait(),
                        before,
                        body.bytesRead()))
                .flatMapSequential(
                        chunk -> Mono.fromCallable(() -> parse(chunk, parser)).subscribeOn(Schedulers.parallel()), 2, 1)
                .onErrorResume(this::stopOnReadFailure);
        return switch (writer) {
            case ChunkWriter.OneTransaction one ->
                one.write(
                        chunks.takeWhile(chunk -> stopped.get() == null),
                        () -> stopped.get() != null || bodyError != null);
            case ChunkWriter.PerChunk perChunk -> inParallel(chunks, perChunk);
        };
    }

    /**
     * Dispatch, then one transaction per chunk: at most {@code writeConcurrency} chunks in flight,
     * those sharing a key one after the other, committing in chunk order. After a stop the chunks
     * in flight end by themselves: they commit in turn, or roll back when a chunk before them did
     * not commit. None is cancelled midway, so none can commit after the job ended.
     */
    private Flux<ChunkResult> inParallel(Flux<ParsedChunk> chunks, ChunkWriter.PerChunk perChunk) {
        KeyGate keys = new KeyGate();
        Turn.Sequence turns = new Turn.Sequence(before.totals());
        return chunks.flatMapSequential(
                chunk -> write(chunk, keys, turns.next(), perChunk), limits.writeConcurrency(), 1);
    }

    /**
     * Writes the chunk once no earlier chunk in flight holds one of its keys, unless the upload
     * stopped meanwhile: then it is not started. An error stops the job at this chunk, which
     * rolled back, rather than failing the pipeline: the chunks before it still end in turn.
     */
    private Mono<ChunkResult> write(ParsedChunk chunk, KeyGate keys, Turn turn, ChunkWriter.PerChunk perChunk) {
        KeyGate.Claim claim = keys.claim(chunk.keys());
        return claim.ready()
                .then(Mono.defer(() -> stopped.get() == null
                        ? perChunk.write(chunk, turn)
                        : Mono.just(new ChunkResult.Dropped(chunk.number()))))
                .doFinally(signal -> {
                    turn.stopped(); // unless it committed, no later chunk may
                    keys.release(claim);
                });
    }

    /** Reading or parsing failed: nothing more is read, the chunks in flight still end in turn. */
    private Flux<ParsedChunk> stopOnReadFailure(Throwable failure) {
        if (failure instanceof ClientGone) {
            stop(JobStatus.ABORTED, null);
        } else if (failure instanceof IdleClient.Idle idle) {
            JobLog.info(log, id, "Job {}: {}", id, idle.getMessage());
            stop(JobStatus.ABORTED, new JobError("client_idle", idle.getMessage(), null));
        } else {
            JobLog.error(log, id, "Job {}: reading the upload failed", id, failure);
            stop(JobStatus.FAILED, error("reading the upload", failure));
        }
        return Flux.empty();
    }

    /** An error of the request body itself, not of decoding it: the connection broke. */
    private static boolean isConnectionError(Throwable failure) {
        return !(failure instanceof InvalidGzipException || failure instanceof IdleClient.Idle);
    }

    /** The lines before the fault are written like any others; then the job fails. */
    private Flux<Line> endAtCorruptBody(InvalidGzipException corrupt) {
        bodyError = new JobError("invalid_gzip", corrupt.getMessage(), corrupt.line());
        return Flux.empty();
    }

    /**
     * The lines up to {@code maxLines}; the next one ends the body there, unread and uncounted,
     * and then the job fails naming it, as a corrupt body does.
     */
    private Flux<Line> endAtLineLimit(Flux<Line> lines) {
        return Flux.defer(() -> {
            long[] seen = {0};
            return lines.takeWhile(line -> {
                if (++seen[0] <= maxLines) {
                    return true;
                }
                bodyError = new JobError(
                        "too_many_lines",
                        "line %d is non-blank line number %d, over the limit of %d lines per upload"
                                .formatted(line.number(), seen[0], maxLines),
                        line.number());
                return false;
            });
        });
    }

    private ParsedChunk parse(LineChunk chunk, RecordParser parser) {
        List<ParsedLine> parsed = new ArrayList<>(chunk.lines().size());
        chunk.lines().forEach(line -> parsed.add(parser.parse(line)));
        return ParsedChunk.of(
                chunk.number(),
                chunk.firstLine(),
                chunk.lastLine(),
                chunk.bytesRead(),
                parsed,
                writer instanceof ChunkWriter.PerChunk ? dataset.schema().uniqueIndexes() : List.of());
    }

    /**
     * Creates the job, then runs the pipeline, each on a subscription of its own: the job ends
     * whatever the response does. Returns the job's events; cancelling them means the client is
     * gone. They end with the error, before any event, when the job could not be created.
     */
    Flux<JobEvent> start(Mono<Void> createJob, UploadBody body) {
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

    /** A subscriber other than the uploader joins ({@link Followers#follow}). */
    Optional<Follow> follow(long after) {
        return followers.follow(after);
    }

    private synchronized void publish(JobEvent event) {
        feed.publish(event);
        followers.publish(event);
    }

    private void stop(JobStatus status, JobError error) {
        stopped.compareAndSet(null, new Stop(status, error));
        stopReading.tryEmitEmpty();
    }

    private void run(UploadBody body) {
        publish(new JobEvent.Started(
                id,
                dataset.name(),
                settings.onConflict().wireName(),
                settings.chunkSize(),
                settings.atomic(),
                settings.dryRun(),
                startedAt,
                bytesTotal));
        results(body).subscribe(this::onResult, this::onError, this::onEnd);
    }

    private void notCreated(Throwable failure) {
        feed.fail(failure);
        ended.tryEmitEmpty();
    }

    private void onResult(ChunkResult result) {
        switch (result) {
            case ChunkResult.Committed chunk -> {
                meters.committed(LineTally.of(chunk.record()));
                report(chunk.record(), chunk.cancelRequested());
            }
            case ChunkResult.Written chunk -> {
                uncommitted = uncommitted.plus(LineTally.of(chunk.record()));
                report(chunk.record(), chunk.cancelRequested());
            }
            case ChunkResult.Stopped stopping -> stop(JobStatus.FAILED, stopping.error());
            case ChunkResult.Dropped dropped -> {} // only ever after a stop
        }
    }

    private void report(ChunkRecord chunk, boolean cancelRequested) {
        reported = reported.plus(chunk.counts());
        reportedChunks = chunk.chunk();
        publish(chunkEvent(chunk, reported));
        if (cancelRequested) { // requested through another instance
            stop(JobStatus.CANCELLED);
        }
    }

    private void onError(Throwable failure) {
        JobLog.error(log, id, "Job {} failed", id, failure);
        stop(JobStatus.FAILED, error("the upload", failure));
        onEnd();
    }

    /**
     * Ends the job. Its totals are the ledger's: what committed, or for a dry run what it did. The
     * final event's are the same, except for an atomic upload rolled back, whose event reports
     * what it had done and that it was not kept, while nothing of it, ledger included, is left.
     */
    private void onEnd() {
        Boolean kept = writer instanceof ChunkWriter.OneTransaction one ? one.committed() : null;
        if (Boolean.TRUE.equals(kept)) {
            meters.committed(uncommitted); // never for a dry run, which always rolls back
        }
        // A one-transaction upload that committed is complete, whatever stopped it after.
        Stop stop = Boolean.TRUE.equals(kept) ? null : stopped.get();
        if (stop == null && bodyError != null) {
            stop = new Stop(JobStatus.FAILED, bodyError);
        }
        JobStatus status = stop == null ? JobStatus.COMPLETED : stop.status();
        JobError error = stop == null ? null : stop.error();
        // In microseconds, as PostgreSQL keeps it: the final event's duration equals its replay's.
        Instant endedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
        databaseRetry
                .whileAway(
                        Mono.defer(() -> jobs.finish(id, status, error, endedAt))
                                .single(),
                        "ending job " + id)
                .subscribe(
                        finished -> {
                            if (kept == null) {
                                publishEnd(
                                        finished.status(), finished.totals(), finished.chunks(), error, endedAt, null);
                            } else {
                                publishEnd(finished.status(), reported, reportedChunks, error, endedAt, kept);
                            }
                        },
                        failure -> {
                            // The database is gone: what this instance saw commit is the best account left.
                            JobError lost = error != null
                                    ? error
                                    : new JobError(
                                            failure instanceof DatabaseGone ? DatabaseGone.CODE : "db_error",
                                            "the job's end could not be recorded: " + failure.getMessage(),
                                            null);
                            JobLog.error(
                                    log,
                                    id,
                                    "Job {} ended {} but its row could not be written ({}): it says running, with"
                                            + " the ledger's totals, until this instance writes it as failed once the"
                                            + " database answers again",
                                    id,
                                    status.wireName(),
                                    failure.toString());
                            publishEnd(JobStatus.FAILED, reported, reportedChunks, lost, endedAt, kept);
                            finishLater(lost, endedAt);
                        });
    }

    /** Writes the job's row once the database is back, trying every budget while this instance runs. */
    private void finishLater(JobError lost, Instant endedAt) {
        databaseRetry
                .untilBack(Mono.defer(() -> jobs.finish(id, JobStatus.FAILED, lost, endedAt)))
                .subscribe(
                        finished -> JobLog.info(
                                log, id, "Job {}: its row is written at last, failed with {}", id, finished.totals()),
                        failure -> JobLog.error(
                                log, id, "Job {}: its row could not be written; it says running", id, failure));
    }

    private static JobError error(String where, Throwable failure) {
        return SqlError.jobError(where, failure);
    }

    private void publishEnd(
            JobStatus status, Counts totals, int chunks, JobError endError, Instant endedAt, Boolean kept) {
        long ms = JobDocument.durationMs(startedAt, endedAt);
        JobLog.info(
                log,
                id,
                "Job {} {}: dataset {}, onConflict {}{}, {} chunks in {} ms, {}{}",
                id,
                status.wireName(),
                dataset.name(),
                settings.onConflict().wireName(),
                kept == null ? "" : ", one transaction " + (kept ? "committed" : "rolled back"),
                chunks,
                ms,
                totals,
                endError == null ? "" : ", error " + endError);
        publish(new JobEvent.Ended(
                id, chunks + 1L, status, totals, chunks, ms, JobDocument.rowsPerSecond(totals, ms), endError, kept));
        ended.tryEmitEmpty();
    }

    private JobEvent.ChunksCommitted chunkEvent(ChunkRecord record, Counts totals) {
        return JobEvent.ChunksCommitted.of(record, totals, limits.maxRowsPerEvent());
    }
}
