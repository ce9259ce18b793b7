package dev.tally.ingest;

import dev.tally.dataset.Dataset;
import dev.tally.events.Follow;
import dev.tally.events.JobEvent;
import dev.tally.events.RunningUploads;
import dev.tally.job.JobCancelRequested;
import dev.tally.job.JobProgress;
import dev.tally.job.JobSettings;
import dev.tally.job.JobStatus;
import dev.tally.job.Jobs;
import dev.tally.system.Problems;
import dev.tally.system.TallyProperties;
import dev.tally.upsert.ChunkWriter;
import dev.tally.upsert.DatabaseRetry;
import io.r2dbc.spi.ConnectionFactory;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.EventListener;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

/**
 * Starts uploads, a job row and then the pipeline, whose events the caller streams to the client,
 * and keeps the running ones: to cancel one at once, and to stop them all at shutdown.
 *
 * <p>Shutdown: this lifecycle stops in the highest phase, before the web server's graceful
 * shutdown waits for open requests and long before the connection pool is disposed (beans are
 * destroyed only after every phase stopped). It refuses new uploads with 503, stops reading the
 * running ones and waits until their chunks in flight committed or rolled back and their jobs
 * ended {@code aborted}; the wait is bounded by {@code spring.lifecycle.timeout-per-shutdown-phase}.
 */
@Component
class Uploads implements SmartLifecycle, RunningUploads {

    private static final Logger log = LoggerFactory.getLogger(Uploads.class);

    private final ConnectionFactory connections;
    private final Jobs jobs;
    private final JsonMapper json;
    private final TallyProperties.Ingest limits;
    private final IdempotencyKeys keys;
    // Bounds the look-up of an Idempotency-Key and the job row's INSERT: without an answer, the
    // upload is refused (503) and its place freed rather than held by a request that never ends.
    private final DatabaseRetry answers;
    private final IngestMetrics metrics;
    private final Admissions admissions;
    private final WriteScheduler writeSlots;
    private final long maxLinesPerUpload;
    private final Map<UUID, Upload> running = new ConcurrentHashMap<>();

    // Accepts from the start: the web server starts in an earlier phase than this lifecycle.
    private boolean accepting = true;

    Uploads(
            ConnectionFactory connections,
            Jobs jobs,
            JsonMapper json,
            TallyProperties properties,
            IdempotencyKeys keys,
            IngestMetrics metrics) {
        this.connections = connections;
        this.metrics = metrics;
        this.jobs = jobs;
        this.keys = keys;
        this.json = json;
        this.limits = properties.ingest();
        this.answers = new DatabaseRetry(limits.databaseRetry(), limits.databaseWait());
        this.admissions = new Admissions(properties.limits());
        this.writeSlots = new WriteScheduler(limits.writeSlots());
        this.maxLinesPerUpload = properties.limits().maxLinesPerUpload();
    }

    /**
     * Creates the job, then writes the body; emits the job's events as they happen, ending with
     * the final one. Cancelling stops reading the body; the chunks in flight finish (an atomic
     * or dry-run upload rolls back) and the job ends {@code aborted}. An upload whose
     * Idempotency-Key was used before replays or resumes the first job instead, or is refused with 409 ({@link IdempotencyKeys}). Refused with 503 once
     * shutdown began, and on subscription with 429, before any job is created, when {@code
     * dataset} or {@code caller} (an opaque name: the access token's) already has as many uploads
     * running on this instance as the limits allow ({@link Admissions}); the place is taken until
     * the job ended, or the replay or refusal is over.
     */
    Flux<JobEvent> start(Dataset dataset, String caller, JobSettings settings, UploadBody body) {
        refuseOnceShuttingDown();
        return Flux.defer(() -> {
            Admissions.Slot slot = admissions.admit(dataset.name(), caller);
            // Once an upload runs, its end frees the place: it may outlive the response.
            AtomicBoolean handedOver = new AtomicBoolean();
            return answers.answered(keys.repeatOf(settings), "looking up the Idempotency-Key")
                    .map(repeat -> switch (repeat) {
                        case IdempotencyKeys.Repeat.Replay replay -> keys.replay(replay.job(), body.content());
                        case IdempotencyKeys.Repeat.Resume resume -> {
                            handedOver.set(true);
                            yield run(
                                    new UploadContext(
                                            resume.job().job(),
                                            dataset,
                                            settings,
                                            limits,
                                            resume.job().startedAt().toInstant(),
                                            // The same body again: its length is the job's.
                                            resume.job().bytesTotal(),
                                            resume.progress(),
                                            maxLinesPerUpload),
                                    body,
                                    Mono.empty(),
                                    slot);
                        }
                    })
                    .switchIfEmpty(newJobId().map(id -> {
                        handedOver.set(true);
                        // In microseconds, as PostgreSQL keeps it: the job event equals its replay.
                        Instant startedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
                        return run(
                                new UploadContext(
                                        id,
                                        dataset,
                                        settings,
                                        limits,
                                        startedAt,
                                        body.length(),
                                        JobProgress.NONE,
                                        maxLinesPerUpload),
                                body,
                                answers.answered(
                                        keys.create(id, settings, startedAt, body.length()), "creating the job"),
                                slot);
                    }))
                    .flatMapMany(events -> events)
                    .doFinally(signal -> {
                        if (!handedOver.get()) {
                            slot.release();
                        }
                    });
        });
    }

