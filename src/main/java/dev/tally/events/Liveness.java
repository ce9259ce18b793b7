package dev.tally.events;

import dev.tally.job.LostJobs;
import dev.tally.system.JobLog;
import dev.tally.system.Periodic;
import dev.tally.system.TallyProperties;
import java.util.UUID;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * Every {@code tally.liveness.heartbeat}, marks the jobs running here as alive, and ends those
 * that no instance has marked for {@code tally.liveness.lost-after}: their instance died, and
 * without this they would stay {@code running}, their followers waiting for ever.
 */
@Component
class Liveness implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(Liveness.class);

    private final LostJobs jobs;
    private final RunningUploads uploads;
    private final TallyProperties.Liveness liveness;
    private volatile @Nullable Disposable schedule;

    Liveness(LostJobs jobs, RunningUploads uploads, TallyProperties properties) {
        this.jobs = jobs;
        this.uploads = uploads;
        this.liveness = properties.liveness();
        if (liveness.lostAfter().compareTo(liveness.heartbeat().multipliedBy(3)) < 0) {
            // A beat or two late must not end a live instance's jobs.
            throw new IllegalStateException(
                    "tally.liveness.lost-after (%s) must be at least three times tally.liveness.heartbeat (%s)"
                            .formatted(liveness.lostAfter(), liveness.heartbeat()));
        }
    }

    /** One beat: this instance's jobs marked alive, then the lost ones ended. */
    Flux<UUID> beat() {
        return jobs.markAlive(uploads.runningJobs())
                .thenMany(jobs.endLost(liveness.lostAfter()))
                .doOnNext(job -> JobLog.warn(
                        log,
                        job,
                        "Job {} ended: the instance running it gave no sign of life for {}",
                        job,
                        liveness.lostAfter()));
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        schedule = Periodic.every(
                liveness.heartbeat(),
                this::beat,
                e -> log.warn("Heartbeat failed, tried again in {}: {}", liveness.heartbeat(), e.toString()));
    }

    @Override
    public void destroy() {
        if (schedule != null) {
            schedule.dispose();
        }
    }
}
