package dev.tally.loadtests;

import static io.gatling.javaapi.core.CoreDsl.ByteArrayBody;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.bodyString;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.sse;
import static io.gatling.javaapi.http.HttpDsl.status;

import dev.tally.loadtests.UploadLog.Event;
import dev.tally.loadtests.UploadLog.Upload;
import io.gatling.http.action.sse.SseInboundMessage;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.Locale;

/**
 * U uploaders at once, each POSTing one NDJSON body of the standard workload (version 0) on its
 * own key range — uploader u sends keys u*K+1 .. (u+1)*K — to {@code /v1/datasets/customers/records
 * ?onConflict=skip}, reading the response as server-sent events with Gatling's SSE support
 * ({@code sse(…).post(…).body(…)}), which can POST a body and time-stamps every event on arrival.
 *
 * <p>Checks per upload: status 200 with {@code text/event-stream} (Gatling's SSE connect fails on
 * anything else), a final event that is {@code completed} with {@code received = inserted = K}.
 * The run asserts zero failed requests. The after hook adds rows/s, the "commit → event received"
 * latency from {@code tally.chunk.committed_at}, and the stream and table checks of {@link RunReport}.
 *
 * <p>System properties: {@code uploaders} (8), {@code linesPerUpload} (20000), {@code baseUrl}
 * (http://localhost:8080), {@code dbUrl} (jdbc:postgresql://127.0.0.1:5432/tally), {@code dbUser}
 * and {@code dbPassword} (postgres), {@code token} (tally-demo-token: the demo profile's), {@code
 * uploadTimeoutSeconds} (300), {@code latencyOut} (target/gatling-latency.txt).
 */
public class ConcurrentUploadsSimulation extends Simulation {

    private static final String SSE_NAME = "upload-stream";
    private static final String FINAL_EVENT = "finalEvent";
    private static final String JOB = "job";
    private static final String CHUNKS_SEEN = "chunksSeen";
    private static final String STREAM_PROBLEMS = "streamProblems";
    private static final String SENT_AT = "sentAt";
    private static final String UPLOADER = "uploader";
    /** Lines of the warm-up upload: every one rejected (unknown_field), so it writes no row. */
    private static final int WARM_UP_LINES = 50;

    private final int uploaders = Integer.getInteger("uploaders", 8);
    private final int linesPerUpload = Integer.getInteger("linesPerUpload", 20_000);
    private final String baseUrl = System.getProperty("baseUrl", "http://localhost:8080");
    private final String dbUrl = System.getProperty("dbUrl", "jdbc:postgresql://127.0.0.1:5432/tally");
    private final String dbUser = System.getProperty("dbUser", "postgres");
    private final String dbPassword = System.getProperty("dbPassword", "postgres");
    private final Duration uploadTimeout = Duration.ofSeconds(Long.getLong("uploadTimeoutSeconds", 300));
    private final Path latencyOut = Path.of(System.getProperty("latencyOut", "target/gatling-latency.txt"));

    private final Duration statsWait = Duration.ofSeconds(Long.getLong("statsWaitSeconds", 11));

    private final UploadLog log = new UploadLog();
    private final AtomicInteger nextUploader = new AtomicInteger();
    private DatabaseCounters countersBefore;
    private final byte[][] bodies;

    {
        Locale.setDefault(Locale.ROOT);
        Workload.selfCheck();
        // Every body is generated in memory before the run starts: the uploads time only the upload.
        bodies = new byte[uploaders][];
        for (int u = 0; u < uploaders; u++) {
            bodies[u] = Workload.body((long) u * linesPerUpload + 1, linesPerUpload, 0);
        }
        System.out.printf(
                "Generated %d bodies of %d lines (%.1f MB in all)%n",
                uploaders, linesPerUpload, uploaders * (double) bodies[0].length / 1e6);
    }

    private final HttpProtocolBuilder httpProtocol = http.baseUrl(baseUrl)
            .authorizationHeader(ApiToken.BEARER)
            // Keep every event that no check consumed (job and chunk events) for processUnmatchedMessages.
            .sseUnmatchedInboundMessageBufferSize(1_000_000);

    /**
     * One small upload before the measured ones, so that neither the client's SSE path nor the
     * server meets its first event cold: a freshly started JVM on two shared cores takes hundreds of
     * milliseconds over its first events, which would land in the latency figures. Its lines are all
     * rejected, so the table stays empty.
     */
    private final ScenarioBuilder warmUp = scenario("warm-up")
            .exec(sse("warm-up upload", SSE_NAME)
                    .post("/v1/datasets/customers/records?onConflict=skip")
                    .header("Content-Type", "application/x-ndjson")
                    .header("Accept", "text/event-stream")
                    .body(ByteArrayBody(warmUpBody()))
                    .await(uploadTimeout)
                    .on(sse.checkMessage("warm-up final event")
                            .matching(jsonPath("$.event").in("completed", "failed", "cancelled", "aborted"))
                            .check(
                                    jsonPath("$.event").is("completed"),
                                    jsonPath("$.data.totals.received").ofLong().is((long) WARM_UP_LINES),
                                    jsonPath("$.data.totals.rejected").ofLong().is((long) WARM_UP_LINES))))
            .exec(sse.processUnmatchedMessages(SSE_NAME, (messages, session) -> session))
            .exec(sse("warm-up close", SSE_NAME).close());

