package dev.tally.ingest;

import dev.tally.dataset.Dataset;
import dev.tally.job.JobProgress;
import dev.tally.job.JobSettings;
import dev.tally.job.Jobs;
import dev.tally.system.TallyProperties;
import dev.tally.upsert.ChunkUpsert;
import io.r2dbc.spi.ConnectionFactory;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/** Starts uploads: a job row, then the pipeline, whose events the caller streams to the client. */
@Component
class Uploads {

    private final ConnectionFactory connections;
    private final Jobs jobs;
    private final JsonMapper json;
    private final TallyProperties.Ingest limits;
    private final IdempotencyKeys keys;

    Uploads(
            ConnectionFactory connections,
            Jobs jobs,
            JsonMapper json,
            TallyProperties properties,
            IdempotencyKeys keys) {
        this.connections = connections;
        this.jobs = jobs;
        this.keys = keys;
        this.json = json;
        this.limits = properties.ingest();
    }

    /**
     * Creates the job, then writes the body; emits the job's events as they happen, ending with
     * the final one. Cancelling stops reading the body; the chunks in flight finish (an atomic
     * or dry-run upload rolls back) and the job ends {@code aborted}. An upload whose Idempotency-Key was used before replays or resumes
     * the first job instead, or is refused with 409 ({@link IdempotencyKeys}).
     */
    Flux<JobEvent> start(Dataset dataset, JobSettings settings, Flux<DataBuffer> body) {
        return keys.repeatOf(settings)
                .map(repeat -> switch (repeat) {
                    case IdempotencyKeys.Repeat.Replay replay -> keys.replay(replay.job(), body);
                    case IdempotencyKeys.Repeat.Resume resume ->
                        run(
                                dataset,
                                settings,
                                body,
                                resume.job().job(),
                                resume.job().startedAt().toInstant(),
                                resume.progress(),
                                Mono.empty());
                })
                .switchIfEmpty(Mono.fromSupplier(() -> {
                    UUID id = UUID.randomUUID();
                    // In microseconds, as PostgreSQL keeps it: the job event equals its replay.
                    Instant startedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
                    return run(
                            dataset,
                            settings,
                            body,
                            id,
                            startedAt,
                            JobProgress.NONE,
                            keys.create(id, settings, startedAt));
                }))
                .flatMapMany(events -> events);
    }

    /** The pipeline for the job {@code id}, once {@code createJob} completed, after what its ledger holds. */
    private Flux<JobEvent> run(
            Dataset dataset,
            JobSettings settings,
            Flux<DataBuffer> body,
            UUID id,
            Instant startedAt,
            JobProgress before,
            Mono<Void> createJob) {
        ChunkUpsert upsert = new ChunkUpsert(dataset.schema(), settings.onConflict());
        // Atomic and dry-run uploads are written in one transaction; the others chunk by chunk.
        boolean whole = settings.atomic() || settings.dryRun();
        ChunkTransaction transaction = whole
                ? null
                : new ChunkTransaction(
                        connections,
                        upsert,
                        dataset.schema(),
                        id,
                        settings.maxRejects(),
                        limits.commitPatience(),
                        json);
        OneTransaction oneTransaction = whole
                ? new OneTransaction(
                        connections, upsert, dataset.schema(), id, settings.maxRejects(), settings.dryRun(), json)
                : null;
        Upload upload = new Upload(id, dataset, settings, limits, transaction, oneTransaction, jobs, startedAt, before);
        return createJob.thenMany(Flux.defer(() -> upload.start(body)));
    }
}
