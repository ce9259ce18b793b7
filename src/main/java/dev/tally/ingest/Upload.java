package dev.tally.ingest;

import dev.tally.events.Follow;
import dev.tally.events.JobEvent;
import dev.tally.job.ChunkRecord;
import dev.tally.job.JobError;
import dev.tally.job.JobStatus;
import dev.tally.system.JobLog;
import dev.tally.upsert.ChunkResult;
import dev.tally.upsert.ChunkWriter;
import dev.tally.upsert.ParsedChunk;
import dev.tally.upsert.SqlError;
import dev.tally.upsert.Turn;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
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

    private final UploadContext upload;
    private final UUID id;
    private final ChunkWriter writer;
    private final WriteScheduler.Lane slots;
    private final Consumer<LineTally> committedLines;
    private final UploadEvents events;
    private final UploadEnd jobEnd;
    private final Sinks.Empty<Void> stopReading = Sinks.empty();
    private final AtomicReference<Stop> stopped = new AtomicReference<>();
    // Set once the body's lines end at a fault of their own; a stop before it has the say.
    private volatile @Nullable JobError bodyFault;

    /**
     * @param slots where its chunks get their write slots, shared with the instance's other uploads
     * @param jobRow where the job's end is recorded
     * @param committedLines told the lines that committed, for the metrics
     */
    Upload(
            UploadContext upload,
            ChunkWriter writer,
            WriteScheduler.Lane slots,
            JobRow jobRow,
            Consumer<LineTally> committedLines) {
        this.upload = upload;
        this.id = upload.id();
        this.writer = writer;
        this.slots = slots;
        this.committedLines = committedLines;
        this.events = new UploadEvents(upload, writer instanceof ChunkWriter.OneTransaction);
        this.jobEnd = new UploadEnd(upload, jobRow, events);
    }

    /** Why the upload stopped before the end of its body, and so the job's final status. */
    private record Stop(JobStatus status, @Nullable JobError error) {}

    UUID id() {
        return id;
    }

    /**
     * Creates the job, then runs the upload, on one subscription of its own: the job ends whatever
     * the response does. Returns the job's events; cancelling them means the client is gone. They
     * end with the error, before any event, when the job could not be created.
     */
    Flux<JobEvent> start(Mono<Void> createJob, UploadBody body) {
        Flux<JobEvent> uploader = events.uploader(() -> stop(JobStatus.ABORTED, null));
        // The run ends its job in every case and signals no error: an error is the job's creation's.
        createJob.then(Mono.defer(() -> run(body))).subscribe(null, jobEnd::notCreated);
        return uploader;
    }

    /**
     * The upload, top to bottom: started, then each chunk's result reported as it comes, in chunk
     * order; a failure stops the job rather than ending the run; then the job's end is recorded
     * and published.
     */
    private Mono<Void> run(UploadBody body) {
        return Mono.fromRunnable(events::started)
                .thenMany(results(body))
                .onErrorResume(this::stopOnFailure)
                .scan(Reported.before(upload.before()), this::report)
                .last()
                .flatMap(this::end);
    }

    /**
     * The pipeline: lines, chunks, records, then one transaction per chunk, or one for the whole
     * upload when it is atomic or a dry run. Results come in chunk order; two chunks are parsed
     * ahead, once they have their write slots ({@link #slotted}). Once the upload is {@linkplain
     * #stop stopped} (which the first chunk that does not commit does too) or its body breaks off,
     * reading ends and the partial line is dropped, and chunks not yet started are dropped. When it resumes a job, the lines its ledger holds are
     * split off but neither parsed nor written again; its chunks are numbered after the ledger's.
     */
    Flux<ChunkResult> results(UploadBody body) {
        var settings = upload.settings();
        var limits = upload.limits();
        ChunkParsing parser = new ChunkParsing(upload, writer instanceof ChunkWriter.PerChunk);
        Flux<LineChunk> chunks = UploadLines.of(
                        body.content(), (int) limits.maxLineBytes().toBytes(), upload.maxLines(), this::endAtFault)
                .skipWhile(line -> line.number() <= upload.before().lastLine())
                .takeUntilOther(stopReading.asMono())
                .transform(lines -> Chunker.chunks(
                        lines,
                        settings.chunkSize(),
                        limits.maxChunkBytes().toBytes(),
                        limits.chunkMaxWait(),
                        upload.before(),
                        body.bytesRead(),
                        Schedulers.parallel()));
        return switch (writer) {
            case ChunkWriter.PerChunk perChunk ->
                inParallel(
                        chunks.flatMapSequential(chunk -> slotted(chunk, parser), 2, 1)
                                .onErrorResume(this::stopOnReadFailure),
                        perChunk);
            case ChunkWriter.OneTransaction one ->
                one.write(
                        chunks.flatMapSequential(parser::parsed, 2, 1)
                                .onErrorResume(this::stopOnReadFailure)
                                .takeWhile(chunk -> stopped.get() == null),
                        () -> stopped.get() != null || bodyFault != null);
        };
    }

    /** A parsed chunk holding its write slot, released once the chunk ended however it ended. */
    private record Slotted(ParsedChunk chunk, WriteScheduler.Ticket ticket) {}

    /**
     * The chunk parsed once it has its write slot: an upload waiting for one holds its chunks as
     * lines, not as parsed rows, which with many uploads at once is most of the heap.
     */
    private Mono<Slotted> slotted(LineChunk chunk, ChunkParsing parser) {
        WriteScheduler.Ticket ticket = slots.ticket(); // in chunk order
        return ticket.slot()
                .then(parser.parsed(chunk))
                .map(parsed -> new Slotted(parsed, ticket))
                .doOnCancel(ticket::release)
                .doOnError(failure -> ticket.release());
    }

    /**
     * Dispatch, then one transaction per chunk: at most {@code writeConcurrency} chunks in flight,
     * each holding a write slot (shared by the instance's uploads, {@link WriteScheduler}), those
     * sharing a key one after the other, committing in chunk order. A chunk is not started once
     * the upload stopped. After a stop the chunks in flight end by themselves: they commit in
     * turn, or roll back when a chunk before them did not commit. None is cancelled midway, so
     * none can commit after the job ended.
     */
    private Flux<ChunkResult> inParallel(Flux<Slotted> chunks, ChunkWriter.PerChunk perChunk) {
        KeyGate keys = new KeyGate();
        Turn.Sequence turns = new Turn.Sequence(upload.before().totals());
        return chunks.flatMapSequential(
                        slotted -> {
                            ParsedChunk chunk = slotted.chunk();
                            Turn turn = turns.next();
                            KeyGate.Claim claim = keys.claim(chunk.keys());
                            return claim.ready()
                                    .then(Mono.defer(() -> stopped.get() == null
                                            ? perChunk.write(chunk, turn)
                                            : Mono.just(new ChunkResult.Dropped(chunk.number()))))
                                    .doFinally(signal -> {
                                        turn.stopped(); // unless it committed, no later chunk may
                                        slotted.ticket().release();
                                        keys.release(claim);
                                    });
                        },
                        upload.limits().writeConcurrency(),
                        1)
                // A chunk dropped from a queue on cancel frees its slot too.
                .doOnDiscard(Slotted.class, slotted -> slotted.ticket().release());
    }

    /** The body ended at a fault of its own: the lines before it are written like any others; then the job fails. */
    private void endAtFault(JobError fault) {
        bodyFault = fault;
    }

    /** Reading or parsing failed: nothing more is read, the chunks in flight still end in turn. */
    private <T> Flux<T> stopOnReadFailure(Throwable failure) {
        if (failure instanceof UploadLines.ClientGone) {
            stop(JobStatus.ABORTED, null);
        } else if (failure instanceof IdleClient.Idle idle) {
            JobLog.info(log, id, "Job {}: {}", id, idle.getMessage());
            stop(JobStatus.ABORTED, new JobError("client_idle", idle.getMessage(), null));
        } else {
            JobLog.error(log, id, "Job {}: reading the upload failed", id, failure);
            stop(JobStatus.FAILED, SqlError.jobError("reading the upload", failure));
        }
        return Flux.empty();
    }

    /** Writing failed (an upload in one transaction could not commit): the job fails. */
    private Flux<ChunkResult> stopOnFailure(Throwable failure) {
        JobLog.error(log, id, "Job {} failed", id, failure);
        stop(JobStatus.FAILED, SqlError.jobError("the upload", failure));
        return Flux.empty();
    }

    /** Adds a chunk's result to what was reported, publishing its event; a chunk that stopped the job stops it. */
    private Reported report(Reported reported, ChunkResult result) {
        return switch (result) {
            case ChunkResult.Committed chunk -> {
                committedLines.accept(LineTally.of(chunk.record()));
                yield published(reported.committed(chunk.record()), chunk.record(), chunk.cancelRequested());
            }
            case ChunkResult.Written chunk ->
                published(reported.written(chunk.record()), chunk.record(), chunk.cancelRequested());
            case ChunkResult.Stopped stopping -> {
                stop(JobStatus.FAILED, stopping.error());
                yield reported;
            }
            case ChunkResult.Dropped dropped -> reported; // only ever after a stop
        };
    }

    private Reported published(Reported reported, ChunkRecord chunk, boolean cancelRequested) {
        events.chunk(chunk, reported.totals());
        if (cancelRequested) { // requested through another instance
            stop(JobStatus.CANCELLED, null);
        }
        return reported;
    }

    /**
     * Stops reading the body; the chunks in flight end in turn, no other starts, and the job ends
     * with the status of the first reason to stop.
     */
    void stop(JobStatus status) {
        stop(status, null);
    }

    private void stop(JobStatus status, @Nullable JobError error) {
        stopped.compareAndSet(null, new Stop(status, error));
        stopReading.tryEmitEmpty();
    }

    /** Completes once the job ended and its final event was published, or it was never created. */
    Mono<Void> ended() {
        return jobEnd.ended();
    }

    /** A subscriber other than the uploader joins ({@link Followers#follow}). */
    Optional<Follow> follow(long after) {
        return events.follow(after);
    }

    /**
     * Ends the job. Its totals are the ledger's: what committed, or for a dry run what it did. The
     * final event's are the same, except for an atomic upload rolled back, whose event reports
     * what it had done and that it was not kept, while nothing of it, ledger included, is left.
     */
    private Mono<Void> end(Reported reported) {
        Boolean kept =
                switch (writer) {
                    case ChunkWriter.PerChunk perChunk -> null;
                    case ChunkWriter.OneTransaction one -> one.committed();
                };
        if (Boolean.TRUE.equals(kept)) {
            committedLines.accept(reported.uncommitted()); // never for a dry run, which always rolls back
        }
        // A one-transaction upload that committed is complete, whatever stopped it after.
        Stop stop = Boolean.TRUE.equals(kept) ? null : stopped.get();
        if (stop == null && bodyFault != null) {
            stop = new Stop(JobStatus.FAILED, bodyFault);
        }
        // In microseconds, as PostgreSQL keeps it: the final event's duration equals its replay's.
        UploadEnd.Ending ending = new UploadEnd.Ending(
                stop == null ? JobStatus.COMPLETED : stop.status(),
                stop == null ? null : stop.error(),
                Instant.now().truncatedTo(ChronoUnit.MICROS),
                kept);
        return jobEnd.record(ending, reported);
    }
}
