package dev.tally.ingest;

import dev.tally.events.EventFeed;
import dev.tally.events.Follow;
import dev.tally.events.Followers;
import dev.tally.events.JobEvent;
import dev.tally.job.ChunkRecord;
import dev.tally.job.Counts;
import dev.tally.job.JobDocument;
import dev.tally.job.JobError;
import dev.tally.job.JobStatus;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;

/**
 * One upload's events, as its uploader and its other subscribers on this instance get them: the
 * one place an upload touches the event fan-out.
 */
final class UploadEvents {

    private final UploadContext upload;
    private final EventFeed feed;
    private final Followers followers;

    UploadEvents(UploadContext upload, boolean oneTransaction) {
        this.upload = upload;
        int maxRows = upload.limits().maxRowsPerEvent();
        this.feed = new EventFeed(maxRows);
        this.followers = new Followers(maxRows, oneTransaction, upload.before().chunks());
    }

    /** The uploader's events; {@code onCancel} runs when it stops reading them: the client is gone. */
    Flux<JobEvent> uploader(Runnable onCancel) {
        feed.onCancel(onCancel);
        return feed.events();
    }

    /** A subscriber other than the uploader joins ({@link Followers#follow}). */
    Optional<Follow> follow(long after) {
        return followers.follow(after);
    }

    void started() {
        publish(new JobEvent.Started(
                upload.id(),
                upload.dataset().name(),
                upload.settings().onConflict().wireName(),
                upload.settings().chunkSize(),
                upload.settings().atomic(),
                upload.settings().dryRun(),
                upload.startedAt(),
                upload.bytesTotal()));
    }

    /** A chunk committed (or was written, in one transaction), bringing the job's totals to {@code totals}. */
    void chunk(ChunkRecord chunk, Counts totals) {
        publish(JobEvent.ChunksCommitted.of(chunk, totals, upload.limits().maxRowsPerEvent()));
    }

    /**
     * The final event.
     *
     * @param kept for an upload in one transaction, whether it committed; null for one committed chunk by chunk
     */
    void ended(
            JobStatus status,
            Counts totals,
            int chunks,
            @Nullable JobError error,
            Instant endedAt,
            @Nullable Boolean kept) {
        long ms = JobDocument.durationMs(upload.startedAt(), endedAt);
        publish(new JobEvent.Ended(
                upload.id(),
                chunks + 1L,
                status,
                totals,
                chunks,
                ms,
                JobDocument.rowsPerSecond(totals, ms),
                error,
                kept));
    }

    /** The job could not be created: the uploader's events end with the error. */
    void notCreated(Throwable failure) {
        feed.fail(failure);
    }

    private synchronized void publish(JobEvent event) {
        feed.publish(event);
        followers.publish(event);
    }
}
