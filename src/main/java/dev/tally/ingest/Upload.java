package dev.tally.ingest;

import dev.tally.dataset.ConflictPolicy;
import dev.tally.dataset.Dataset;
import dev.tally.job.ChunkRecord;
import dev.tally.job.Counts;
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
import dev.tally.system.TallyProperties;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.buffer.DataBuffer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Schedulers;

/**
 * One running upload: the pipeline from request body to committed chunks, and the job's events.
 * It runs on its own subscription, not the response's, so a client that reads nothing until it
 * has sent everything still completes its upload; its events merge meanwhile.
 */
final class Upload {

    private static final Logger log = LoggerFactory.getLogger(Upload.class);

    private final UUID id;
    private final Dataset dataset;
    private final JobSettings settings;
    private final TallyProperties.Ingest limits;
    // Exactly one is set: a transaction per chunk, or one for the whole (atomic or dry-run) upload.
    private final ChunkTransaction transaction;
    private final OneTransaction oneTransaction;
    private final Jobs jobs;
    private final Instant startedAt;
    private final EventFeed feed;
    private final JobProgress before;
    private final Sinks.Empty<Void> stopReading = Sinks.empty();
    private volatile JobError error;
    // Set once the body's lines end at a fault; a chunk that stopped the job earlier has the say.
    private volatile JobError bodyError;
    private volatile boolean clientGone;
    // What the chunk events reported: committed chunks, or those written in the one transaction.
    private volatile Counts reported;
    private volatile int reportedChunks;

    Upload(
            UUID id,
            Dataset dataset,
            JobSettings settings,
            TallyProperties.Ingest limits,
            ChunkTransaction transaction,
            OneTransaction oneTransaction,
            Jobs jobs,
            Instant startedAt,
            JobProgress before) {
        this.id = id;
        this.dataset = dataset;
        this.settings = settings;
        this.limits = limits;
        this.transaction = transaction;
        this.oneTransaction = oneTransaction;
        this.jobs = jobs;
        this.startedAt = startedAt;
        this.feed = new EventFeed(limits.maxRowsPerEvent());
        this.before = before;
        this.reported = before.totals();
        this.reportedChunks = before.chunks();
    }

    /**
     * The pipeline, top to bottom: lines, chunks, records, then one transaction per chunk, or one
     * for the whole upload when it is atomic or a dry run. Results come in chunk order; two chunks
     * are parsed ahead. It ends at the first chunk that stops the job. When it resumes a job, the
     * lines its ledger holds ({@code before}) are split off but neither parsed nor written again;
     * its chunks are numbered after the ledger's and its totals start from the ledger's.
     */
    Flux<ChunkResult> results(Flux<DataBuffer> body) {
        RecordParser parser = new RecordParser(
                dataset.schema(),
                settings.ignoreUnknownFields(),
                settings.onConflict() == ConflictPolicy.UPDATE_IF_NEWER);
        int maxLineBytes = (int) limits.maxLineBytes().toBytes();
        Flux<ParsedChunk> chunks = LineSplitter.split(body, maxLineBytes)
                .onErrorResume(InvalidGzipException.class, this::endAtCorruptBody)
                .skipWhile(line -> line.number() <= before.lastLine())
                .takeUntilOther(stopReading.asMono())
                .transform(lines -> Chunker.chunks(
                        lines, settings.chunkSize(), limits.maxChunkBytes().toBytes(), limits.chunkMaxWait(), before))
                .flatMapSequential(
                        chunk -> Mono.fromCallable(() -> parse(chunk, parser)).subscribeOn(Schedulers.parallel()),
                        2,
                        1);
        return oneTransaction != null
                ? oneTransaction.write(chunks, () -> clientGone || bodyError != null)
                : inParallel(chunks);
    }

    /**
     * Dispatch, then one transaction per chunk: at most {@code writeConcurrency} chunks in flight,
     * those sharing a key one after the other, committing in chunk order.
     */
    private Flux<ChunkResult> inParallel(Flux<ParsedChunk> chunks) {
        KeyGate keys = new KeyGate();
        Turn[] turn = {null};
        return chunks.flatMapSequential(
                        chunk -> {
                            turn[0] = turn[0] == null ? Turn.first(before.totals()) : turn[0].next();
                            KeyGate.Claim claim = keys.claim(chunk.keys());
                            return claim.ready()
                                    .then(transaction.run(chunk, turn[0]))
                                    .doFinally(signal -> keys.release(claim));
                        },
                        limits.writeConcurrency(),
                        1)
                .takeUntil(result -> !(result instanceof ChunkResult.Committed));
    }

