package dev.tally.events;

import dev.tally.job.JobDocument;
import dev.tally.job.JobStatus;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A job's events for a subscriber other than its uploader: replayed from the ledger, then, while
 * the job runs, followed until its final event, from its upload when that runs here, otherwise
 * from this instance's reader of its ledger ({@link LedgerTails}). Only events with an id after
 * {@code after} (the {@code Last-Event-ID}) are sent, so none twice and none left out.
 */
@Component
class JobSubscriptions {

    private final RunningUploads uploads;
    private final JobHistory history;
    private final LedgerTails tails;
    private final AtomicInteger active = new AtomicInteger();

    JobSubscriptions(RunningUploads uploads, JobHistory history, LedgerTails tails) {
        this.uploads = uploads;
        this.history = history;
        this.tails = tails;
    }

    /**
     * The job's events after the id {@code after} (-1 for all), ending with the final event. The
     * subscription is released when the subscriber cancels: its client has gone.
     */
    Flux<JobEvent> events(JobDocument job, long after) {
        return Flux.defer(() -> job.status() != JobStatus.RUNNING
                        ? history.ofEnded(job)
                        : Mono.justOrEmpty(uploads.follow(job.job(), after))
                                .switchIfEmpty(tails.follow(job.job(), after))
                                .flatMapMany(follow -> followed(job, after, follow)))
                .filter(event -> event.id() > after)
                .doOnSubscribe(subscription -> active.incrementAndGet())
                .doFinally(signal -> active.decrementAndGet());
    }

    /** The subscriptions open on this instance. */
    int active() {
        return active.get();
    }

    /**
     * The job event, the chunks published before the subscriber joined (read from the ledger, or
     * an upload's in one transaction so far, merged), then those published since.
     */
    private Flux<JobEvent> followed(JobDocument job, long after, Follow follow) {
        Flux<JobEvent> published = follow.written() != null
                ? Mono.just(follow.written())
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

    private static int chunk(long eventId) {
        return (int) Math.clamp(eventId, 0, Integer.MAX_VALUE);
    }
}
