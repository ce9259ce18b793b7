package dev.tally.job;

import java.time.Duration;
import java.util.Collection;
import java.util.UUID;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

/**
 * The signs of life of running jobs: each instance marks the jobs it runs as alive, and a job that
 * no instance marked for long enough is ended, as its own upload would have ended it.
 */
@Component
public class LostJobs {

    private static final String MARK_ALIVE_SQL =
            "UPDATE tally.job SET alive_at = now() WHERE id = ANY($1::uuid[]) AND status = 'running'";

    // Running, yet neither marked alive nor committing a chunk for $1 seconds: its instance died.
    // Ended as Jobs.finish ends a job, at most once: the status is checked again under the row lock.
    private static final String END_LOST_SQL = """
            WITH lost AS (
                UPDATE tally.job j
                   SET status = CASE WHEN j.cancel_requested_at IS NOT NULL THEN 'cancelled' ELSE 'aborted' END,
                       ended_at = now(), error = CASE WHEN j.cancel_requested_at IS NOT NULL THEN NULL ELSE $2::jsonb END,
                       (received, inserted, updated, unchanged, skipped, rejected, chunks, bytes_read) = (
                           SELECT %s FROM tally.chunk c WHERE c.job_id = j.id)
                 WHERE j.status = 'running'
                   AND coalesce(j.alive_at, j.started_at) < now() - make_interval(secs => $1)
                   AND NOT EXISTS (SELECT 1 FROM tally.chunk c
                                   WHERE c.job_id = j.id AND c.committed_at > now() - make_interval(secs => $1))
                RETURNING j.id
            )
            SELECT id, pg_notify('%s', id::text || ':end') FROM lost
            """.formatted(LedgerSums.TOTALS, LedgerChannel.NAME);

    private final DatabaseClient db;
    private final JsonMapper json;

    LostJobs(DatabaseClient db, JsonMapper json) {
        this.db = db;
        this.json = json;
    }

    /** Marks the jobs, running on this instance, as alive now. */
    public Mono<Void> markAlive(Collection<UUID> jobs) {
        if (jobs.isEmpty()) {
            return Mono.empty();
        }
        String[] ids = jobs.stream().map(UUID::toString).toArray(String[]::new);
        return db.sql(MARK_ALIVE_SQL).bind("$1", ids).then();
    }

    /**
     * Ends every running job that has shown no sign of life for {@code lostAfter}, as aborted
     * with the ledger's totals (cancelled if a cancel was requested), and wakes its followers.
     * Returns the jobs it ended.
     */
    public Flux<UUID> endLost(Duration lostAfter) {
        JobError error = new JobError(
                "instance_lost",
                "The instance running the upload stopped: no sign of it for %d s. What committed stays"
                        .formatted(lostAfter.toSeconds()),
                null);
        return db.sql(END_LOST_SQL)
                .bind("$1", lostAfter.toMillis() / 1000.0)
                .bind("$2", json.writeValueAsString(error))
                .map(row -> row.get("id", UUID.class))
                .all();
    }
}
