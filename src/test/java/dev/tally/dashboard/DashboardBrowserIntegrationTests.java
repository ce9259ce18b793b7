package dev.tally.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.Browser;
import dev.tally.TallyIntegrationTest;
import dev.tally.TestDatabase;
import dev.tally.TestTokens;
import dev.tally.testing.RawUpload;
import dev.tally.testing.Things;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The dashboard ({@code src/main/resources/static}) in headless Chromium, against the running service:
 * signed in through its form, it follows a running upload to its end, lists jobs and datasets, shows
 * hostile row text as text, and asks for the token again on a 401.
 *
 * <p>The upload is {@link Things} in chunks of 10 lines into a table that already holds things 5 and
 * 30: over 45 lines, 42 are received (13, 26 and 39 are blank), 17 and 34 are rejected (invalid_json),
 * 5 and 30 are skipped (exists) and the other 38 inserted, in 5 chunks.
 */
@TallyIntegrationTest
class DashboardBrowserIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Path SCREENSHOTS = Path.of("target", "screenshots");
    private static final List<String> COUNTS =
            List.of("received", "inserted", "updated", "unchanged", "skipped", "rejected");
    private static final String XSS = "<img src=x onerror=\"window.pwned=1\">";

    private static Browser browser;

    private final TestDatabase db = TestDatabase.get();
    private final HttpClient http = HttpClient.newHttpClient();

    @LocalServerPort
    int port;

    @BeforeAll
    static void startBrowser() throws Exception {
        browser = Browser.start();
    }

    @AfterAll
    static void quitBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    /** Things 5 and 30 exist, and the browser starts signed out. */
    @BeforeEach
    void startAfresh() {
        db.update("TRUNCATE things");
        db.update("INSERT INTO things (id, label) VALUES (5, 'five'), (30, 'thirty')");
        browser.open(base() + "/");
        browser.driver().manage().deleteAllCookies();
        browser.open("about:blank"); // each test loads the dashboard afresh
    }

    @Test
    void theJobPageFollowsARunningUploadToItsEnd() throws Exception {
        String job;
        JsonNode last;
        try (RawUpload upload = RawUpload.start(port, "things", "chunkSize=10")) {
            JsonNode started = upload.nextEvent(WAIT);
            job = started.get("job").asString();
            browser.open(base() + "/#/jobs/" + job);
            signIn(TestTokens.ADMIN);
            await("[data-test=job-status]", "running"::equals);

            // One chunk at a time, so that the page sees each (none is merged).
            upload.send(Things.lines(1, 15)); // chunk 1: lines 1-10, 5 skipped
            JsonNode first = upload.nextEvent(WAIT);
            await("[data-test=chunks]", "1"::equals);
            assertThat(pageTotals()).isEqualTo(counts(10, 9, 1, 0));
            assertThat(text("[data-test=lines-done]")).isEqualTo("up to line 10");
            assertTimingOf(started, first);

            upload.send(Things.lines(16, 25)); // chunk 2: lines 11-21, 17 rejected
            JsonNode second = upload.nextEvent(WAIT);
            await("[data-test=chunks]", "2"::equals);
            assertThat(pageTotals()).isEqualTo(counts(20, 18, 1, 1));
            // Duration, rate and lines follow the events, not the document read when the page opened.
            assertThat(text("[data-test=lines-done]")).isEqualTo("up to line 21");
            assertTimingOf(started, second);
            // The row log's tables follow the running job.
            awaitRows("skipped", List.of("5"));
            awaitRows("rejected", List.of("17"));

            upload.send(Things.lines(26, 45));
            upload.finish();
            last = upload.remainingEvents(WAIT).getLast();
            assertThat(last.get("event").asString()).isEqualTo("completed");
        }

        await("[data-test=job-status]", "completed"::equals);
        JsonNode document = JSON.readTree(get("/v1/jobs/" + job).body());
        assertThat(document.get("status").asString()).isEqualTo("completed");
        assertThat(document.get("chunks").asInt()).isEqualTo(5);
        Map<String, Long> totals =
                counts(Things.received(45), 38, 2, Things.invalid(45).size());
        assertThat(COUNTS.stream().collect(Collectors.toMap(c -> c, c -> document.at("/totals/" + c)
                        .asLong())))
                .isEqualTo(totals);
        assertThat(pageTotals()).isEqualTo(totals);
        assertThat(text("[data-test=chunks]")).isEqualTo("5");
        assertThat(text("[data-test=error]")).isEqualTo("none");
        assertThat(text("[data-test=lines-done]")).isEqualTo("up to line 45");
        assertThat(attribute("[data-test=duration]", "data-duration-ms"))
                .isEqualTo(last.get("durationMs").asString());
        // A chunked body announces no length: the page shows the bytes read, all of them in the end.
        assertThat(document.get("bytesTotal").isNull()).isTrue();
        assertThat(document.get("bytesRead").asLong()).isEqualTo(utf8Length(Things.lines(1, 45)));
        assertThat(attribute("[data-test=bytes]", "data-bytes-read"))
                .isEqualTo(document.get("bytesRead").asString());
        assertThat(attribute("[data-test=bytes]", "data-bytes-total")).isEmpty();

        awaitRows("rejected", List.of("17", "34"));
        assertThat(column("rejected", "code")).containsExactly("invalid_json", "invalid_json");
        assertThat(column("rejected", "text"))
                .containsExactly(
                        Things.lines(17, 17).strip(), Things.lines(34, 34).strip());
        awaitRows("skipped", List.of("5", "30"));
        assertThat(column("skipped", "code")).containsExactly("exists", "exists");
        assertThat(column("skipped", "key")).containsExactly("{\"id\":5}", "{\"id\":30}");
        // A skipped line has a reason and no message of its own: the reason is said in words.
        assertThat(column("skipped", "message"))
                .containsExactly(
                        "the key exists; onConflict=skip leaves the stored row as it is",
                        "the key exists; onConflict=skip leaves the stored row as it is");
        assertThat(texts("#skipped-rows th")).containsExactly("Line", "Reason", "Message", "Key");
        assertThat(texts("#rejected-rows th")).containsExactly("Line", "Code", "Message", "Key", "Text");
        for (String outcome : List.of("skipped", "rejected")) {
            // Line, code or reason, and key: each column as wide as its widest cell, padding (2 × 8 px) aside.
            for (int column : List.of(1, 2, 4)) {
                assertThat(spareWidth(outcome, column))
                        .as(outcome + " column " + column)
                        .isBetween(15.0, 17.0);
            }
        }
        assertThat(browser.script("return document.querySelector('#rejected-rows [data-test=download]').href"))
                .isEqualTo(base() + "/v1/jobs/" + job + "/rows?outcome=rejected");

        screenshot("dashboard-job.png");
    }

    @Test
    void theJobsListShowsAJobWithItsTotalsAndTheDatasetsPageTheColumns() throws Exception {
        String body = Things.lines(1, 45);
        JsonNode end = JSON.readTree(upload(body).body());
        String job = end.get("job").asString();
        JsonNode document = JSON.readTree(get("/v1/jobs/" + job).body());
        assertThat(document.get("bytesTotal").asLong()).isEqualTo(utf8Length(body));
        assertThat(document.get("bytesRead").asLong()).isEqualTo(utf8Length(body));

        browser.open(base() + "/");
        signIn(TestTokens.ADMIN);
        String row = "[data-test=job-row][data-job='" + job + "'] ";
        await(row + "[data-test=status]", "completed"::equals);
        assertThat(text(row + "[data-test=dataset]")).isEqualTo("things");
        for (String count : COUNTS) {
            assertThat(number(row + "[data-test=" + count + "]"))
                    .as(count)
                    .isEqualTo(end.at("/totals/" + count).asLong());
        }
        assertThat(number(row + "[data-test=received]")).isEqualTo(42);
        assertThat(number(row + "[data-test=rejected]")).isEqualTo(2);
        // Sent with a Content-Length: the row shows how far through the body the job got.
        assertThat(attribute(row + "[data-test=bytes]", "data-bytes-read"))
                .isEqualTo(document.get("bytesRead").asString());
        assertThat(attribute(row + "[data-test=bytes]", "data-bytes-total"))
                .isEqualTo(document.get("bytesTotal").asString());
        screenshot("dashboard-jobs.png");

        browser.open(base() + "/#/datasets");
        String things = "[data-test=dataset][data-dataset=things] ";
        await(things + "[data-test=dataset-name]", "things"::equals);
        assertThat(text(things + "[data-test=key]")).isEqualTo("id");
        assertThat(text(things + "[data-test=version-column]")).isEqualTo("version");
        assertThat(text(things + "[data-test=policies]")).isEqualTo("skip, update, update-if-newer, fail");
        assertThat(texts(things + "[data-test=column-name]"))
                .containsExactly("id", "code", "label", "qty", "note", "version");
        assertThat(texts(things + "[data-test=column-type]"))
                .containsExactly("bigint", "text", "text", "integer", "text", "bigint");
        assertThat(texts(things + "[data-test=column-nullable]"))
                .containsExactly("no", "yes", "no", "no", "yes", "yes");
        assertThat(texts(things + "[data-test=column-default]")).containsExactly("no", "no", "no", "yes", "no", "no");
        assertThat(texts(things + "[data-test=column-key]")).containsExactly("key", "", "", "", "", "");
    }

    /** Row text, messages and keys are the user's: the page shows them as text, and runs none of it. */
    @Test
    void rowTextThatLooksLikeHtmlIsShownAsText() throws Exception {
        String field = "<img src=x onerror=window.pwned=2>";
        String body = XSS + "\n{\"id\":7,\"" + field.replace("\"", "\\\"") + "\":1}\n{\"id\":5,\"label\":\"x\"}\n";
        String job = JSON.readTree(upload(body).body()).get("job").asString();

        browser.open(base() + "/#/jobs/" + job);
        signIn(TestTokens.ADMIN);
        awaitRows("rejected", List.of("1", "2"));
        assertThat(column("rejected", "code")).containsExactly("invalid_json", "unknown_field");
        assertThat(column("rejected", "text").getFirst()).isEqualTo(XSS);
        assertThat(column("rejected", "message").get(1)).contains(field);
        assertThat(browser.script("return document.querySelectorAll('#view img').length"))
                .isEqualTo(0L);
        assertThat(browser.script("return typeof window.pwned")).isEqualTo("undefined");

        // Should markup ever reach the HTML parser, the page's policy refuses inline handlers and scripts.
        assertThat(get("/").headers().firstValue("Content-Security-Policy")).hasValue(DashboardHeaders.POLICY);
    }

    /** The row log, 50 rows a page, each page read after the previous page's last line. */
    @Test
    void theRejectedRowsArePagedByLine() throws Exception {
        List<String> invalid =
                Things.invalid(1000).stream().map(String::valueOf).toList();
        assertThat(invalid).hasSize(54);
        String job = JSON.readTree(upload(Things.body(1000)).body()).get("job").asString();

        browser.open(base() + "/#/jobs/" + job);
        signIn(TestTokens.ADMIN);
        awaitRows("rejected", invalid.subList(0, 50));
        assertThat(browser.script("return document.querySelector('#rejected-rows [data-test=previous]').disabled"))
                .isEqualTo(true);

        browser.driver()
                .findElement(By.cssSelector("#rejected-rows [data-test=next]"))
                .click();
        awaitRows("rejected", invalid.subList(50, 54));
        assertThat(browser.script("return document.querySelector('#rejected-rows [data-test=next]').disabled"))
                .isEqualTo(true);

        browser.driver()
                .findElement(By.cssSelector("#rejected-rows [data-test=previous]"))
                .click();
        awaitRows("rejected", invalid.subList(0, 50));
    }

    @Test
    void aWrongTokenBringsBackTheSignInFormWithTheProblemsTitle() throws Exception {
        browser.open(base() + "/");
        signIn("not-a-token");
        await("#signin-problem", "Unknown token"::equals);
        assertThat(browser.script("return document.getElementById('signin').hidden"))
                .isEqualTo(false);
        assertThat(browser.script("return document.cookie")).isEqualTo("");

        signIn(TestTokens.ADMIN);
        await("#jobs h1", "Jobs"::equals);
        browser.driver().findElement(By.id("signout")).click();
        awaitSignInForm();
        assertThat(browser.script("return document.cookie")).isEqualTo("");
    }

    @Test
    void anUnknownJobIsSaidToBeNotFound() throws Exception {
        browser.open(base() + "/#/jobs/00000000-0000-0000-0000-000000000000");
        signIn(TestTokens.ADMIN);
        await("#notice", text -> text.startsWith("Not found (404): Unknown job"));
        assertThat(browser.script("return document.getElementById('signin').hidden"))
                .isEqualTo(true);
    }

    /**
     * Duration and rate on the page as the events give them: from the job's start to the chunk's
     * commit, and the lines received over that time, as the service computes them for a finished job.
     */
    private static void assertTimingOf(JsonNode started, JsonNode chunk) {
        long durationMs = Math.max(
                1,
                Instant.parse(chunk.get("committedAt").asString()).toEpochMilli()
                        - Instant.parse(started.get("startedAt").asString()).toEpochMilli());
        double rowsPerSecond = chunk.at("/totals/received").asLong() * 1000.0 / durationMs;
        assertThat(attribute("[data-test=duration]", "data-duration-ms")).isEqualTo(Long.toString(durationMs));
        assertThat(Double.parseDouble(attribute("[data-test=rows-per-second]", "data-rows-per-second")))
                .isEqualTo(rowsPerSecond);
    }

    /** How much wider the table's column (1-based) is than the widest content of its cells. */
    private static double spareWidth(String outcome, int column) {
        return ((Number) browser.script("""
                        const cells = [...document.querySelectorAll(arguments[0])];
                        const range = document.createRange();
                        const content = Math.max(...cells.map(cell => {
                          range.selectNodeContents(cell);
                          return range.getBoundingClientRect().width;
                        }));
                        return cells[0].getBoundingClientRect().width - content;""", "#" + outcome + "-rows tr > :nth-child(" + column + ")")).doubleValue();
    }

    private void signIn(String token) throws InterruptedException {
        awaitSignInForm();
        browser.driver().findElement(By.id("signin-token")).sendKeys(token);
        browser.driver().findElement(By.id("signin-submit")).click();
    }

    private static void awaitSignInForm() throws InterruptedException {
        await(
                "#signin",
                text -> Boolean.FALSE.equals(browser.script("return document.getElementById('signin').hidden")));
    }

    private Map<String, Long> pageTotals() {
        return COUNTS.stream().collect(Collectors.toMap(c -> c, c -> number("[data-test=total-" + c + "]")));
    }

    private static Map<String, Long> counts(long received, long inserted, long skipped, long rejected) {
        return Map.of(
                "received", received,
                "inserted", inserted,
                "updated", 0L,
                "unchanged", 0L,
                "skipped", skipped,
                "rejected", rejected);
    }

    /** Waits until the table of these rows lists exactly these line numbers (it loads at the job's end). */
    private static void awaitRows(String outcome, List<String> lines) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!column(outcome, "line").equals(lines)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "The " + outcome + " rows did not become lines " + lines + ": " + column(outcome, "line"));
            }
            Thread.sleep(20);
        }
    }

    private static List<String> column(String outcome, String test) {
        return texts("#" + outcome + "-rows [data-test=row] [data-test=" + test + "]");
    }

    private static String text(String css) {
        return (String) browser.script(
                "const e = document.querySelector(arguments[0]); return e === null ? null : e.textContent", css);
    }

    private static String attribute(String css, String name) {
        return (String) browser.script(
                "const e = document.querySelector(arguments[0]); return e === null ? null : e.getAttribute(arguments[1])",
                css,
                name);
    }

    private static long utf8Length(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }

    @SuppressWarnings("unchecked")
    private static List<String> texts(String css) {
        return (List<String>)
                browser.script("return [...document.querySelectorAll(arguments[0])].map(e => e.textContent)", css);
    }

    private static long number(String css) {
        String text = text(css);
        assertThat(text).as(css).isNotNull();
        return Long.parseLong(text.replace(",", ""));
    }

    /** Waits until the element's text passes the test, polling; fails naming what it last saw. */
    private static void await(String css, Predicate<String> done) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            String text = text(css);
            if (text != null && done.test(text)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(css + " did not get there within " + WAIT + "; it reads " + text);
            }
            Thread.sleep(20);
        }
    }

    /** Saves the viewport and checks it is a picture, not a blank page. */
    private static void screenshot(String name) throws IOException {
        byte[] png = browser.driver().getScreenshotAs(OutputType.BYTES);
        Files.createDirectories(SCREENSHOTS);
        Files.write(SCREENSHOTS.resolve(name), png);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 2) {
            for (int x = 0; x < image.getWidth(); x += 2) {
                colours.add(image.getRGB(x, y));
            }
        }
        assertThat(image.getWidth()).isGreaterThan(600);
        assertThat(colours).as(name + "'s colours").hasSizeGreaterThan(16);
    }

    private String base() {
        return "http://localhost:" + port;
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(URI.create(base() + path))
                        .header("Authorization", TestTokens.bearer())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Uploads the body into things in chunks of 10 lines, answering the final event. */
    private HttpResponse<String> upload(String body) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create(base() + "/v1/datasets/things/records?chunkSize=10"))
                        .header("Authorization", TestTokens.bearer())
                        .header("Content-Type", "application/x-ndjson")
                        .header("Accept", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response;
    }
}
