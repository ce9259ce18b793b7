package dev.tally.job;

import dev.tally.system.Problems;
import io.r2dbc.spi.Readable;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.DatabaseClient.GenericExecuteSpec;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The job table: a row when an upload starts, its final status and totals when it ends. While a
 * job runs its totals are the sum of its ledger, which commits with each chunk.
 */
@Component
public class Jobs {

    private static final String CREATE_SQL = """
            INSERT INTO tally.job (id, dataset, status, on_conflict, chunk_size, max_rejects, atomic, dry_run,
                                   unknown_fields, idempotency_key, started_at, alive_at, bytes_total)
            VALUES ($1, $2, 'running', $3, $4, $5, $6, $7, $8, $9, $10, now(), $11)
            """;

    // The final totals are the ledger's: what committed, whatever happened to the chunks in flight.
    // A job whose cancel was requested ends cancelled even if its upload ended before it noticed:
    // the request was answered 202. The row lock orders this against requestCancel.
    // Notifies followers on other instances (<job id>:end) when the update commits.
    private static final String FINISH_SQL = """
            WITH notified AS (SELECT pg_notify('tally_chunks', $1::text || ':end'))
            UPDATE tally.job j
               SET status = CASE WHEN $2::text = 'completed' AND j.cancel_requested_at IS NOT NULL THEN 'cancelled' ELSE $2::text END,
                   ended_at = $3, error = $4::jsonb,
                   received = l.received, inserted = l.inserted, updated = l.updated, unchanged = l.unchanged,
                   skipped = l.skipped, rejected = l.rejected, chunks = l.chunks, bytes_read = l.bytes_read
            FROM (
                SELECT coalesce(sum(received), 0) AS received, coalesce(sum(inserted), 0) AS inserted,
                       coalesce(sum(updated), 0) AS updated, coalesce(sum(unchanged), 0) AS unchanged,
                       coalesce(sum(skipped), 0) AS skipped, coalesce(sum(rejected), 0) AS rejected,
                       count(*)::integer AS chunks, coalesce(max(bytes_read), 0) AS bytes_read
                FROM tally.chunk WHERE job_id = $1
            ) l, notified
            WHERE j.id = $1
            RETURNING j.status, j.received, j.inserted, j.updated, j.unchanged, j.skipped, j.rejected, j.chunks
            """;

    private static final String REQUEST_CANCEL_SQL = """
            UPDATE tally.job SET cancel_requested_at = coalesce(cancel_requested_at, clock_timestamp())
            WHERE id = $1 AND status = 'running'
            """;

    // A running job's totals are the sum of its ledger; a finished one's are on its own row.
    private static final String DOCUMENT_SQL = """
            SELECT j.id, j.dataset, j.status, j.on_conflict, j.chunk_size, j.max_rejects, j.atomic, j.dry_run,
                   j.unknown_fields, j.started_at, j.ended_at, j.error::text AS error, j.bytes_total,
                   coalesce(l.received, j.received) AS received, coalesce(l.inserted, j.inserted) AS inserted,
                   coalesce(l.updated, j.updated) AS updated, coalesce(l.unchanged, j.unchanged) AS unchanged,
                   coalesce(l.skipped, j.skipped) AS skipped, coalesce(l.rejected, j.rejected) AS rejected,
                   coalesce(l.chunks, j.chunks) AS chunks, coalesce(l.bytes_read, j.bytes_read) AS bytes_read
            FROM tally.job j
            LEFT JOIN LATERAL (
                SELECT sum(c.received) AS received, sum(c.inserted) AS inserted, sum(c.updated) AS updated,
                       sum(c.unchanged) AS unchanged, sum(c.skipped) AS skipped, sum(c.rejected) AS rejected,
                       count(*)::integer AS chunks, max(c.bytes_read) AS bytes_read
                FROM tally.chunk c WHERE c.job_id = j.id
            ) l ON j.status = 'running'
            """;

    private static final String FIND_SQL = DOCUMENT_SQL + "WHERE j.id = $1";

    private static final String LIST_SQL = DOCUMENT_SQL + """
            WHERE ($1::text IS NULL OR j.dataset = $1) AND ($2::text IS NULL OR j.status = $2)
              AND ($4::text[] IS NULL OR j.dataset = ANY ($4))
            ORDER BY j.started_at DESC, j.id
            LIMIT $3
            """;

    private static final String ROWS_SQL = """
            SELECT line, outcome, reason, key::text AS key, message, text FROM tally.row_log
            WHERE job_id = $1 AND ($2::text IS NULL OR outcome = $2::text) AND line > $3
            ORDER BY line
            LIMIT $4
            """;

