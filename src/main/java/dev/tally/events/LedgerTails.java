package dev.tally.events;

import dev.tally.job.JobStatus;
import dev.tally.job.Jobs;
import dev.tally.job.LedgerHistory;
import dev.tally.system.ConnectionLoss;
import dev.tally.system.TallyProperties;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Followers of jobs whose uploads run on other instances: one reader of each such job's ledger
 * per instance, however many follow it here, publishing each chunk as it commits and then the
 * final event. It reads at once, then on every wake-up (a notice that a chunk committed or the job
 * ended, or the safety poll for notices lost), until the job's row says it ended; wake-ups during
 * a read are coalesced into one read after it. A reader left without followers stops at its next
 * wake-up.
 */
@Component
class LedgerTails {

    private static final Logger log = LoggerFactory.getLogger(LedgerTails.class);

    private final Jobs jobs;
    private final LedgerHistory ledger;
    private final JobHistory history;
    private final ChunkNotifications notifications;
    private final Duration safetyPoll;
    private final int maxRowsPerEvent;
    // Ticks the safety poll.
    private final Scheduler timer;
    // The followers of each job read here. Guarded by this, which is taken before a Followers' lock,
    // never after.
    private final Map<UUID, Followers> tails = new HashMap<>();

    LedgerTails(
            Jobs jobs,
            LedgerHistory ledger,
            JobHistory history,
            ChunkNotifications notifications,
            TallyProperties properties) {
        this.jobs = jobs;
        this.ledger = ledger;
        this.history = history;
        this.notifications = notifications;
        this.safetyPoll = properties.events().safetyPoll();
        this.maxRowsPerEvent = properties.ingest().maxRowsPerEvent();
        this.timer = Schedulers.parallel();
    }

    /**
     * Follows the job from the ledger: a reader that has started, or a new one starting from the
     * chunks the ledger holds now, so that those are replayed to the subscriber one by one.
     */
    Mono<Follow> follow(UUID job, long after) {
        // Detached, like the controller's lookup: the subscription outlives the query by far.
        return Mono.defer(() -> joinRunning(job, after)
                .map(Mono::just)
                .orElseGet(() -> ledger.progress(job).onTerminateDetach().map(now -> join(job, now.chunks(), after))));
    }

    /** The jobs whose ledgers are read here. */
    synchronized int readers() {
        return tails.size();
    }

    private synchronized Optional<Follow> joinRunning(UUID job, long after) {
        Followers followers = tails.get(job);
        return followers == null ? Optional.empty() : followers.follow(after);
    }

    /** Joins the job's reader, starting one from {@code published} chunks if none runs. */
    private synchronized Follow join(UUID job, int published, long after) {
        Optional<Follow> joined = joinRunning(job, after);
        if (joined.isPresent()) {
            return joined.get();
        }
        // Whatever it publishes has committed: joiners read the chunks before theirs from the ledger.
        Followers followers = new Followers(maxRowsPerEvent, false, published);
        // Replaces one whose job ended just now, which takes no one any more.
        tails.put(job, followers);
        Follow follow = followers.follow(after).orElseThrow();
        read(job, published, followers)
                .doFinally(signal -> remove(job, followers))
                .subscribe(followers::publish, followers::fail);
        return follow;
    }

    private Flux<JobEvent> read(UUID job, int published, Followers followers) {
        // The last chunk published: each round reads on from it, one round at a time.
        AtomicInteger read = new AtomicInteger(published);
        Flux<JobEvent> round = jobs.find(job).flatMapMany(now -> {
            // The row is read first: once it says ended, the ledger holds every chunk.
            boolean ended = now.status() != JobStatus.RUNNING;
            Flux<JobEvent> chunks = Flux.defer(() -> history.chunks(job, read.get(), Integer.MAX_VALUE))
                    .doOnNext(chunk -> read.set(chunk.lastChunk()))
                    .cast(JobEvent.class);
            return ended ? chunks.concatWith(Mono.fromSupplier(() -> JobHistory.ended(now))) : chunks;
        });
        // A database away ends a round, not the followers' streams: the next wake-up reads on from
        // the last chunk published (listening again once the database is back wakes every reader).
        Flux<JobEvent> resilientRound = round.onErrorResume(ConnectionLoss::is, lost -> {
            log.warn(
                    "Following job {}: reading its ledger failed, read again at the next wake-up: {}",
                    job,
                    lost.toString());
            return Flux.empty();
        });
        // Listening starts before the first read: a chunk it misses notifies after it.
        Flux<Object> wakeUps = Flux.<Object>merge(
                        notifications.of(job), Flux.interval(safetyPoll, safetyPoll, timer), Mono.just("first"))
                .onBackpressureLatest();
        return wakeUps.takeWhile(wakeUp -> !closeIfIdle(followers))
                .concatMap(wakeUp -> resilientRound, 1)
                .takeUntil(event -> event instanceof JobEvent.Ended);
    }

    private synchronized boolean closeIfIdle(Followers followers) {
        return followers.closeIfNone();
    }

    private synchronized void remove(UUID job, Followers followers) {
        tails.remove(job, followers);
    }
}
