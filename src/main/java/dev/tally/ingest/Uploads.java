package dev.tally.ingest;

import dev.tally.dataset.Dataset;
import dev.tally.job.JobSettings;
import dev.tally.job.Jobs;
import dev.tally.system.TallyProperties;
import dev.tally.upsert.ChunkUpsert;
import io.r2dbc.spi.ConnectionFactory;
import java.time.Instant;
import java.util.UUID;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import tools.jackson.databind.json.JsonMapper;

/** Starts uploads: a job row, then the pipeline, whose events the caller streams to the client. */
@Component
class Uploads {

    private final ConnectionFactory connections;
    private final Jobs jobs;
    private final JsonMapper json;
    private final TallyProperties.Ingest limits;

    Uploads(ConnectionFactory connections, Jobs jobs, JsonMapper json, TallyProperties properties) {
        this.connections = connections;
        this.jobs = jobs;
        this.json = json;
        this.limits = properties.ingest();
    }

    /**
     * Creates the job, then writes the body; emits the job's events as they happen, ending with
     * the final one. Cancelling stops reading the body; the chunks in flight finish and the job
     * ends {@code aborted}.
     */
    Flux<JobEvent> start(Dataset dataset, JobSettings settings, Flux<DataBuffer> body) {
        UUID id = UUID.randomUUID();
        Instant startedAt = Instant.now();
        ChunkTransaction transaction = new ChunkTransaction(
                connections,
                new ChunkUpsert(dataset.schema(), settings.onConflict()),
                dataset.schema(),
                id,
                settings.maxRejects(),
                limits.commitPatience(),
                json,
                new DatabaseRetry(limits.databaseRetry()));
        Upload upload = new Upload(id, dataset, settings, limits, transaction, jobs, startedAt);
        return jobs.create(id, settings, startedAt).thenMany(Flux.defer(() -> upload.start(body)));
    }
}
