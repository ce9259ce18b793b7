package dev.tally.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.testing.FollowedEvents;
import dev.tally.testing.JobLedger;
import dev.tally.testing.RawSubscriber;
import dev.tally.testing.RawUpload;
import dev.tally.testing.ServiceIntegrationTest;
import dev.tally.testing.Things;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * A job whose instance died (simulated by its rows: running, neither marked alive nor committing
 * for longer than {@code tally.liveness.lost-after}) is ended by any other instance, aborted with
 * its ledger's totals, and its followers get the final event; a job marked alive or committing
 * chunks is left running.
 */
class LivenessIntegrationTests extends ServiceIntegrationTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Autowired
    Liveness liveness;

    @Test
    void aJobLeftRunningByADeadInstanceEndsAbortedWithItsLedgersTotalsAndItsFollowersLearnIt() throws Exception {
        UUID job = runningJob("10 minutes", "10 minutes");
        chunk(job, 1, 1, 10, "9 minutes");
        chunk(job, 2, 11, 20, "8 minutes");

        try (RawSubscriber follower = RawSubscriber.reading(port, job.toString())) {
            follower.awaitEvents(3, WAIT); // job, chunks 1 and 2, from the ledger
            liveness.beat().collectList().block(WAIT);

            List<JsonNode> events = follower.awaitEnd(WAIT);
            JsonNode end = events.getLast();
            assertThat(end.get("event").asString()).isEqualTo("aborted");
            assertThat(end.get("id").asLong()).isEqualTo(3);
            assertThat(end.get("chunks").asLong()).isEqualTo(2);
            assertThat(end.get("totals").toString())
                    .isEqualTo(
                            "{\"received\":20,\"inserted\":14,\"updated\":0,\"unchanged\":0,\"skipped\":4,\"rejected\":2}");
            assertThat(end.at("/error/code").asString()).isEqualTo("instance_lost");
            assertThat(end.at("/error/message").asString())
                    .isEqualTo("The instance running the upload stopped: no sign of it for 60 s. What committed stays");
            FollowedEvents.assertWhole(events, end);
        }
        assertThat(db.query(
                        "SELECT status, received, inserted, skipped, rejected, chunks, ended_at IS NOT NULL AS ended"
                                + " FROM tally.job WHERE id = ?",
                        job))
                .containsExactly(Map.of(
                        "status",
                        "aborted",
                        "received",
                        20L,
                        "inserted",
                        14L,
                        "skipped",
                        4L,
                        "rejected",
                        2L,
                        "chunks",
                        2,
                        "ended",
                        true));
    }

    @Test
    void aLostJobWhoseCancelWasRequestedEndsCancelled() {
        UUID job = runningJob("10 minutes", "10 minutes");
        db.update("UPDATE tally.job SET cancel_requested_at = now() - interval '5 minutes' WHERE id = ?", job);

        liveness.beat().collectList().block(WAIT);

        assertThat(db.query("SELECT status, error IS NULL AS no_error FROM tally.job WHERE id = ?", job))
                .containsExactly(Map.of("status", "cancelled", "no_error", true));
    }

    @Test
    void aJobMarkedAliveRecentlyOrCommittingOrRunningHereIsLeftRunning() throws Exception {
        UUID markedAlive = runningJob("10 minutes", "30 seconds");
        UUID committing = runningJob("10 minutes", "10 minutes");
        chunk(committing, 1, 1, 10, "5 seconds");
        try (RawUpload upload = RawUpload.start(port, "things", "chunkSize=10")) {
            UUID here = UUID.fromString(upload.nextEvent(WAIT).get("job").asString());
            db.update("UPDATE tally.job SET alive_at = now() - interval '10 minutes' WHERE id = ?", here);

            liveness.beat().collectList().block(WAIT);

            for (UUID job : List.of(markedAlive, committing, here)) {
                assertThat(JobLedger.status(db, job.toString()))
                        .as("job %s", job)
                        .isEqualTo("running");
            }
            // The upload running here was marked alive by the beat.
            assertThat(db.count(
                            "SELECT count(*) FROM tally.job WHERE id = ? AND alive_at > now() - interval '10 seconds'",
                            here))
                    .isEqualTo(1);
            upload.send(Things.lines(1, 5));
            upload.finish();
            assertThat(upload.remainingEvents(WAIT).getLast().get("event").asString())
                    .isEqualTo("completed");
        }
        db.update(
                "UPDATE tally.job SET status = 'failed', ended_at = now() WHERE id IN (?, ?)", markedAlive, committing);
    }

    /** A job row as a running upload leaves it, started and last marked alive that long ago. */
    private UUID runningJob(String startedAgo, String aliveAgo) {
        UUID job = UUID.randomUUID();
        db.update(
                "INSERT INTO tally.job (id, dataset, status, on_conflict, chunk_size, atomic, dry_run, unknown_fields,"
                        + " started_at, alive_at) VALUES (?, 'things', 'running', 'skip', 10, false, false, 'reject',"
                        + " now() - ?::interval, now() - ?::interval)",
                job,
                startedAgo,
                aliveAgo);
        return job;
    }

    /** A ledger row of 10 lines: 7 inserted, 2 skipped, 1 rejected, committed that long ago. */
    private void chunk(UUID job, int chunk, long firstLine, long lastLine, String committedAgo) {
        db.update(
                "INSERT INTO tally.chunk (job_id, chunk, first_line, last_line, received, inserted, updated, unchanged,"
                        + " skipped, rejected, committed_at) VALUES (?, ?, ?, ?, 10, 7, 0, 0, 2, 1, now() - ?::interval)",
                job,
                chunk,
                firstLine,
                lastLine,
                committedAgo);
    }
}
