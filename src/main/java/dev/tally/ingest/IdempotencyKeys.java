package dev.tally.ingest;

import dev.tally.events.JobEvent;
import dev.tally.events.JobHistory;
import dev.tally.job.JobDocument;
import dev.tally.job.JobProgress;
import dev.tally.job.JobSettings;
import dev.tally.job.JobStatus;
import dev.tally.job.Jobs;
import dev.tally.job.LedgerHistory;
import dev.tally.system.Problems;
import dev.tally.upsert.DatabaseRetry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * What an upload does whose {@code Idempotency-Key} was used before on its dataset: the first job
 * ended for good (completed, failed by a policy, cancelled), so its outcome is replayed; it was
 * interrupted (aborted, or failed because the database was lost), so this upload resumes it; or
 * it still runs, or had other settings, and the upload is refused with 409.
 */
@Component
class IdempotencyKeys {

    private final Jobs jobs;
    private final LedgerHistory ledger;
    private final JobHistory history;

    IdempotencyKeys(Jobs jobs, LedgerHistory ledger, JobHistory history) {
        this.jobs = jobs;
        this.ledger = ledger;
        this.history = history;
    }

    /** What a repeated upload does with the first job. */
    sealed interface Repeat {

        /** Returns the ended job's outcome and writes nothing. */
        record Replay(JobDocument job) implements Repeat {}

        /** Continues the job, now running again, after what its ledger holds. */
        record Resume(JobDocument job, JobProgress progress) implements Repeat {}
    }

    /**
     * The repeat this upload is, empty when it has no key or its key is new; a 409 when the first
     * job still runs, was just resumed by another upload, or had other settings.
     */
    Mono<Repeat> repeatOf(JobSettings settings) {
        String key = settings.idempotencyKey();
        if (key == null) {
            return Mono.empty();
        }
        return jobs.findByKey(settings.dataset(), key).flatMap(job -> {
            List<String> differences = differences(job, settings);
            if (!differences.isEmpty()) {
                return Mono.error(Problems.of(
                        HttpStatus.CONFLICT,
                        "Idempotency-Key reused with other settings",
                        "Idempotency-Key '%s' belongs to job %s, sent with other settings: %s. Send it again with the first upload's settings, or use a new key"
                                .formatted(key, job.job(), String.join(", ", differences))));
            }
            JobStatus status = job.status();
            if (status == JobStatus.RUNNING) {
                return Mono.error(stillRunning(key, job.job()));
            }
            if (!resumable(job, status)) {
                return Mono.just(new Repeat.Replay(job));
            }
            return jobs.reopen(job.job(), status)
                    .flatMap(reopened -> reopened
                            ? ledger.progress(job.job()).map(progress -> (Repeat) new Repeat.Resume(job, progress))
                            : Mono.error(stillRunning(key, job.job())));
        });
    }

    /** Creates a new job; of two uploads racing with the same new key, the key's unique index refuses the second. */
    Mono<Void> create(UUID id, JobSettings settings, Instant startedAt, @Nullable Long bytesTotal) {
        return jobs.create(id, settings, startedAt, bytesTotal)
                .onErrorMap(
                        DuplicateKeyException.class,
                        e -> Problems.of(
                                HttpStatus.CONFLICT,
                                "Idempotency-Key in use",
                                "Another upload with Idempotency-Key '%s' started at the same time and runs; send it again once it ended"
                                        .formatted(settings.idempotencyKey())));
    }

    /**
     * The ended job's events as its uploader saw them: {@code job}, one {@code chunk} per chunk
     * the ledger holds, and the final one. The body is read and released unparsed, so the
     * response ends once the client has sent it, as for an upload that ran.
     */
    Flux<JobEvent> replay(JobDocument job, Flux<DataBuffer> body) {
        Flux<JobEvent> events = history.ofEnded(job);
        // Released by map, not doOnNext: then() would hand each buffer to the discard hook as well.
        return events.mergeWith(body.map(DataBufferUtils::release).thenMany(Flux.empty()));
    }

    private static boolean resumable(JobDocument job, JobStatus status) {
        return status == JobStatus.ABORTED
                || (status == JobStatus.FAILED
                        && job.error() != null
                        && DatabaseRetry.DatabaseGone.CODE.equals(job.error().code()));
    }

    /** The settings that decide what a line does; chunkSize only groups lines, so it may differ. */
    private static List<String> differences(JobDocument job, JobSettings settings) {
        List<String> differences = new ArrayList<>();
        differ(
                differences,
                "onConflict",
                job.onConflict(),
                settings.onConflict().wireName());
        differ(differences, "maxRejects", job.maxRejects(), settings.maxRejects());
        differ(differences, "atomic", job.atomic(), settings.atomic());
        differ(differences, "dryRun", job.dryRun(), settings.dryRun());
        differ(differences, "unknownFields", job.unknownFields(), settings.unknownFields());
        return differences;
    }

    private static void differ(List<String> differences, String name, @Nullable Object first, @Nullable Object now) {
        if (!Objects.equals(first, now)) {
            differences.add("%s=%s, first %s".formatted(name, show(now), show(first)));
        }
    }

    private static String show(@Nullable Object value) {
        return value == null ? "none" : value.toString();
    }

    private static RuntimeException stillRunning(String key, UUID job) {
        return Problems.of(
                HttpStatus.CONFLICT,
                "Idempotency-Key in use",
                "The upload with Idempotency-Key '%s' still runs as job %s; send it again once that job ended (GET /v1/jobs/%s)"
                        .formatted(key, job, job));
    }
}
