package dev.tally.cli;

import java.time.Instant;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;

/**
 * How far a job is, as its events tell it: the lines and bytes that committed out of those expected.
 *
 * @param startedAt the job's start (service clock), {@code null} until the {@code job} event
 * @param bytesTotal the body's size, -1 when not known
 * @param lines the last line number committed
 * @param bytesRead the body bytes the committed chunks came from, -1 when not known
 * @param committedAt when the latest chunk committed (service clock), {@code null} when not sent
 * @param atomic whether the job is one transaction, as its {@code job} event says
 * @param dryRun whether the job rolls back in the end, as its {@code job} event says
 */
record Progress(
        String job,
        String dataset,
        boolean atomic,
        boolean dryRun,
        @Nullable Instant startedAt,
        long bytesTotal,
        long lines,
        long bytesRead,
        @Nullable Instant committedAt,
        long chunks,
        Totals totals) {

    static Progress start(long bytesTotal) {
        return new Progress("", "", false, false, null, bytesTotal, 0, -1, null, 0, Totals.NONE);
    }

    /** After the {@code job} event; a size sent by the service wins over one known before. */
    Progress started(JsonNode job) {
        long total = Json.optionalCount(job, "bytesTotal");
        return new Progress(
                Json.text(job, "job"),
                Json.text(job, "dataset"),
                job.path("atomic").asBoolean(false),
                job.path("dryRun").asBoolean(false),
                Json.instant(job, "startedAt"),
                total >= 0 ? total : bytesTotal,
                lines,
                bytesRead,
                committedAt,
                chunks,
                totals);
    }

    /** After a {@code chunk} event, a single chunk or several merged. */
    Progress committed(JsonNode chunk) {
        long read = Json.optionalCount(chunk, "bytesRead");
        JsonNode merged = chunk.path("chunks");
        long last = merged.isObject() ? Json.count(merged, "last") : Json.count(chunk, "chunk");
        Instant at = Json.instant(chunk, "committedAt");
        return new Progress(
                job,
                dataset,
                atomic,
                dryRun,
                startedAt,
                bytesTotal,
                Math.max(lines, Json.count(chunk.path("lines"), "last")),
                read >= 0 ? read : bytesRead,
                at != null ? at : committedAt,
                Math.max(chunks, last),
                Totals.of(chunk.get("totals")));
    }

    /** With the bytes this client has sent: the estimate while the service does not say what it read. */
    Progress sent(long bytes) {
        return new Progress(
                job, dataset, atomic, dryRun, startedAt, bytesTotal, lines, bytes, committedAt, chunks, totals);
    }
}
