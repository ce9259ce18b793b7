package dev.tally.loadtests;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.bodyString;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.rampUsers;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.sse;
import static io.gatling.javaapi.http.HttpDsl.status;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.loadtests.UploadLog.Event;
import io.gatling.http.action.sse.SseInboundMessage;
import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.core.Simulation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * S subscribers following one running job through {@code GET /v1/jobs/{id}/events}. One upload of
 * the standard workload (keys 1..L, version 0, {@code onConflict=skip}) to {@code customers} is sent
 * at a steady rate by {@link PacedUpload}, so its chunks commit all along; once its job shows in
 * {@code GET /v1/jobs}, S Gatling SSE users connect over the ramp and each reads until the final
 * event (Gatling checks it is {@code completed}; the run asserts zero failed requests). A {@link
 * ProbeSubscriber} joins after the ramp. The after hook checks every subscriber's sequence ({@link
 * Subscription#check}), the upload's final event and the job document, reports them and the
 * latencies ({@link SubscribersReport}), and fails the run on any problem.
 *
 * <p>With {@code tallyPid}, the service's memory is watched ({@link ServiceMemory}): live heap
 * (after a full collection) once the job runs and before anyone subscribes, again once every
 * subscriber follows, and at the end; peak used heap and RSS throughout.
 *
 * <p>System properties: {@code subscribers} (1000), {@code lines} (60000), {@code linesPerSecond}
 * (1000), {@code rampSeconds} (10), {@code baseUrl} (the upload and {@code GET /v1/jobs}), {@code
 * subscriberBaseUrl} (the subscribers and the probe; {@code baseUrl}), {@code dbUrl}, {@code dbUser},
 * {@code dbPassword}, {@code token} (tally-demo-token: the demo profile's), {@code statsWaitSeconds} (11; 0 does not count the database's transactions),
 * {@code tallyPid} (none: memory not watched; the subscribers' instance), {@code tallyJdk} (the JDK whose jstat and
 * jcmd watch it), {@code reportOut} (target/gatling-subscribers.txt), {@code eventsCsv}
 * (target/gatling-subscriber-events.csv: every subscriber's chunk and final events with their arrival
 * and commit times).
 */
public class JobSubscribersSimulation extends Simulation {

    private static final String SSE_NAME = "job-events";
    private static final String JOB = "job";
    private static final String SUBSCRIBER = "subscriber";
    private static final String CONNECTED_AT = "connectedAt";
    private static final String FINAL_EVENT = "finalEvent";
    private static final String FINAL_RECEIVED_AT = "finalReceivedAt";
    /** After the ramp, the subscribers are given this long to be following before the heap is measured. */
    private static final Duration SETTLE = Duration.ofSeconds(5);

    private final int subscribers = Integer.getInteger("subscribers", 1000);
    private final long lines = Long.getLong("lines", 60_000);
    private final int linesPerSecond = Integer.getInteger("linesPerSecond", 1000);
    private final int rampSeconds = Integer.getInteger("rampSeconds", 10);
    private final String baseUrl = System.getProperty("baseUrl", "http://localhost:8080");
    /** Where the subscribers and the probe connect: another instance on the same database follows from the ledger. */
    private final String subscriberBaseUrl = System.getProperty("subscriberBaseUrl", baseUrl);
    private final String dbUrl = System.getProperty("dbUrl", "jdbc:postgresql://127.0.0.1:5432/tally");
    private final String dbUser = System.getProperty("dbUser", "postgres");
    private final String dbPassword = System.getProperty("dbPassword", "postgres");
    private final Long tallyPid = Long.getLong("tallyPid");
    private final Path tallyJdk = Path.of(System.getProperty("tallyJdk", "/usr/lib/jvm/temurin-25-jdk-amd64"));
    private final Path reportOut = Path.of(System.getProperty("reportOut", "target/gatling-subscribers.txt"));
    private final Path eventsCsv = Path.of(System.getProperty("eventsCsv", "target/gatling-subscriber-events.csv"));
    private final Duration timeout = Duration.ofSeconds(lines / linesPerSecond * 2 + 120);
    private final Duration statsWait = Duration.ofSeconds(Long.getLong("statsWaitSeconds", 11));

