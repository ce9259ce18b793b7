package dev.tally.upsert;

import static dev.tally.testing.Totals.assertTotals;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.TallyIntegrationTest;
import dev.tally.TestDatabase;
import dev.tally.testing.JobLedger;
import dev.tally.testing.Things;
import dev.tally.testing.UploadClient;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * A chunk whose transaction fails for a reason no row explains (here a trigger on the ledger)
 * ends the job {@code failed} at that chunk, with the totals of the chunks before it: never a job
 * left running, never a count the ledger does not hold.
 *
 * <p>Chunks of 10 lines over {@link Things}: lines 1-10, 11-21, 22-32, ...
 */
@TallyIntegrationTest
class ChunkFailureIntegrationTests {

    private final TestDatabase db = TestDatabase.get();

    @LocalServerPort
    int port;

    @BeforeEach
    void failTheThirdChunksLedgerRow() {
        db.update("TRUNCATE things");
        db.update("""
                CREATE FUNCTION tally.fail_third_chunk() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    RAISE EXCEPTION 'no third chunk today';
                END $$""");
        db.update("""
                CREATE TRIGGER fail_third_chunk BEFORE INSERT ON tally.chunk
                FOR EACH ROW WHEN (NEW.chunk = 3) EXECUTE FUNCTION tally.fail_third_chunk()""");
    }

    @AfterEach
    void dropTheTrigger() {
        db.update("DROP TRIGGER fail_third_chunk ON tally.chunk");
        db.update("DROP FUNCTION tally.fail_third_chunk()");
    }

    @Test
    void aChunkThatCannotBeWrittenEndsTheJobFailedWithTheChunksBeforeIt() throws Exception {
        List<JsonNode> events = new UploadClient(port).events("things", "chunkSize=10", Things.lines(1, 80));

        JsonNode end = events.getLast();
        assertThat(end.get("event").asString()).isEqualTo("failed");
        assertThat(end.get("chunks").asInt()).isEqualTo(2);
        assertTotals(end, 20, 19, 0, 0, 0, 1);
        assertThat(end.get("error").get("code").asString()).isEqualTo("db_error");
        assertThat(end.get("error").get("message").asString())
                .isEqualTo("chunk 3 (lines 22-32): no third chunk today [SQLSTATE P0001]");
        String job = end.get("job").asString();
        assertThat(JobLedger.status(db, job)).isEqualTo("failed");
        assertThat(JobLedger.assertTotalsEqualLedger(db, job, "failed job")).isEqualTo(21);
        assertThat(Things.table(db)).isEqualTo(Things.rows(21));
    }
}