    private static final String ID_BY_KEY_SQL = "SELECT id FROM tally.job WHERE dataset = $1 AND idempotency_key = $2";

    // Conditional, so that of two uploads resuming the same job only one gets it back.
    private static final String REOPEN_SQL = """
            UPDATE tally.job SET status = 'running', ended_at = NULL, error = NULL, cancel_requested_at = NULL,
                                 alive_at = now()
            WHERE id = $1 AND status = $2
            """;

    private static final String MARK_ALIVE_SQL =
            "UPDATE tally.job SET alive_at = now() WHERE id = ANY($1::uuid[]) AND status = 'running'";

    // Running, yet neither marked alive nor committing a chunk for $1 seconds: its instance died.
    // Ended as FINISH_SQL ends a job, at most once: the status is checked again under the row lock.
    private static final String END_LOST_SQL = """
            WITH lost AS (
                UPDATE tally.job j
                   SET status = CASE WHEN j.cancel_requested_at IS NOT NULL THEN 'cancelled' ELSE 'aborted' END,
                       ended_at = now(), error = CASE WHEN j.cancel_requested_at IS NOT NULL THEN NULL ELSE $2::jsonb END,
                       (received, inserted, updated, unchanged, skipped, rejected, chunks, bytes_read) = (
                           SELECT coalesce(sum(received), 0), coalesce(sum(inserted), 0), coalesce(sum(updated), 0),
                                  coalesce(sum(unchanged), 0), coalesce(sum(skipped), 0), coalesce(sum(rejected), 0),
                                  count(*)::integer, coalesce(max(bytes_read), 0)
                           FROM tally.chunk c WHERE c.job_id = j.id)
                 WHERE j.status = 'running'
                   AND coalesce(j.alive_at, j.started_at) < now() - make_interval(secs => $1)
                   AND NOT EXISTS (SELECT 1 FROM tally.chunk c
                                   WHERE c.job_id = j.id AND c.committed_at > now() - make_interval(secs => $1))
                RETURNING j.id
            )
            SELECT id, pg_notify('tally_chunks', id::text || ':end') FROM lost
            """;

    private final DatabaseClient db;
    private final JsonMapper json;

    Jobs(DatabaseClient db, JsonMapper json) {
        this.db = db;
        this.json = json;
    }

    /** A running job's row; {@code bytesTotal} is the body's announced length, null when unknown. */
    public Mono<Void> create(UUID id, JobSettings settings, Instant startedAt, Long bytesTotal) {
        GenericExecuteSpec spec = db.sql(CREATE_SQL)
                .bind("$1", id)
                .bind("$2", settings.dataset())
                .bind("$3", settings.onConflict().wireName())
                .bind("$4", settings.chunkSize())
                .bind("$6", settings.atomic())
                .bind("$7", settings.dryRun())
                .bind("$8", settings.unknownFields())
                .bind("$10", utc(startedAt));
        spec = nullable(spec, "$5", settings.maxRejects(), Long.class);
        spec = nullable(spec, "$9", settings.idempotencyKey(), String.class);
        spec = nullable(spec, "$11", bytesTotal, Long.class);
        return spec.then();
    }

