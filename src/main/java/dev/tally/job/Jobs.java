package dev.tally.job;

import dev.tally.system.Problems;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.DatabaseClient.GenericExecuteSpec;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
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
            WITH notified AS (SELECT pg_notify('%s', $1::text || ':end'))
            UPDATE tally.job j
               SET status = CASE WHEN $2::text = 'completed' AND j.cancel_requested_at IS NOT NULL THEN 'cancelled' ELSE $2::text END,
                   ended_at = $3, error = $4::jsonb,
                   received = l.received, inserted = l.inserted, updated = l.updated, unchanged = l.unchanged,
                   skipped = l.skipped, rejected = l.rejected, chunks = l.chunks, bytes_read = l.bytes_read
            FROM (SELECT %s FROM tally.chunk WHERE job_id = $1) l, notified
            WHERE j.id = $1
            RETURNING j.status, j.received, j.inserted, j.updated, j.unchanged, j.skipped, j.rejected, j.chunks
            """.formatted(LedgerChannel.NAME, LedgerSums.TOTALS);

    private static final String REQUEST_CANCEL_SQL = """
            UPDATE tally.job SET cancel_requested_at = coalesce(cancel_requested_at, clock_timestamp())
            WHERE id = $1 AND status = 'running'
            """;

    private static final String FIND_SQL = JobDocuments.SELECT_SQL + "WHERE j.id = $1";

    private static final String LIST_SQL = JobDocuments.SELECT_SQL + """
            WHERE ($1::text IS NULL OR j.dataset = $1) AND ($2::text IS NULL OR j.status = $2)
              AND ($4::text[] IS NULL OR j.dataset = ANY ($4))
            ORDER BY j.started_at DESC, j.id
            LIMIT $3
            """;

    private static final String ID_BY_KEY_SQL = "SELECT id FROM tally.job WHERE dataset = $1 AND idempotency_key = $2";

    // Conditional, so that of two uploads resuming the same job only one gets it back.
    private static final String REOPEN_SQL = """
            UPDATE tally.job SET status = 'running', ended_at = NULL, error = NULL, cancel_requested_at = NULL,
                                 alive_at = now()
            WHERE id = $1 AND status = $2
            """;

    private final DatabaseClient db;
    private final JsonMapper json;
    private final JobDocuments documents;

    Jobs(DatabaseClient db, JsonMapper json) {
        this.db = db;
        this.json = json;
        this.documents = new JobDocuments(json, Clock.systemUTC());
    }

    /** A running job's row; {@code bytesTotal} is the body's announced length, null when unknown. */
    public Mono<Void> create(UUID id, JobSettings settings, Instant startedAt, @Nullable Long bytesTotal) {
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
    public Mono<Finished> finish(UUID id, JobStatus status, @Nullable JobError error, Instant endedAt) {
        GenericExecuteSpec spec =
                db.sql(FINISH_SQL).bind("$1", id).bind("$2", status.wireName()).bind("$3", utc(endedAt));
        return nullable(spec, "$4", error == null ? null : json.writeValueAsString(error), String.class)
                .map(row -> new Finished(
                        JobStatus.of(row.get("status", String.class)),
                        LedgerSums.counts(row),
                        row.get("chunks", Integer.class)))
                .one();
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
        return db.sql(FIND_SQL).bind("$1", id).map(documents::of).one();
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
    public Flux<JobDocument> list(
            @Nullable String dataset, @Nullable JobStatus status, int limit, @Nullable Set<String> datasets) {
        GenericExecuteSpec spec = nullable(db.sql(LIST_SQL).bind("$3", limit), "$1", dataset, String.class);
        spec = nullable(spec, "$4", datasets == null ? null : datasets.toArray(String[]::new), String[].class);
        return nullable(spec, "$2", status == null ? null : status.wireName(), String.class)
                .map(documents::of)
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

    private static OffsetDateTime utc(Instant instant) {
        return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    private static GenericExecuteSpec nullable(
            GenericExecuteSpec spec, String name, @Nullable Object value, Class<?> type) {
        return value == null ? spec.bindNull(name, type) : spec.bind(name, value);
    }
}
