package dev.tally.client;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * How an upload runs: the query parameters of docs/api.md (null leaves Tally's default), gzip, the
 * Idempotency-Key, and the client's own resume and demand settings. Start from {@link #defaults()}
 * and change it with the withers.
 *
 * @param onConflict {@code skip}, {@code update}, {@code update-if-newer} or {@code fail}
 * @param chunkSize most lines per chunk transaction (1..10000)
 * @param maxRejects the job fails at the (n+1)-th rejected line
 * @param unknownFields {@code reject} or {@code ignore}
 * @param gzip send the body gzip-compressed ({@code Content-Encoding: gzip})
 * @param idempotencyKey the upload's key; with one, a lost connection resumes the job
 * @param resume resume after a lost connection; null means "when there is an idempotency key"
 *     (never for atomic and dry-run uploads, whose chunks do not commit one by one)
 * @param maxResumes how many times one upload resumes at most
 * @param resumeTimeout how long a resume waits for Tally to notice the lost connection (it answers
 *     409 "Idempotency-Key in use" until then) or to be reachable again
 * @param prefetch the most records requested from the publisher and not yet received: the bound on
 *     outstanding demand (1..65536, default 1024)
 */
public record UploadOptions(
        @Nullable String onConflict,
        @Nullable Integer chunkSize,
        @Nullable Boolean atomic,
        @Nullable Boolean dryRun,
        @Nullable Integer maxRejects,
        @Nullable String unknownFields,
        boolean gzip,
        @Nullable String idempotencyKey,
        @Nullable Boolean resume,
        int maxResumes,
        Duration resumeTimeout,
        int prefetch) {

    public static final int DEFAULT_PREFETCH = 1024;

    public UploadOptions {
        if (prefetch < 1 || prefetch > 65536) {
            throw new IllegalArgumentException("prefetch must be 1..65536, not " + prefetch);
        }
        if (Boolean.TRUE.equals(resume) && idempotencyKey == null) {
            throw new IllegalArgumentException("resume needs an idempotencyKey");
        }
    }

    /** Tally's defaults, no key, prefetch {@value #DEFAULT_PREFETCH}. */
    public static UploadOptions defaults() {
        return new UploadOptions(
                null, null, null, null, null, null, false, null, null, 5, Duration.ofSeconds(60), DEFAULT_PREFETCH);
    }

    public UploadOptions withOnConflict(@Nullable String onConflict) {
        return new UploadOptions(
                onConflict,
                chunkSize,
                atomic,
                dryRun,
                maxRejects,
                unknownFields,
                gzip,
                idempotencyKey,
                resume,
                maxResumes,
                resumeTimeout,
                prefetch);
    }

    public UploadOptions withChunkSize(int chunkSize) {
        return new UploadOptions(
                onConflict,
                chunkSize,
                atomic,
                dryRun,
                maxRejects,
                unknownFields,
                gzip,
                idempotencyKey,
                resume,
                maxResumes,
                resumeTimeout,
                prefetch);
    }

    public UploadOptions withAtomic(boolean atomic) {
        return new UploadOptions(
                onConflict,
                chunkSize,
                atomic,
                dryRun,
                maxRejects,
                unknownFields,
                gzip,
                idempotencyKey,
                resume,
                maxResumes,
                resumeTimeout,
                prefetch);
    }

    public UploadOptions withDryRun(boolean dryRun) {
        return new UploadOptions(
                onConflict,
                chunkSize,
                atomic,
                dryRun,
                maxRejects,
                unknownFields,
                gzip,
                idempotencyKey,
                resume,
                maxResumes,
                resumeTimeout,
                prefetch);
    }

    public UploadOptions withMaxRejects(int maxRejects) {
        return new UploadOptions(
                onConflict,
                chunkSize,
                atomic,
                dryRun,
                maxRejects,
                unknownFields,
                gzip,
                idempotencyKey,
                resume,
                maxResumes,
                resumeTimeout,
                prefetch);
    }

    public UploadOptions withUnknownFields(@Nullable String unknownFields) {
        return new UploadOptions(
                onConflict,
                chunkSize,
                atomic,
                dryRun,
                maxRejects,
                unknownFields,
                gzip,
                idempotencyKey,
                resume,
                maxResumes,
                resumeTimeout,
                prefetch);
    }

    public UploadOptions withGzip(boolean gzip) {
        return new UploadOptions(
                onConflict,
                chunkSize,
                atomic,
                dryRun,
                maxRejects,
                unknownFields,
                gzip,
                idempotencyKey,
                resume,
                maxResumes,
                resumeTimeout,
                prefetch);
    }

    public UploadOptions withIdempotencyKey(@Nullable String idempotencyKey) {
        return new UploadOptions(
                onConflict,
                chunkSize,
                atomic,
                dryRun,
                maxRejects,
                unknownFields,
                gzip,
                idempotencyKey,
                resume,
                maxResumes,
                resumeTimeout,
                prefetch);
    }

    public UploadOptions withResume(boolean resume) {
        return new UploadOptions(
                onConflict,
                chunkSize,
                atomic,
                dryRun,
                maxRejects,
                unknownFields,
                gzip,
                idempotencyKey,
                resume,
                maxResumes,
                resumeTimeout,
                prefetch);
    }

    public UploadOptions withMaxResumes(int maxResumes) {
        return new UploadOptions(
                onConflict,
                chunkSize,
                atomic,
                dryRun,
                maxRejects,
                unknownFields,
                gzip,
                idempotencyKey,
                resume,
                maxResumes,
                resumeTimeout,
                prefetch);
    }

    public UploadOptions withResumeTimeout(Duration resumeTimeout) {
        return new UploadOptions(
                onConflict,
                chunkSize,
                atomic,
                dryRun,
                maxRejects,
                unknownFields,
                gzip,
                idempotencyKey,
                resume,
                maxResumes,
                resumeTimeout,
                prefetch);
    }

    public UploadOptions withPrefetch(int prefetch) {
        return new UploadOptions(
                onConflict,
                chunkSize,
                atomic,
                dryRun,
                maxRejects,
                unknownFields,
                gzip,
                idempotencyKey,
                resume,
                maxResumes,
                resumeTimeout,
                prefetch);
    }

    /** Whether a lost connection resumes the upload: chunks must commit one by one for lines to be known kept. */
    boolean resumes() {
        boolean commitsPerChunk = !Boolean.TRUE.equals(atomic) && !Boolean.TRUE.equals(dryRun);
        return commitsPerChunk && idempotencyKey != null && !Boolean.FALSE.equals(resume);
    }

    /** The upload's query parameters, in docs/api.md's names; unset ones are left out. */
    Map<String, String> query() {
        Map<String, String> query = new LinkedHashMap<>();
        put(query, "onConflict", onConflict);
        put(query, "chunkSize", chunkSize);
        put(query, "maxRejects", maxRejects);
        put(query, "atomic", atomic);
        put(query, "dryRun", dryRun);
        put(query, "unknownFields", unknownFields);
        return query;
    }

    private static void put(Map<String, String> query, String name, @Nullable Object value) {
        if (value != null) {
            query.put(name, value.toString());
        }
    }
}