    /**
     * Ends the job with the given status and the ledger's totals, which it returns: the totals
     * are what committed, whatever happened to the chunks in flight. A job whose cancel was
     * requested ends {@code cancelled} rather than {@code completed}.
     */
    public Mono<Finished> finish(UUID id, JobStatus status, JobError error, Instant endedAt) {
        GenericExecuteSpec spec =
                db.sql(FINISH_SQL).bind("$1", id).bind("$2", status.wireName()).bind("$3", utc(endedAt));
        return nullable(spec, "$4", error == null ? null : json.writeValueAsString(error), String.class)
                .map(row -> new Finished(
                        JobStatus.of(row.get("status", String.class)), counts(row), row.get("chunks", Integer.class)))
                .one();
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

    /** A finished job's final status, totals and number of committed chunks. */
    public record Finished(JobStatus status, Counts totals, int chunks) {}

    /**
     * Records that the job should stop, for whichever instance runs it; emits false when the job
     * is unknown or no longer running.
     */
    public Mono<Boolean> requestCancel(UUID id) {
        return db.sql(REQUEST_CANCEL_SQL).bind("$1", id).fetch().rowsUpdated().map(rows -> rows > 0);
    }

    /** The job document of docs/api.md, or empty for an unknown job. */
    public Mono<JobDocument> find(UUID id) {
        return db.sql(FIND_SQL).bind("$1", id).map(this::jobDocument).one();
    }

    /**
     * The job named by a request's {@code id}, if {@code visible} holds of its dataset (a caller's
     * scope): to a caller it is not visible to, it is unknown, 404 like a job that does not exist.
     */
    public Mono<JobDocument> find(String id, Predicate<String> visible) {
        return find(Problems.jobId(id))
                .filter(job -> visible.test(job.dataset()))
                .switchIfEmpty(Mono.error(() -> Problems.unknownJob(id)));
    }

    /** Jobs newest first, of one dataset and in one status when given, of the {@code datasets} only unless null. */
    public Flux<JobDocument> list(String dataset, JobStatus status, int limit, Set<String> datasets) {
        GenericExecuteSpec spec = nullable(db.sql(LIST_SQL).bind("$3", limit), "$1", dataset, String.class);
        spec = nullable(spec, "$4", datasets == null ? null : datasets.toArray(String[]::new), String[].class);
        return nullable(spec, "$2", status == null ? null : status.wireName(), String.class)
                .map(this::jobDocument)
                .all();
    }

    /**
     * The row log in line order, streamed: after line {@code after}, at most {@code limit} rows (null:
     * all of them), a range of the row log's primary key; {@code outcome} null means both skipped
     * and rejected.
     */
    public Flux<RowLogEntry> rows(UUID id, LoggedRow.Outcome outcome, long after, Integer limit) {
        GenericExecuteSpec spec = db.sql(ROWS_SQL).bind("$1", id).bind("$3", after);
        spec = nullable(spec, "$4", limit, Integer.class);
        return nullable(spec, "$2", outcome == null ? null : outcome.wireName(), String.class)
                .map(this::rowLogEntry)
                .all();
    }

    /** The job created with this Idempotency-Key on this dataset, or empty. */
    public Mono<JobDocument> findByKey(String dataset, String idempotencyKey) {
        return db.sql(ID_BY_KEY_SQL)
                .bind("$1", dataset)
                .bind("$2", idempotencyKey)
                .map(row -> row.get("id", UUID.class))
                .one()
                .flatMap(this::find);
    }

    /**
     * Sets an ended job running again, to resume it; emits false when its status is no longer
     * {@code from} (another upload took it first).
     */
    public Mono<Boolean> reopen(UUID id, JobStatus from) {
        return db.sql(REOPEN_SQL)
                .bind("$1", id)
                .bind("$2", from.wireName())
                .fetch()
                .rowsUpdated()
                .map(rows -> rows > 0);
    }

    private JobDocument jobDocument(Readable row) {
        Counts totals = counts(row);
        OffsetDateTime startedAt = row.get("started_at", OffsetDateTime.class);
        OffsetDateTime endedAt = row.get("ended_at", OffsetDateTime.class);
        long ms = JobDocument.durationMs(startedAt.toInstant(), endedAt == null ? Instant.now() : endedAt.toInstant());
        return new JobDocument(
                row.get("id", UUID.class),
                row.get("dataset", String.class),
                row.get("status", String.class),
                row.get("on_conflict", String.class),
                row.get("chunk_size", Integer.class),
                row.get("max_rejects", Long.class),
                row.get("atomic", Boolean.class),
                row.get("dry_run", Boolean.class),
                row.get("unknown_fields", String.class),
                totals,
                row.get("chunks", Integer.class),
                startedAt,
                endedAt,
                ms,
                // Rounded as the final event's is, so that a replayed event equals the live one.
                Math.round(JobDocument.rowsPerSecond(totals, ms) * 10) / 10.0,
                number(row, "bytes_read"),
                row.get("bytes_total", Long.class),
                jsonOrNull(row.get("error", String.class)));
    }

    private RowLogEntry rowLogEntry(Readable row) {
        boolean skipped = "skipped".equals(row.get("outcome", String.class));
        String reason = row.get("reason", String.class);
        return new RowLogEntry(
                row.get("line", Long.class),
                skipped ? "skipped" : "rejected",
                skipped ? reason : null,
                skipped ? null : reason,
                jsonOrNull(row.get("key", String.class)),
                row.get("message", String.class),
                row.get("text", String.class));
    }

    private JsonNode jsonOrNull(String text) {
        return text == null ? null : json.readTree(text);
    }

    private static Counts counts(Readable row) {
        return new Counts(
                number(row, "received"),
                number(row, "inserted"),
                number(row, "updated"),
                number(row, "unchanged"),
                number(row, "skipped"),
                number(row, "rejected"));
    }

    private static long number(Readable row, String column) {
        return ((Number) row.get(column)).longValue();
    }

    private static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    private static GenericExecuteSpec nullable(GenericExecuteSpec spec, String name, Object value, Class<?> type) {
        return value == null ? spec.bindNull(name, type) : spec.bind(name, value);
    }
}
