package dev.tally.system;

import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Every {@code tally.*} setting, validated at start-up: a bad value stops the service with a
 * message naming the property.
 *
 * @param datasets the tables uploads may write, by dataset name
 * @param migrations extra Flyway locations for dataset tables (the demo's {@code customers})
 * @param retention how long ended jobs' records are kept
 * @param events how followers of a job's events are served
 * @param liveness how a job whose instance died is found and ended
 * @param limits what one upload, and the uploads running together, may take
 * @param security who may call the API
 */
@Validated
@ConfigurationProperties("tally")
public record TallyProperties(
        @NotNull @DefaultValue Map<String, @Valid DatasetProperties> datasets,
        @NotNull @Valid @DefaultValue Ingest ingest,
        @NotNull @DefaultValue List<String> migrations,
        @NotNull @Valid @DefaultValue Retention retention,
        @NotNull @Valid @DefaultValue Events events,
        @NotNull @Valid @DefaultValue Liveness liveness,
        @NotNull @Valid @DefaultValue Limits limits,
        @NotNull @Valid @DefaultValue Security security) {

    /**
     * One dataset: its table, conflict key (defaults to the primary key) and optional version column.
     */
    public record DatasetProperties(
            @NotBlank String table, @DefaultValue List<String> key, String versionColumn) {}

    /**
     * How uploads are cut and written.
     *
     * @param chunkSize default lines per chunk when the request does not say
     * @param maxChunkBytes a chunk is cut once its lines hold this many bytes
     * @param chunkMaxWait a chunk is cut once its first line has waited this long (slow trickles)
     * @param writeConcurrency chunks of one upload written in parallel
     * @param commitPatience how often a written chunk waiting for the chunks before it to commit
     *     checks whether it blocks another transaction; if so it rolls back, freeing its row locks,
     *     and is written again in its turn
     * @param maxLineBytes longer lines are rejected as line_too_long without being held
     * @param maxRowsPerEvent skipped or rejected rows listed in one chunk event
     * @param databaseRetry how long a chunk, or the end of a job, waits for the database to answer
     *     again after losing its connection, retrying with exponential backoff; then the job
     *     fails with {@code database_unavailable}
     * @param databaseWait the longest a chunk waits for one answer of the database: a connection
     *     from the pool, its upsert statements, its ledger row, its COMMIT or ROLLBACK; a wait longer
     *     than this is given up as if the connection were lost (cancelled on the server, the
     *     connection closed) and tried again within {@code databaseRetry}
     * @param writeSlots chunks written at once on this instance, all uploads together, each on a
     *     pooled connection from its BEGIN to its COMMIT; kept below the pool's size, which the
     *     rest of Tally (jobs, events, atomic uploads) shares
     */
    public record Ingest(
            @Min(1) @Max(10000) @DefaultValue("2000") int chunkSize,
            @NotNull @DefaultValue("8MB") DataSize maxChunkBytes,
            @NotNull @DefaultValue("200ms") Duration chunkMaxWait,
            @Min(1) @Max(64) @DefaultValue("4") int writeConcurrency,
            @NotNull @DefaultValue("2s") Duration commitPatience,
            @NotNull @DefaultValue("1MB") DataSize maxLineBytes,
            @Min(0) @DefaultValue("100") int maxRowsPerEvent,
            @NotNull @DefaultValue("30s") Duration databaseRetry,
            @NotNull @DefaultValue("10s") Duration databaseWait,
            @Min(1) @Max(256) @DefaultValue("4") int writeSlots) {

        /** Validated: a zero wait would give up every statement at once. */
        @AssertTrue(message = "tally.ingest.database-wait must be positive")
        public boolean isDatabaseWaitPositive() {
            return databaseWait == null || databaseWait.isPositive();
        }
    }

    /**
     * How long an ended job's records are kept, counted from its end; a running job is never purged.
     *
     * @param rowLog its row log, which holds rejected lines as sent (personal data, perhaps)
     * @param jobs its job row and chunk ledger (and the row log, if kept longer)
     * @param every how often the purge runs
     */
    public record Retention(
            @NotNull @DefaultValue("7d") Duration rowLog,
            @NotNull @DefaultValue("90d") Duration jobs,
            @NotNull @DefaultValue("1h") Duration every) {}

    /**
     * @param safetyPoll how often a follower of a job running on another instance reads its ledger
     *     without being notified, for notices lost while the listening connection was down
     */
    public record Events(@NotNull @DefaultValue("5s") Duration safetyPoll) {}

    /**
     * @param heartbeat how often an instance marks the jobs it runs as alive, and looks for lost ones
     * @param lostAfter a running job neither marked alive nor committing a chunk for this long is
     *     ended {@code aborted}: the instance running it died
     */
    public record Liveness(
            @NotNull @DefaultValue("10s") Duration heartbeat,
            @NotNull @DefaultValue("60s") Duration lostAfter) {}

    /**
     * Limits on uploads; the line size limit is {@link Ingest#maxLineBytes}, the request header
     * size Spring Boot's {@code server.max-http-request-header-size}. The concurrency limits count
     * the uploads running on this instance (a replay of an Idempotency-Key's job too), not the
     * cluster's: with n instances behind a balancer, up to n times as many run.
     *
     * @param maxLinesPerUpload non-blank lines one upload may hold; the job fails with {@code
     *     too_many_lines} at the first line over it, keeping what committed before (nothing, when
     *     atomic)
     * @param maxUploadsPerDataset uploads of one dataset running at once; one more is refused with
     *     429 before its job is created
     * @param maxUploadsPerToken uploads of one caller (its access token's name) running at once;
     *     one more is refused with 429 before its job is created
     * @param idleTimeout a client that sends no body bytes for this long while Tally waits for them
     *     is disconnected and its job ends {@code aborted}, error {@code client_idle}; time in
     *     which Tally does not read (a slow database holding the body back) does not count
     */
    public record Limits(
            @Min(1) @DefaultValue("100000000") long maxLinesPerUpload,
            @Min(1) @DefaultValue("32") int maxUploadsPerDataset,
            @Min(1) @DefaultValue("16") int maxUploadsPerToken,
            @NotNull @DefaultValue("60s") Duration idleTimeout) {

        /** Validated: a zero or negative timeout would disconnect every upload at once. */
        @AssertTrue(message = "tally.limits.idle-timeout must be positive")
        public boolean isIdleTimeoutPositive() {
            return idleTimeout == null || idleTimeout.isPositive();
        }
    }

    /**
     * @param enabled false lets every client do everything: only for a machine no one else can reach
     * @param tokens the tokens of a small set-up; a large one keeps them in the table {@code
     *     tally.token}. With none in either, the service makes one up at start-up and prints it once.
     */
    public record Security(
            @DefaultValue("true") boolean enabled,
            @NotNull @DefaultValue List<@Valid Token> tokens) {}

    /**
     * @param name who holds the token, as logs and limits name it
     * @param sha256 the token's SHA-256, in lower-case hex: never the token itself
     * @param scopes {@code admin}, {@code write:<dataset>}, {@code read:<dataset>}
     */
    public record Token(
            @NotBlank String name,

            @NotNull @Pattern(regexp = "[0-9a-f]{64}", message = "must be a SHA-256 in lower-case hex")
            String sha256,

            @NotEmpty
            List<
                            @Pattern(
                                    regexp = "admin|(read|write):\\S+",
                                    message = "must be admin, read:<dataset> or write:<dataset>")
                            String>
                    scopes) {}
}
