package dev.tally.ingest;

import dev.tally.dataset.Dataset;
import dev.tally.job.JobCancelRequested;
import dev.tally.job.JobSettings;
import dev.tally.job.JobStatus;
import dev.tally.job.Jobs;
import dev.tally.system.TallyProperties;
import dev.tally.upsert.ChunkUpsert;
import io.r2dbc.spi.ConnectionFactory;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.context.event.EventListener;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import tools.jackson.databind.json.JsonMapper;

/** Starts uploads, a job row and then the pipeline, and keeps the running ones, to cancel one at once. */
@Component
class Uploads {

    private final ConnectionFactory connections;
    private final Jobs jobs;
    private final JsonMapper json;
    private final TallyProperties.Ingest limits;
    private final Map<UUID, Upload> running = new ConcurrentHashMap<>();

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
                json);
        Upload upload = new Upload(id, dataset, settings, limits, transaction, jobs, startedAt);
        admit(upload);
        return upload.start(jobs.create(id, settings, startedAt), body);
    }

    private void admit(Upload upload) {
        running.put(upload.id(), upload);
        upload.ended().doFinally(signal -> running.remove(upload.id())).subscribe();
    }

    /** A cancel taken by this instance stops the upload at once when it runs here. */
    @EventListener
    void cancel(JobCancelRequested request) {
        Upload upload = running.get(request.job());
        if (upload != null) {
            upload.stop(JobStatus.CANCELLED);
        }
    }
}