    /**
     * A new job's id, made on a thread that may block: {@link UUID#randomUUID} reads SecureRandom, whose
     * refills read the system's entropy source, which has no place on the event loop. SecureRandom
     * rather than a faster generator seeded once, because from one id a seeded PRNG's output gives away
     * the next ones, and a job id should not be guessable.
     */
    private static Mono<UUID> newJobId() {
        return Mono.fromCallable(UUID::randomUUID).subscribeOn(Schedulers.boundedElastic());
    }

    /** The upload, once {@code createJob} completed, after what its job's ledger holds. */
    private Flux<JobEvent> run(UploadContext upload, UploadBody body, Mono<Void> createJob, Admissions.Slot slot) {
        IngestMetrics.DatasetMeters meters = metrics.of(upload.dataset().name());
        ChunkWriter writer = ChunkWriter.of(new ChunkWriter.Context(
                connections, upload.dataset().schema(), upload.id(), upload.settings(), limits, json, meters));
        Upload running = new Upload(upload, writer, writeSlots.lane(), jobs::finish, meters::committed);
        admit(running, slot);
        return running.start(createJob, body);
    }

    private synchronized void refuseOnceShuttingDown() {
        if (!accepting) {
            throw Problems.of(
                    HttpStatus.SERVICE_UNAVAILABLE,
                    "Shutting down",
                    "This instance is shutting down and takes no new uploads; send it again, to another instance"
                            + " or once this one is back");
        }
    }

    /**
     * Keeps the upload while it runs. One that got this far as shutdown began (its job may be
     * reopened already) is stopped at once; the web server's graceful shutdown waits for its response.
     */
    private synchronized void admit(Upload upload, Admissions.Slot slot) {
        running.put(upload.id(), upload);
        upload.ended()
                .doFinally(signal -> {
                    running.remove(upload.id());
                    slot.release();
                })
                .subscribe();
        if (!accepting) {
            upload.stop(JobStatus.ABORTED);
        }
    }

    @Override
    public Set<UUID> runningJobs() {
        return Set.copyOf(running.keySet());
    }

    /** Follows the job's upload when it runs on this instance ({@link Upload#follow}). */
    @Override
    public Optional<Follow> follow(UUID job, long after) {
        return Optional.ofNullable(running.get(job)).flatMap(upload -> upload.follow(after));
    }

    /** A cancel taken by this instance stops the upload at once when it runs here. */
    @EventListener
    void cancel(JobCancelRequested request) {
        Upload upload = running.get(request.job());
        if (upload != null) {
            upload.stop(JobStatus.CANCELLED);
        }
    }

    @Override
    public void start() {
        synchronized (this) {
            accepting = true;
        }
    }

    @Override
    public void stop(Runnable callback) {
        List<Upload> stopping;
        synchronized (this) {
            accepting = false;
            stopping = List.copyOf(running.values());
        }
        log.info("Shutting down: stopping {} running uploads", stopping.size());
        stopping.forEach(upload -> upload.stop(JobStatus.ABORTED));
        Mono.when(stopping.stream().map(Upload::ended).toList())
                .doFinally(signal -> callback.run())
                .subscribe();
    }

    @Override
    public void stop() {
        CountDownLatch stopped = new CountDownLatch(1);
        stop(stopped::countDown);
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return accepting;
    }

    /** The highest phase stops first: before the web server's graceful shutdown. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE;
    }
}
