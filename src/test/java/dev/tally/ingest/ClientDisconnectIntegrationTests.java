package dev.tally.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.TallyIntegrationTest;
import dev.tally.TestDatabase;
import dev.tally.testing.JobLedger;
import dev.tally.testing.RawUpload;
import dev.tally.testing.Things;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * A client that goes away mid-upload, cut at seeded random points: whatever the moment, the job
 * ends {@code aborted} with the totals of its ledger, and the table holds exactly the lines of
 * the committed chunks. {@code TALLY_TEST_SEED} picks other cut points.
 */
@TallyIntegrationTest
class ClientDisconnectIntegrationTests {

    private static final Logger log = LoggerFactory.getLogger(ClientDisconnectIntegrationTests.class);

    private static final long SEED = Long.parseLong(System.getenv().getOrDefault("TALLY_TEST_SEED", "4"));
    private static final int CUTS = 8;
    private static final int LINES = 400;
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final TestDatabase db = TestDatabase.get();

    @LocalServerPort
    int port;

    /** How the connection ends: FIN or RST after whole HTTP chunks, or FIN inside one. */
    private enum Cut {
        CLOSE,
        RESET,
        INSIDE_HTTP_CHUNK
    }

    @Test
    void aClientCutOffAnywhereLeavesExactlyTheCommittedChunksAndAnAbortedJob() throws Exception {
        Random random = new Random(SEED);
        byte[] body = Things.body(LINES).getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < CUTS; i++) {
            // The first cut falls just before a newline: the partial line is whole JSON, and still not a line.
            int offset = i == 0 ? beforeANewline(body, random) : 1 + random.nextInt(body.length - 1);
            Cut cut = Cut.values()[random.nextInt(Cut.values().length)];
            cutOff(body, offset, cut, random, "seed %d, cut %d at byte %d, %s".formatted(SEED, i, offset, cut));
        }
    }

    private void cutOff(byte[] body, int offset, Cut cut, Random random, String context) throws Exception {
        db.update("TRUNCATE things");
        String job;
        try (RawUpload upload = RawUpload.start(port, "things", "chunkSize=10")) {
            JsonNode started = upload.nextEvent(WAIT);
            assertThat(started).as(context).isNotNull();
            job = started.get("job").asString();
            int sent = 0;
            while (sent < offset) {
                int piece = Math.min(offset - sent, 1 + random.nextInt(600));
                byte[] bytes = Arrays.copyOfRange(body, sent, sent + piece);
                sent += piece;
                if (sent == offset && cut == Cut.INSIDE_HTTP_CHUNK) {
                    upload.sendTruncatedChunk(bytes, piece + 1 + random.nextInt(100));
                } else {
                    upload.send(bytes);
                }
                Thread.sleep(random.nextInt(12));
            }
            Thread.sleep(random.nextInt(30));
            upload.cut(cut == Cut.RESET);
        }

        assertThat(JobLedger.awaitEnd(db, job, WAIT)).as(context).isEqualTo("aborted");
        long lastCommitted = JobLedger.assertTotalsEqualLedger(db, job, context);
        long completeLines = completeLines(body, offset);
        log.info("{}: {} complete lines sent, lines 1-{} committed", context, completeLines, lastCommitted);
        assertThat(lastCommitted)
                .as("the partial line is never written, %s", context)
                .isLessThanOrEqualTo(completeLines);
        assertThat(jobRow(job))
                .as(context)
                .containsEntry("received", Things.received(lastCommitted))
                .containsEntry("inserted", (long) Things.rows(lastCommitted).size())
                .containsEntry("rejected", (long) Things.invalid(lastCommitted).size())
                .containsEntry("error", null);
        assertThat(Things.table(db)).as(context).isEqualTo(Things.rows(lastCommitted));
        assertThat(
                        db
                                .query(
                                        "SELECT line FROM tally.row_log WHERE job_id = ? ORDER BY line",
                                        UUID.fromString(job))
                                .stream()
                                .map(row -> row.get("line"))
                                .toList())
                .as(context)
                .isEqualTo(Things.invalid(lastCommitted));
    }

    private Map<String, Object> jobRow(String job) {
        return db.query("SELECT received, inserted, rejected, error FROM tally.job WHERE id = ?", UUID.fromString(job))
                .getFirst();
    }

    private static int beforeANewline(byte[] body, Random random) {
        List<Integer> newlines = new ArrayList<>();
        for (int i = 0; i < body.length; i++) {
            if (body[i] == '\n' && i > 0 && body[i - 1] == '}') {
                newlines.add(i);
            }
        }
        return newlines.get(newlines.size() / 4 + random.nextInt(newlines.size() / 2));
    }

    private static long completeLines(byte[] body, int offset) {
        return LongStream.range(0, offset).filter(i -> body[(int) i] == '\n').count();
    }
}