    private final PacedUpload uploader = new PacedUpload(baseUrl, lines, linesPerSecond);
    private final Queue<Stream> streams = new ConcurrentLinkedQueue<>();
    private final AtomicInteger nextSubscriber = new AtomicInteger();
    private final List<String> memory = Collections.synchronizedList(new ArrayList<>());
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private volatile String job;
    private CompletableFuture<Event> upload;
    private volatile CompletableFuture<Subscription> probe;
    private long uploadStartedAt;
    private ServiceMemory serviceMemory;
    private String loadBefore;
    private DatabaseCounters countersBefore;
    private volatile long heapMeasuredAt;

    {
        Locale.setDefault(Locale.ROOT);
        Workload.selfCheck();
    }

    private final ScenarioBuilder subscribe = scenario("subscribers")
            .exec(session -> session.set(SUBSCRIBER, nextSubscriber.getAndIncrement())
                    .set(JOB, job)
                    .set(CONNECTED_AT, System.currentTimeMillis()))
            .exec(sse("subscribe", SSE_NAME)
                    .get("/v1/jobs/#{" + JOB + "}/events")
                    .header("Accept", "text/event-stream")
                    .await(timeout)
                    .on(sse.checkMessage("final event")
                            .matching(jsonPath("$.event").in("completed", "failed", "cancelled", "aborted"))
                            .check(
                                    // Checks run as the message arrives: this is its arrival time.
                                    bodyString()
                                            .transform(body -> Long.toString(System.currentTimeMillis()))
                                            .saveAs(FINAL_RECEIVED_AT),
                                    bodyString().saveAs(FINAL_EVENT),
                                    jsonPath("$.event").is("completed"))))
            .exec(sse.processUnmatchedMessages(SSE_NAME, this::record))
            .exec(sse("close", SSE_NAME).close());

    {
        // With no subscribers the run only watches the upload (and the probe); Gatling still needs
        // one user, and one request for its report.
        setUp(subscribers > 0
                        ? subscribe.injectOpen(rampUsers(subscribers).during(Duration.ofSeconds(rampSeconds)))
                        : scenario("no subscribers")
                                .exec(session -> session.set(JOB, job))
                                .exec(http("running job")
                                        .get(baseUrl + "/v1/jobs/#{" + JOB + "}")
                                        .check(status().is(200), jsonPath("$.status").is("running")))
                                .injectOpen(atOnceUsers(1)))
                .protocols(http.baseUrl(subscriberBaseUrl)
                        .authorizationHeader(ApiToken.BEARER)
                        .sseUnmatchedInboundMessageBufferSize(1_000_000))
                .assertions(global().failedRequests().count().is(0L));
    }

    /**
     * Runs right after the final event (or the timeout): keeps the stream as it came. The checks
     * wait for the after hook: a thousand final events arrive at once, and work here would delay
     * the next subscriber's on Gatling's event loops, and so its arrival time.
     */
    private Session record(List<SseInboundMessage> messages, Session session) {
        streams.add(new Stream(
                session.getInt(SUBSCRIBER),
                session.getLong(CONNECTED_AT),
                messages,
                session.contains(FINAL_EVENT) ? session.getString(FINAL_EVENT) : null,
                session.contains(FINAL_RECEIVED_AT) ? Long.parseLong(session.getString(FINAL_RECEIVED_AT)) : -1));
        return session;
    }