    /** The lines before the fault are written like any others; then the job fails. */
    private Flux<Line> endAtCorruptBody(InvalidGzipException corrupt) {
        bodyError = new JobError("invalid_gzip", corrupt.getMessage(), corrupt.line());
        return Flux.empty();
    }

    private ParsedChunk parse(LineChunk chunk, RecordParser parser) {
        List<ParsedLine> parsed = new ArrayList<>(chunk.lines().size());
        chunk.lines().forEach(line -> parsed.add(parser.parse(line)));
        return ParsedChunk.of(chunk, parsed, dataset.schema());
    }

    /** Starts the pipeline and returns the job's events; cancelling them means the client is gone. */
    Flux<JobEvent> start(Flux<DataBuffer> body) {
        feed.publish(new JobEvent.Started(
                id,
                dataset.name(),
                settings.onConflict().wireName(),
                settings.chunkSize(),
                settings.atomic(),
                settings.dryRun(),
                startedAt));
        feed.onCancel(() -> {
            clientGone = true;
            stopReading.tryEmitEmpty();
        });
        results(body).subscribe(this::onResult, this::onError, this::onEnd);
        return feed.events();
    }

    private void onResult(ChunkResult result) {
        switch (result) {
            case ChunkResult.Committed chunk -> report(chunk.record());
            case ChunkResult.Written chunk -> report(chunk.record());
            case ChunkResult.Stopped stopped -> error = stopped.error();
            case ChunkResult.Dropped dropped -> {}
        }
    }

    private void report(ChunkRecord chunk) {
        reported = reported.plus(chunk.counts());
        reportedChunks = chunk.chunk();
        feed.publish(chunkEvent(chunk, reported));
    }

    private void onError(Throwable failure) {
        log.error("Job {} failed", id, failure);
        error = new JobError("db_error", String.valueOf(failure.getMessage()), null);
        onEnd();
    }

    /**
     * Ends the job. Its totals are the ledger's: what committed, or for a dry run what it did. The
     * final event's are the same, except for an atomic upload rolled back, whose event reports
     * what it had done and that it was not kept, while nothing of it, ledger included, is left.
     */
    private void onEnd() {
        if (error == null) {
            error = bodyError;
        }
        Boolean kept = oneTransaction == null ? null : oneTransaction.committed();
        JobStatus status = error != null
                ? JobStatus.FAILED
                : clientGone && !Boolean.TRUE.equals(kept) ? JobStatus.ABORTED : JobStatus.COMPLETED;
        Instant endedAt = Instant.now();
        jobs.finish(id, status, error, endedAt)
                .subscribe(
                        finished -> {
                            if (kept == null) {
                                publishEnd(status, finished.totals(), finished.chunks(), error, endedAt, null);
                            } else {
                                publishEnd(status, reported, reportedChunks, error, endedAt, kept);
                            }
                        },
                        failure -> {
                            // The database is gone: what this instance saw commit is the best account left.
                            log.error("Job {} ended {} but its row could not be updated", id, status, failure);
                            JobError lost = error != null
                                    ? error
                                    : new JobError("db_error", "job row not updated: " + failure.getMessage(), null);
                            publishEnd(JobStatus.FAILED, reported, reportedChunks, lost, endedAt, kept);
                        });
    }

    private void publishEnd(
            JobStatus status, Counts totals, int chunks, JobError endError, Instant endedAt, Boolean kept) {
        long ms = Math.max(1, Duration.between(startedAt, endedAt).toMillis());
        log.info(
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
        feed.publish(new JobEvent.Ended(
                id, chunks + 1L, status, totals, chunks, ms, totals.received() * 1000.0 / ms, endError, kept));
    }

    private JobEvent.ChunksCommitted chunkEvent(ChunkRecord record, Counts totals) {
        return JobEvent.ChunksCommitted.of(record, totals, limits.maxRowsPerEvent());
    }
}
