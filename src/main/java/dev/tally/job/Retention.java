package dev.tally.job;

import dev.tally.system.Periodic;
import dev.tally.system.TallyProperties;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * Purges ended jobs' records once they are older than {@code tally.retention}: first the row log
 * (rejected lines as sent), later the job row with its ledger. Running jobs are never touched.
 */
@Component
class Retention implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(Retention.class);

    // The row log has no foreign key (it is written in bulk); it goes with its job at the latest.
    // It holds one row per chunk: what is counted is the lines they held.
    private static final String PURGE_SQL = """
            WITH gone AS (
                DELETE FROM tally.job WHERE status <> 'running' AND ended_at < $2 RETURNING id
            ), logs AS (
                DELETE FROM tally.chunk_row_log r
                WHERE r.job_id IN (SELECT id FROM tally.job WHERE status <> 'running' AND ended_at < $1)
                   OR r.job_id IN (SELECT id FROM gone)
                RETURNING cardinality(r.lines) AS lines
            )
            SELECT (SELECT count(*) FROM gone) AS jobs, (SELECT coalesce(sum(lines), 0) FROM logs) AS rows
            """;

    private final DatabaseClient db;
    private final TallyProperties.Retention retention;
    private volatile @Nullable Disposable schedule;

    Retention(DatabaseClient db, TallyProperties properties) {
        this.db = db;
        this.retention = properties.retention();
    }

    /** What one purge deleted. */
    record Purged(long jobs, long rows) {}

    /** Deletes what is past its retention at {@code now}. */
    Mono<Purged> purge(Instant now) {
        return db.sql(PURGE_SQL)
                .bind("$1", OffsetDateTime.ofInstant(now.minus(retention.rowLog()), ZoneOffset.UTC))
                .bind("$2", OffsetDateTime.ofInstant(now.minus(retention.jobs()), ZoneOffset.UTC))
                .map(row -> new Purged(row.get("jobs", Long.class), row.get("rows", Long.class)))
                .one();
    }

    @EventListener(ApplicationReadyEvent.class)
    void start() {
        schedule = Periodic.every(
                retention.every(),
                () -> purge(Instant.now()).doOnNext(purged -> {
                    if (purged.jobs() + purged.rows() > 0) {
                        log.info("Retention: deleted {} ended jobs and {} row-log rows", purged.jobs(), purged.rows());
                    }
                }),
                e -> log.warn("Retention: purge failed, tried again in {}: {}", retention.every(), e.toString()));
    }

    @Override
    public void destroy() {
        if (schedule != null) {
            schedule.dispose();
        }
    }
}
