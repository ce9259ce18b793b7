package dev.tally.ingest;

import dev.tally.job.JobDocument;
import dev.tally.job.JobStatus;
import dev.tally.job.Jobs;
import dev.tally.system.TallyProperties;
import java.time.Duration;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A job's events for a subscriber other than its uploader: replayed from the ledger, then, while
 * the job runs, followed until its final event. Only events with an id after {@code after} (the
 * {@code Last-Event-ID}) are sent, so none twice and none left out.
 */
@Component
class JobSubscriptions {

    private final Jobs jobs;
    private final Uploads uploads;
    private final JobHistory history;
    private final ChunkNotifications notifications;
    private final Duration safetyPoll;

    JobSubscriptions(
            Jobs jobs,
            Uploads uploads,
            JobHistory history,
            ChunkNotifications notifications,
            TallyProperties properties) {
        this.jobs = jobs;
        this.uploads = uploads;
        this.history = history;
        this.notifications = notifications;
        this.safetyPoll = properties.events().safetyPoll();
    }

    /** The job's events after the id {@code after} (-1 for all), ending with the final event. */
    Flux<JobEvent> events(JobDocument job, long after) {
        Flux<JobEvent> events = JobStatus.of(job.status()) != JobStatus.RUNNING
                ? history.ofEnded(job)
                : uploads.follow(job.job())
                        .map(follow -> followHere(job, after, follow))
                        .orElseGet(() -> followLedger(job, after));
        return events.filter(event -> event.id() > after);
    }

    /**
     * The upload runs here: the ledger's chunks up to the last one published when following began,
     * then those published since. An upload in one transaction has no ledger yet: its chunks so
     * far come as one merged event.
     */
    private Flux<JobEvent> followHere(JobDocument job, long after, Upload.Follow follow) {
        if (after > follow.publishedChunks()) {
            // The client saw, through another instance's ledger, a chunk not published here yet: a
            // merged live event could span its id and count that chunk twice. The ledger cannot.
            follow.release().run();
            return followLedger(job, after);
        }
        Flux<JobEvent> published = job.atomic() || job.dryRun()
                ? Mono.justOrEmpty(follow.written())
                        .filter(written -> written.firstChunk() > after)
                        .cast(JobEvent.class)
                        .flux()
                : history.chunks(job.job(), chunk(after), follow.publishedChunks())
                        .cast(JobEvent.class);
        // The job event may still be on its way when the job's row was just created.
        Flux<JobEvent> live = follow.events().filter(event -> !(event instanceof JobEvent.Started));
        return Flux.concat(Mono.just(JobHistory.started(job)), published, live)
                .doFinally(signal -> follow.release().run());
    }

    /**
     * The upload runs on another instance (or has just ended here): its ledger is read for chunks
     * after the last one sent, until the job's row says it ended, at once and then on every
     * wake-up: a notice that a chunk committed or the job ended, or the safety poll for notices
     * lost. Wake-ups during a read are coalesced into one read after it.
     */
    private Flux<JobEvent> followLedger(JobDocument job, long after) {
        return Flux.defer(() -> {
            int[] sent = {chunk(after)};
            Flux<JobEvent> round = jobs.find(job.job()).flatMapMany(now -> {
                // The row is read first: once it says ended, the ledger holds every chunk.
                boolean ended = JobStatus.of(now.status()) != JobStatus.RUNNING;
                Flux<JobEvent> chunks = Flux.defer(() -> history.chunks(job.job(), sent[0], Integer.MAX_VALUE))
                        .doOnNext(chunk -> sent[0] = chunk.lastChunk())
                        .cast(JobEvent.class);
                return ended ? chunks.concatWith(Mono.fromSupplier(() -> JobHistory.ended(now))) : chunks;
            });
            // Listening starts before the first read: a chunk it misses notifies after it.
            Flux<Object> wakeUps = Flux.<Object>merge(
                            notifications.of(job.job()), Flux.interval(safetyPoll, safetyPoll), Mono.just("first"))
                    .onBackpressureLatest();
            return Flux.concat(Mono.just(JobHistory.started(job)), wakeUps.concatMap(wakeUp -> round, 1))
                    .takeUntil(event -> event instanceof JobEvent.Ended);
        });
    }

    private static int chunk(long eventId) {
        return (int) Math.clamp(eventId, 0, Integer.MAX_VALUE);
    }
}