    /** One Gatling subscriber's stream as received: events before the final one, and the final one (or null). */
    private record Stream(
            int subscriber,
            long connectedAt,
            List<SseInboundMessage> messages,
            String finalMessage,
            long finalReceivedAt) {

        Subscription check(String job, long lines) {
            List<Event> events = messages.stream()
                    .map(m -> UploadLog.event(m.timestamp(), m.message()))
                    .toList();
            Event fin = finalMessage == null ? null : UploadLog.event(finalReceivedAt, finalMessage);
            return Subscription.check(subscriber, connectedAt, job, events, fin, lines);
        }
    }

    @Override
    public void before() {
        loadBefore = loadAverage();
        try (Connection db = DriverManager.getConnection(dbUrl, dbUser, dbPassword);
                Statement st = db.createStatement()) {
            st.execute("TRUNCATE customers");
            countersBefore = DatabaseCounters.read(db);
        } catch (Exception e) {
            throw new IllegalStateException("cannot TRUNCATE customers at " + dbUrl, e);
        }
        try {
            if (tallyPid != null) {
                serviceMemory = new ServiceMemory(tallyPid, tallyJdk);
            }
            uploadStartedAt = System.currentTimeMillis();
            upload = uploader.start();
            job = uploader.awaitJob(Duration.ofSeconds(30));
            if (serviceMemory != null) {
                memory.add("live heap        %s before any subscriber (the upload running)"
                        .formatted(mb(serviceMemory.liveHeapKb())));
                long at = Duration.ofSeconds(rampSeconds).plus(SETTLE).toMillis();
                scheduler.schedule(this::liveHeapWithSubscribers, at, TimeUnit.MILLISECONDS);
            }
            scheduler.schedule(
                    () -> probe = ProbeSubscriber.follow(subscriberBaseUrl, job, lines), rampSeconds + 1L, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the upload did not start", e);
        }
        System.out.printf(
                "TRUNCATE customers done; job %s: %d lines at %d lines/s to %s; %d subscribers over %d s → %s%n",
                job, lines, linesPerSecond, baseUrl, subscribers, rampSeconds, subscriberBaseUrl);
    }

    private void liveHeapWithSubscribers() {
        try {
            long kb = serviceMemory.liveHeapKb();
            heapMeasuredAt = System.currentTimeMillis();
            memory.add("live heap        %s with %d subscribers connected (of %d), %d s after the ramp began"
                    .formatted(
                            mb(kb),
                            nextSubscriber.get() - streams.size(),
                            subscribers,
                            rampSeconds + SETTLE.toSeconds()));
        } catch (Exception e) {
            memory.add("live heap        not measured with the subscribers: " + e);
        }
    }

    @Override
    public void after() {
        int wrong = 0;
        String outcome;
        boolean uploaded = false;
        long uploaderFinalAt = -1;
        try {
            Event fin = upload.get(timeout.toSeconds(), TimeUnit.SECONDS);
            long seconds = (System.currentTimeMillis() - uploadStartedAt) / 1000;
            JsonNode totals = fin == null ? null : fin.data().path("totals");
            uploaded = fin != null
                    && "completed".equals(fin.name())
                    && totals.path("received").asLong(-1) == lines
                    && totals.path("inserted").asLong(-1) == lines;
            uploaderFinalAt = fin == null ? -1 : fin.receivedAt();
            outcome = fin == null
                    ? "the upload's response ended without a final event"
                    : "upload: %s, totals %s, %s chunks, %d s from its start to the hook"
                            .formatted(fin.name(), totals, fin.data().path("chunks"), seconds);
        } catch (Exception e) {
            outcome = "the upload failed: " + e;
        }
        // Only now: with no subscribers, Gatling is done before the probe or the heap measurement is due.
        scheduler.shutdownNow();
        Subscription probed = null;
        try {
            probed = probe == null ? null : probe.get(timeout.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            memory.add("probe            failed: " + e);
        }
        uploaded &= jobDocumentAgrees(outcome);
        if (serviceMemory != null) {
            try (ServiceMemory m = serviceMemory) {
                memory.add("live heap        %s at the end (subscribers gone, job ended)".formatted(mb(m.liveHeapKb())));
                memory.add(m.collections());
                long[] rss = m.rssAndPeakKb();
                memory.add("RSS              peak %s sampled every 500 ms; VmHWM %s; now %s"
                        .formatted(mb(m.peakRssKb()), mb(rss[1]), mb(rss[0])));
            } catch (Exception e) {
                memory.add("memory           not measured at the end: " + e);
            }
        }
        memory.add(transactions());
        memory.add("load average     %s at the start, %s at the end".formatted(loadBefore, loadAverage()));
        try {
            SubscribersReport report = new SubscribersReport(
                    new SubscribersReport.Settings(
                            subscribers,
                            lines,
                            linesPerSecond,
                            rampSeconds,
                            baseUrl,
                            subscriberBaseUrl,
                            dbUrl,
                            dbUser,
                            dbPassword),
                    job,
                    streams.stream().map(stream -> stream.check(job, lines)).toList(),
                    probed,
                    outcome,
                    uploaderFinalAt,
                    memory,
                    eventsCsv,
                    heapMeasuredAt);
            String text = report.text();
            System.out.println();
            System.out.print(text);
            Files.createDirectories(reportOut.toAbsolutePath().getParent());
            Files.writeString(reportOut, text);
            System.out.println("(written to " + reportOut.toAbsolutePath() + ")");
            wrong = report.wrong();
        } catch (Exception e) {
            throw new IllegalStateException("the after hook's report failed", e);
        }
        // Gatling's checks see each final event; the sequences, the upload and the job document are
        // checked here, and fail the run from here.
        if (!uploaded) {
            throw new IllegalStateException("the upload did not complete with every line inserted: " + outcome);
        }
        if (wrong > 0) {
            throw new IllegalStateException(wrong + " subscriber(s) received a wrong sequence, see above");
        }
        if (streams.size() != subscribers) {
            throw new IllegalStateException("%d of %d subscribers recorded a stream".formatted(streams.size(), subscribers));
        }
    }

    /** {@code GET /v1/jobs/{id}}: completed, every line inserted; a disagreement is noted in the report. */
    private boolean jobDocumentAgrees(String outcome) {
        try {
            JsonNode document = uploader.job(job);
            boolean agrees = "completed".equals(document.path("status").asText())
                    && document.path("totals").path("received").asLong(-1) == lines
                    && document.path("totals").path("inserted").asLong(-1) == lines;
            if (!agrees) {
                memory.add("job document     disagrees: " + document);
            }
            return agrees;
        } catch (Exception e) {
            memory.add("job document     not read: " + e);
            return false;
        }
    }

    /**
     * The transactions committed in the database over the run ({@code pg_stat_database.xact_commit};
     * each of Tally's statements outside a transaction is one): both instances' when the subscribers
     * are on another, and this simulation's few reads. A run without subscribers gives the upload's
     * share. Read {@code statsWaitSeconds} after the run: backends report their counters lazily.
     */
    private String transactions() {
        if (countersBefore == null || statsWait.isZero()) {
            return "database         transactions not counted";
        }
        try (Connection db = DriverManager.getConnection(dbUrl, dbUser, dbPassword);
                Statement st = db.createStatement()) {
            Thread.sleep(statsWait.toMillis());
            st.execute("SELECT pg_stat_clear_snapshot()");
            DatabaseCounters after = DatabaseCounters.read(db);
            return "database         %d transactions committed, %d rolled back over the run (pg_stat_database deltas, read %d s after it)"
                    .formatted(
                            after.commits() - countersBefore.commits(),
                            after.rollbacks() - countersBefore.rollbacks(),
                            statsWait.toSeconds());
        } catch (Exception e) {
            return "database         transactions not counted: " + e;
        }
    }

    private static String mb(long kb) {
        return "%.1f MB".formatted(kb / 1024.0);
    }

    private static String loadAverage() {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2];
        } catch (Exception e) {
            return "n/a";
        }
    }
}
