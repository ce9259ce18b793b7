package dev.tally.ingest;

import dev.tally.dataset.ConflictPolicy;
import dev.tally.dataset.Dataset;
import dev.tally.ingest.DatabaseRetry.DatabaseGone;
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
import reactor.util.retry.Retry;

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
    private final ChunkTransaction transaction;
    private final Jobs jobs;
    private final Instant startedAt;
    private final EventFeed feed;
    private final DatabaseRetry databaseRetry;
    private final Sinks.Empty<Void> stopReading = Sinks.empty();
    private volatile JobError error;
    private volatile boolean clientGone;
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
        this.databaseRetry = new DatabaseRetry(limits.databaseRetry());
    }

    /**
     * The pipeline, top to bottom: lines, chunks, records, dispatch, one transaction per chunk.
     * Results come in chunk order; at most {@code writeConcurrency} chunks are in flight, two
     * are parsed ahead. It ends at the first chunk that stops the job.
     */
    Flux<ChunkResult> results(Flux<DataBuffer> body) {
        RecordParser parser = new RecordParser(
                dataset.schema(),
                settings.ignoreUnknownFields(),
                settings.onConflict() == ConflictPolicy.UPDATE_IF_NEWER);
        KeyGate keys = new KeyGate();
        Turn[] turn = {null};
        return LineSplitter.split(body, (int) limits.maxLineBytes().toBytes())
                .takeUntilOther(stopReading.asMono())
                .transform(lines -> Chunker.chunks(
                        lines, settings.chunkSize(), limits.maxChunkBytes().toBytes(), limits.chunkMaxWait()))
                .flatMapSequential(
                        chunk -> Mono.fromCallable(() -> parse(chunk, parser)).subscribeOn(Schedulers.parallel()), 2, 1)
                .flatMapSequential(
                        chunk -> {
                            turn[0] = turn[0] == null ? Turn.first() : turn[0].next();
                            KeyGate.Claim claim = keys.claim(chunk.keys());
                            return claim.ready()
                                    .then(transaction.run(chunk, turn[0]))
                                    .doFinally(signal -> keys.release(claim));
                        },
                        limits.writeConcurrency(),
                        1)
                .takeUntil(result -> !(result instanceof ChunkResult.Committed));
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
            case ChunkResult.Committed chunk -> {
                committed = committed.plus(chunk.record().counts());
                committedChunks = chunk.chunk();
                feed.publish(chunkEvent(chunk.record(), committed));
            }
            case ChunkResult.Stopped stopped -> error = stopped.error();
            case ChunkResult.Dropped dropped -> {}
        }
    }

    private void onError(Throwable failure) {
        log.error("Job {} failed", id, failure);
        error = new JobError("db_error", String.valueOf(failure.getMessage()), null);
        onEnd();
    }

    private void onEnd() {
        JobStatus status = error != null ? JobStatus.FAILED : clientGone ? JobStatus.ABORTED : JobStatus.COMPLETED;
        Instant endedAt = Instant.now();
        databaseRetry
                .retrying(
                        Mono.defer(() -> jobs.finish(id, status, error, endedAt)),
                        DatabaseRetry::isDatabaseAway,
                        "ending job " + id)
                .subscribe(
                        finished -> publishEnd(status, finished.totals(), finished.chunks(), error, endedAt),
                        failure -> {
                            // The database is gone: what this instance saw commit is the best account left.
                            JobError lost = error != null
                                    ? error
                                    : new JobError(
                                            failure instanceof DatabaseGone ? "database_unavailable" : "db_error",
                                            "the job's end could not be recorded: " + failure.getMessage(),
                                            null);
                            log.error(
                                    "Job {} ended {} but its row could not be written ({}): it says running, with"
                                            + " the ledger's totals, until this instance writes it as failed once the"
                                            + " database answers again",
                                    id,
                                    status.wireName(),
                                    failure.toString());
                            publishEnd(JobStatus.FAILED, committed, committedChunks, lost, endedAt);
                            finishLater(lost, endedAt);
                        });
    }

    /** Writes the job's row once the database is back, trying every budget while this instance runs. */
    private void finishLater(JobError lost, Instant endedAt) {
        Mono.defer(() -> jobs.finish(id, JobStatus.FAILED, lost, endedAt))
                .retryWhen(
                        Retry.fixedDelay(Long.MAX_VALUE, databaseRetry.budget()).filter(DatabaseRetry::isDatabaseAway))
                .subscribe(
                        finished ->
                                log.info("Job {}: its row is written at last, failed with {}", id, finished.totals()),
                        failure -> log.error("Job {}: its row could not be written; it says running", id, failure));
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
