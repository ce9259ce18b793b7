package dev.tally.ingest;

import dev.tally.job.Counts;
import dev.tally.job.JobDocument;
import dev.tally.job.JobError;
import dev.tally.job.JobStatus;
import dev.tally.system.JobLog;
import dev.tally.upsert.DatabaseRetry;
import dev.tally.upsert.DatabaseRetry.DatabaseGone;
import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * The end of an upload's job: recorded in its row, which answers the ledger's totals, then
 * published as the final event. Ending the job is one UPDATE; a brief database hiccup must not
 * leave it running, and a database gone for good leaves the event with what this instance saw.
 */
final class UploadEnd {

    // The summary line of a job is its upload's, as operators filter it.
    private static final Logger log = LoggerFactory.getLogger(Upload.class);

    private final UploadContext upload;
    private final UUID id;
    private final JobRow jobRow;
    private final UploadEvents events;
    private final DatabaseRetry databaseRetry;
    private final Sinks.Empty<Void> ended = Sinks.empty();

    UploadEnd(UploadContext upload, JobRow jobRow, UploadEvents events) {
        this.upload = upload;
        this.id = upload.id();
        this.jobRow = jobRow;
        this.events = events;
        this.databaseRetry = new DatabaseRetry(
                upload.limits().databaseRetry(), upload.limits().databaseWait());
    }

    /** How the job ends; {@code kept} for an upload in one transaction, null for one committed chunk by chunk. */
    record Ending(
            JobStatus status,
            @Nullable JobError error,
            Instant endedAt,
            @Nullable Boolean kept) {}

    /**
     * Records the job's end and publishes the final event: with the ledger's totals for an upload
     * committed chunk by chunk, with those {@code reported} for one in one transaction. Completes
     * once the row is written, which, with the database gone, may be long after the event.
     */
    Mono<Void> record(Ending ending, Reported reported) {
        return databaseRetry
                .whileAway(
                        Mono.defer(() -> jobRow.finish(id, ending.status(), ending.error(), ending.endedAt()))
                                .single(),
                        "ending job " + id)
                .doOnNext(finished -> {
                    Ending recorded = new Ending(finished.status(), ending.error(), ending.endedAt(), ending.kept());
                    if (ending.kept() == null) {
                        publish(recorded, finished.totals(), finished.chunks());
                    } else {
                        publish(recorded, reported.totals(), reported.chunks());
                    }
                })
                .then()
                .onErrorResume(failure -> unrecorded(failure, ending, reported));
    }

    /** The job could not be created: its events end with the error. */
    void notCreated(Throwable failure) {
        events.notCreated(failure);
        ended.tryEmitEmpty();
    }

    /** Completes once the final event was published, or the job was never created. */
    Mono<Void> ended() {
        return ended.asMono();
    }

    /** The database is gone: what this instance saw commit is the best account left. */
    private Mono<Void> unrecorded(Throwable failure, Ending ending, Reported reported) {
        JobError lost = ending.error() != null
                ? ending.error()
                : new JobError(
                        failure instanceof DatabaseGone ? DatabaseGone.CODE : "db_error",
                        "the job's end could not be recorded: " + failure.getMessage(),
                        null);
        JobLog.error(
                log,
                id,
                "Job {} ended {} but its row could not be written ({}): it says running, with the ledger's totals,"
                        + " until this instance writes it as failed once the database answers again",
                id,
                ending.status().wireName(),
                failure.toString());
        publish(
                new Ending(JobStatus.FAILED, lost, ending.endedAt(), ending.kept()),
                reported.totals(),
                reported.chunks());
        // Writes the job's row once the database is back, trying every budget while this instance runs.
        return databaseRetry
                .untilBack(Mono.defer(() -> jobRow.finish(id, JobStatus.FAILED, lost, ending.endedAt())))
                .doOnNext(finished -> JobLog.info(
                        log, id, "Job {}: its row is written at last, failed with {}", id, finished.totals()))
                .doOnError(written ->
                        JobLog.error(log, id, "Job {}: its row could not be written; it says running", id, written))
                .onErrorComplete()
                .then();
    }

    private void publish(Ending ending, Counts totals, int chunks) {
        JobLog.info(
                log,
                id,
                "Job {} {}: dataset {}, onConflict {}{}, {} chunks in {} ms, {}{}",
                id,
                ending.status().wireName(),
                upload.dataset().name(),
                upload.settings().onConflict().wireName(),
                ending.kept() == null ? "" : ", one transaction " + (ending.kept() ? "committed" : "rolled back"),
                chunks,
                JobDocument.durationMs(upload.startedAt(), ending.endedAt()),
                totals,
                ending.error() == null ? "" : ", error " + ending.error());
        events.ended(ending.status(), totals, chunks, ending.error(), ending.endedAt(), ending.kept());
        ended.tryEmitEmpty();
    }
}
