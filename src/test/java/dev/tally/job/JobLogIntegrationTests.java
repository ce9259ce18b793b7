package dev.tally.job;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.tally.testing.ServiceIntegrationTest;
import dev.tally.testing.Things;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/** Every line Tally logs about a job carries its id as the MDC key {@code job}; one line sums up each job. */
class JobLogIntegrationTests extends ServiceIntegrationTest {

    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private final Logger uploadLog = (Logger) LoggerFactory.getLogger("dev.tally.ingest.Upload");

    @BeforeEach
    void listen() {
        lines.start();
        uploadLog.addAppender(lines);
    }

    @AfterEach
    void stopListening() {
        uploadLog.detachAppender(lines);
    }

    @Test
    void aFinishedJobLogsOneSummaryLineCarryingItsId() {
        List<JsonNode> events = client.events("things", "chunkSize=10", Things.body(45));
        String job = events.getFirst().get("job").asString();

        List<ILoggingEvent> aboutJob = lines.list.stream()
                .filter(line -> line.getFormattedMessage().contains(job))
                .toList();
        assertThat(aboutJob).hasSize(1);
        ILoggingEvent summary = aboutJob.getFirst();
        assertThat(summary.getMDCPropertyMap()).containsEntry("job", job);
        assertThat(summary.getFormattedMessage())
                .startsWith("Job " + job + " completed: dataset things, onConflict skip, 5 chunks in ")
                .endsWith(" ms, Counts[received=42, inserted=40, updated=0, unchanged=0, skipped=0, rejected=2]");
    }
}