    private final ScenarioBuilder upload = scenario("concurrent uploaders")
            .exec(session -> session.set(UPLOADER, nextUploader.getAndIncrement()))
            .exec(session -> session.set(SENT_AT, System.currentTimeMillis()))
            .exec(sse("upload", SSE_NAME)
                    .post("/v1/datasets/customers/records?onConflict=skip")
                    .header("Content-Type", "application/x-ndjson")
                    .header("Accept", "text/event-stream")
                    .body(ByteArrayBody(session -> bodies[uploader(session)]))
                    .await(uploadTimeout)
                    .on(sse.checkMessage("final event")
                            .matching(jsonPath("$.event").in("completed", "failed", "cancelled", "aborted"))
                            .check(
                                    bodyString().saveAs(FINAL_EVENT),
                                    jsonPath("$.event").is("completed"),
                                    jsonPath("$.data.totals.received").ofLong().is((long) linesPerUpload),
                                    jsonPath("$.data.totals.inserted").ofLong().is((long) linesPerUpload))))
            .exec(sse.processUnmatchedMessages(SSE_NAME, this::record))
            .exec(sse("close", SSE_NAME).close())
            // The job document must agree with the stream, and the stream with itself: a stream
            // problem found by record() fails this request, so it counts as a failed request.
            .doIf(session -> session.contains(JOB))
            .then(exec(http("job document")
                    .get("/v1/jobs/#{" + JOB + "}")
                    .check(
                            status().is(200),
                            jsonPath("$.status").is("completed"),
                            jsonPath("$.totals.received").ofLong().is((long) linesPerUpload),
                            jsonPath("$.totals.inserted").ofLong().is((long) linesPerUpload),
                            jsonPath("$.chunks").ofInt().is(session -> session.getInt(CHUNKS_SEEN)),
                            bodyString().validate("stream consistent", (body, session) -> {
                                String problems = session.getString(STREAM_PROBLEMS);
                                if (!problems.isEmpty()) {
                                    throw new IllegalStateException(problems);
                                }
                                return body;
                            }))));

    {
        setUp(warmUp.injectOpen(atOnceUsers(1)).andThen(upload.injectOpen(atOnceUsers(uploaders))))
                .protocols(httpProtocol)
                .assertions(global().failedRequests().count().is(0L));
    }

    private static int uploader(Session session) {
        return session.getInt(UPLOADER);
    }

    private static byte[] warmUpBody() {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= WARM_UP_LINES; i++) {
            sb.append("{\"id\":").append(i).append(",\"warm_up\":true}\n");
        }
        return sb.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** Runs right after the final event (or the timeout): keeps every event this uploader received. */
    private Session record(List<SseInboundMessage> messages, Session session) {
        long endedAt = System.currentTimeMillis();
        List<Event> events = messages.stream()
                .map(m -> UploadLog.event(m.timestamp(), m.message()))
                .toList();
        String fin = session.contains(FINAL_EVENT) ? session.getString(FINAL_EVENT) : null;
        Upload upload = new Upload(
                uploader(session), session.getLong(SENT_AT), endedAt, events, fin == null ? null : UploadLog.parse(fin));
        log.add(upload);
        List<String> problems = RunReport.streamProblems(upload, linesPerUpload);
        int chunksSeen = (int) events.stream()
                .filter(e -> "chunk".equals(e.name()))
                .flatMapToInt(e -> Arrays.stream(RunReport.chunkNumbers(e.data())))
                .distinct()
                .count();
        Session next = session.set(STREAM_PROBLEMS, String.join("; ", problems)).set(CHUNKS_SEEN, chunksSeen);
        return upload.job() == null ? next : next.set(JOB, upload.job());
    }

    @Override
    public void before() {
        try (Connection db = DriverManager.getConnection(dbUrl, dbUser, dbPassword);
                Statement st = db.createStatement()) {
            st.execute("TRUNCATE customers");
            countersBefore = DatabaseCounters.read(db);
        } catch (Exception e) {
            throw new IllegalStateException("cannot TRUNCATE customers at " + dbUrl, e);
        }
        System.out.printf(
                "TRUNCATE customers done; %d uploaders × %d lines → %s%n", uploaders, linesPerUpload, baseUrl);
    }

    @Override
    public void after() {
        RunReport report = new RunReport(
                new RunReport.Settings(uploaders, linesPerUpload, baseUrl, dbUrl, dbUser, dbPassword, statsWait),
                log.uploads(),
                countersBefore);
        try {
            String text = report.build(latencyOut);
            System.out.println();
            System.out.print(text);
            System.out.println("(written to " + latencyOut.toAbsolutePath() + ")");
        } catch (Exception e) {
            throw new IllegalStateException("the after hook's report failed", e);
        }
        // Failed uploads already fail the run through the assertion; a database that disagrees with
        // streams that all looked right has no request to fail, so it fails the run here.
        if (!report.unexplainedProblems().isEmpty()) {
            throw new IllegalStateException(
                    report.unexplainedProblems().size() + " database problem(s) behind correct-looking streams, see above");
        }
    }
}
