package dev.tally.ingest;

import static dev.tally.testing.Totals.assertTotals;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.TestTokens;
import dev.tally.testing.ServiceIntegrationTest;
import dev.tally.testing.Things;
import dev.tally.testing.UploadClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * SQL injection and path tricks: table and column names come only from the catalog, so a field name
 * is looked up and a request's dataset name, job id, query parameter or header is a bound value or
 * a lookup key, never SQL text. Each attempt gets a clean 4xx, or its line is rejected as {@code
 * unknown_field}; a value that reads like SQL is stored as it was sent.
 */
class InjectionIntegrationTests extends ServiceIntegrationTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String LONG_NAME = "a".repeat(10_000);

    private static final String BAD_PATH =
            "The path holds a dot segment, an empty segment, a semicolon or an encoded slash, dot or backslash";

    @BeforeEach
    void twoThings() {
        db.update("TRUNCATE typed");
        Things.twoExisting(db);
    }

    /** The lines of {@link #fieldNames()}, line 9 blank; lines 1 and 15 are the only clean ones. */
    private static List<String> fieldNameLines() {
        return List.of(
                "{\"id\":10,\"label\":\"ten\"}",
                "{\"id\":11,\"label\":\"x\",\"id\\\"; DROP TABLE things; --\":1}",
                "{\"id\":12,\"label\\\" = 'x' --\":\"y\",\"label\":\"z\"}",
                "{\"id\":13,\"label\":\"x\",\"\\\"label\\\"\":\"q\"}",
                "{\"id\":14,\"label\":\"x\",\"label; DELETE FROM things\":1}",
                "{\"id\":15,\"l\u0430bel\":\"look-alike\"}",
                "{\"ID\":16,\"label\":\"x\"}",
                "{\"id\":17,\"Label\":\"x\"}",
                "",
                "{\"id\":18,\"label\":\"x\",\"" + LONG_NAME + "\":1}",
                "{\"id\":19,\"label\":\"x\",\"\":1}",
                "{\"id\":20,\"label\":\"x\",\"label\\u0000\":1}",
                "{\"id\":21,\"label\":\"x\",\"things.label\":1}",
                "{\"id\":22,\"label\":\"x\",\"label \":1}",
                "{\"id\":23,\"label\":\"twenty-three\"}");
    }

    private static String fieldNames() {
        return String.join("\n", fieldNameLines()) + "\n";
    }

    @Test
    void fieldNamesThatReadLikeSqlAreUnknownFieldsOfTheirOwnLine() {
        JsonNode end = client.upload("things", "", fieldNames());

        assertThat(end.get("status").asString()).isEqualTo("completed");
        assertTotals(end, 14, 2, 0, 0, 0, 12);
        assertThat(table())
                .containsExactly(
                        List.of(1L, "a", "one", 1, "", 1L),
                        List.of(2L, "b", "two", 2, "", 1L),
                        List.of(10L, "", "ten", 0, "", ""),
                        List.of(23L, "", "twenty-three", 0, "", ""));
        List<String> lines = fieldNameLines();
        assertThat(rowLog(end))
                .containsExactly(
                        List.of(
                                2L,
                                "rejected",
                                "unknown_field",
                                "11",
                                "unknown field \"id\\\"; DROP TABLE things; --\"",
                                lines.get(1)),
                        List.of(
                                3L,
                                "rejected",
                                "unknown_field",
                                "12",
                                "unknown field \"label\\\" = 'x' --\"",
                                lines.get(2)),
                        List.of(4L, "rejected", "unknown_field", "13", "unknown field \"\\\"label\\\"\"", lines.get(3)),
                        List.of(
                                5L,
                                "rejected",
                                "unknown_field",
                                "14",
                                "unknown field \"label; DELETE FROM things\"",
                                lines.get(4)),
                        List.of(6L, "rejected", "unknown_field", "15", "unknown field \"l\u0430bel\"", lines.get(5)),
                        List.of(7L, "rejected", "unknown_field", "", "unknown field \"ID\"", lines.get(6)),
                        List.of(8L, "rejected", "unknown_field", "17", "unknown field \"Label\"", lines.get(7)),
                        List.of(
                                10L,
                                "rejected",
                                "unknown_field",
                                "18",
                                "unknown field \"" + "a".repeat(64) + "…\"",
                                lines.get(9)),
                        List.of(11L, "rejected", "unknown_field", "19", "unknown field \"\"", lines.get(10)),
                        List.of(
                                12L,
                                "rejected",
                                "unknown_field",
                                "20",
                                "unknown field \"label\\u0000\"",
                                lines.get(11)),
                        List.of(
                                13L,
                                "rejected",
                                "unknown_field",
                                "21",
                                "unknown field \"things.label\"",
                                lines.get(12)),
                        List.of(14L, "rejected", "unknown_field", "22", "unknown field \"label \"", lines.get(13)));
        assertJobMatchesItsLedger(end, "reject", 14, 2, 12);
        assertStillThere();
    }

    @Test
    void unknownFieldsIgnoreDropsThoseNamesAndWritesTheKnownColumnsOnly() {
        JsonNode end = client.upload("things", "unknownFields=ignore", fieldNames());

        assertTotals(end, 14, 11, 0, 0, 0, 3);
        assertThat(table())
                .containsExactly(
                        List.of(1L, "a", "one", 1, "", 1L),
                        List.of(2L, "b", "two", 2, "", 1L),
                        List.of(10L, "", "ten", 0, "", ""),
                        List.of(11L, "", "x", 0, "", ""),
                        List.of(12L, "", "z", 0, "", ""),
                        List.of(13L, "", "x", 0, "", ""),
                        List.of(14L, "", "x", 0, "", ""),
                        List.of(18L, "", "x", 0, "", ""),
                        List.of(19L, "", "x", 0, "", ""),
                        List.of(20L, "", "x", 0, "", ""),
                        List.of(21L, "", "x", 0, "", ""),
                        List.of(22L, "", "x", 0, "", ""),
                        List.of(23L, "", "twenty-three", 0, "", ""));
        List<String> lines = fieldNameLines();
        assertThat(rowLog(end))
                .containsExactly(
                        List.of(
                                6L,
                                "rejected",
                                "missing_required",
                                "15",
                                "the key does not exist, and inserting needs label, absent from the line",
                                lines.get(5)),
                        List.of(7L, "rejected", "missing_key", "", "key column \"id\" is absent", lines.get(6)),
                        List.of(
                                8L,
                                "rejected",
                                "missing_required",
                                "17",
                                "the key does not exist, and inserting needs label, absent from the line",
                                lines.get(7)));
        assertJobMatchesItsLedger(end, "ignore", 14, 11, 3);
        assertStillThere();
    }

    @Test
    void valuesThatReadLikeSqlAreStoredVerbatim() {
        String label = "'); DROP TABLE things; --";
        String code = "a' OR '1'='1";
        String note = "\"; DELETE FROM things WHERE true; -- $1 $$ $tag$ \\ %s ? \u0430";
        JsonNode end = client.upload(
                "things",
                "onConflict=update",
                UploadClient.lines(
                        json(Map.of("id", 1, "label", label)),
                        json(ordered("id", 40, "code", code, "label", "x", "note", note)),
                        json(ordered("id", 41, "label", "\\'; SELECT pg_sleep(10); --"))));

        assertTotals(end, 3, 2, 1, 0, 0, 0);
        assertThat(table())
                .containsExactly(
                        List.of(1L, "a", label, 1, "", 1L),
                        List.of(2L, "b", "two", 2, "", 1L),
                        List.of(40L, code, "x", 0, note, ""),
                        List.of(41L, "", "\\'; SELECT pg_sleep(10); --", 0, "", ""));
        assertStillThere();
    }

    @Test
    void arrayAndJsonValuesThatReadLikeSqlAreStoredVerbatim() {
        String key = "k'); DROP TABLE typed; --";
        List<String> elements = List.of("x\"}", "{y", "NULL", "'); DROP TABLE typed; --", "a,b", "\\", "");
        JsonNode end = client.upload(
                "typed",
                "",
                UploadClient.lines(json(ordered(
                        "id",
                        1,
                        "t",
                        "'; DROP TABLE typed; --",
                        "vc",
                        "'--;",
                        "arr_t",
                        elements,
                        "jb",
                        Map.of(key, "v\"'"),
                        "j",
                        Map.of("a", "'); --")))));

        assertTotals(end, 1, 1, 0, 0, 0, 0);
        Map<String, Object> row = db.query(
                        "SELECT t, vc, array_to_json(arr_t)::text AS arr, jb ->> ? AS jb, j ->> 'a' AS j FROM typed",
                        key)
                .getFirst();
        assertThat(row)
                .containsEntry("t", "'; DROP TABLE typed; --")
                .containsEntry("vc", "'--;")
                .containsEntry("arr", JSON.writeValueAsString(elements))
                .containsEntry("jb", "v\"'")
                .containsEntry("j", "'); --");
        assertStillThere();
    }

    /** A dataset name is a lookup key: anything but a configured name exactly is a 404 naming it. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            public.things                     | public.things
            %22things%22                      | "things"
            things%00                         | `things\u0000`
            things%3BDROP%20TABLE%20things    | things;DROP TABLE things
            things'%20OR%20'1'='1             | things' OR '1'='1
            things%252F                       | things%2F
            Things                            | Things
            THINGS                            | THINGS
            things%20                         | `things `
            t%D2%BBings                       | t\u04bbings
            """)
    void aDatasetNameThatIsNotConfiguredIsA404(String segment, String name) throws IOException {
        long jobs = db.count("SELECT count(*) FROM tally.job");
        String detail = "No dataset named '%s' is configured".formatted(name);

        assertProblem(raw("GET", "/v1/datasets/" + segment, null), 404, "Unknown dataset", detail);
        assertProblem(
                raw("POST", "/v1/datasets/" + segment + "/records", "{\"id\":50,\"label\":\"fifty\"}\n"),
                404,
                "Unknown dataset",
                detail);

        assertNothingWritten(jobs);
    }

    /**
     * Dot segments, empty segments and encoded slashes, dots or backslashes are refused before any
     * route ({@code access.TokenAuthentication}): each is a way to make one path pass for another. An
     * encoded percent sign stays inside its segment. Raw backslashes are refused by the HTTP server.
     */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            GET    | /v1/datasets/../jobs                                | 400 | BAD
            GET    | /v1/datasets/things/../../jobs                      | 400 | BAD
            GET    | //v1/jobs                                           | 400 | BAD
            GET    | /v1//jobs                                           | 400 | BAD
            GET    | /v1/datasets/..%2Fthings                            | 400 | BAD
            GET    | /v1/datasets/%2e%2e                                 | 400 | BAD
            GET    | /v1/datasets/things%5C                              | 400 | BAD
            POST   | /v1/datasets/things/..%2F..%2Fjobs/records          | 400 | BAD
            POST   | /v1/datasets/../datasets/things/records             | 400 | BAD
            POST   | /v1/datasets/%2e%2e/things/records                  | 400 | BAD
            POST   | /v1/datasets/things/records/..                      | 400 | BAD
            POST   | /v1/datasets/things/records%2F..                    | 400 | BAD
            POST   | /v1/datasets/things%2Frecords                       | 400 | BAD
            POST   | /v1/datasets/things%5Crecords                       | 400 | BAD
            POST   | /v1/datasets/things%252Frecords                     | 405 | Supported methods: [GET]
            GET    | /v1/jobs/..%2Fjobs                                  | 400 | BAD
            DELETE | /v1/jobs/..%2Fjobs                                  | 400 | BAD
            GET    | /v1/jobs/..                                         | 400 | BAD
            GET    | /v1/jobs/%2e%2e/events                              | 400 | BAD
            GET    | /v1/jobs/%2F/rows                                   | 400 | BAD
            GET    | /v1/jobs/%252F..%252Fjobs                           | 404 | No job with id '%2F..%2Fjobs'
            GET    | /v1/jobs/00000000-0000-0000-0000-000000000000%2F..  | 400 | BAD
            GET    | /v1/jobs/a%5Cb                                      | 400 | BAD
            POST   | /v1/datasets/things\\records                        | 400 | ``
            POST   | /v1/datasets/things\\..\\things/records             | 400 | ``
            GET    | /v1/datasets/things\\..\\jobs                       | 400 | ``
            GET    | /v1/datasets\\things                                | 400 | ``
            GET    | /v1/jobs/a\\b                                       | 400 | ``
            DELETE | /v1/jobs/..\\jobs                                   | 400 | ``
            """)
    void pathTricksAreAClean4xxAndWriteNothing(String method, String target, int status, String detail)
            throws IOException {
        long jobs = db.count("SELECT count(*) FROM tally.job");

        Raw response = raw(method, target, method.equals("POST") ? "{\"id\":50,\"label\":\"fifty\"}\n" : null);

        if (detail.isEmpty()) {
            // Refused by the HTTP server before any route: a bare 400, no body.
            assertThat(response.status()).isEqualTo(400);
            assertThat(response.body()).isEmpty();
        } else {
            assertThat(response.status()).isEqualTo(status);
            assertThat(response.header("content-type")).isEqualTo("application/problem+json");
            assertThat(JSON.readTree(response.body()).get("detail").asString())
                    .isEqualTo(detail.equals("BAD") ? BAD_PATH : detail);
        }
        assertNothingWritten(jobs);
    }

    /**
     * A {@code ;} would start matrix variables, which WebFlux cuts off the segment: {@code
     * things;DROP TABLE things} would be {@code things}, and {@code <id>;DROP} that job. It is refused.
     */
    @Test
    void aSemicolonInThePathIsA400() throws IOException {
        String job = client.upload("things", "", UploadClient.lines("{\"id\":1,\"label\":\"exists\"}"))
                .get("job")
                .asString();
        long jobs = db.count("SELECT count(*) FROM tally.job");
        String line = "{\"id\":50,\"label\":\"fifty\"}\n";

        assertProblem(raw("GET", "/v1/datasets/things;DROP%20TABLE%20things", null), 400, "Bad path", BAD_PATH);
        assertProblem(
                raw("POST", "/v1/datasets/things;DROP%20TABLE%20things/records", line), 400, "Bad path", BAD_PATH);
        assertProblem(
                raw("POST", "/v1/datasets/things;x=1/records?onConflict=update", line), 400, "Bad path", BAD_PATH);
        for (String route : List.of("/v1/jobs/%s;DROP", "/v1/jobs/%s;DROP/events", "/v1/jobs/%s;x=1/rows")) {
            assertProblem(raw("GET", route.formatted(job), null), 400, "Bad path", BAD_PATH);
        }
        assertProblem(raw("DELETE", "/v1/jobs/" + job + ";DROP", null), 400, "Bad path", BAD_PATH);

        assertNothingWritten(jobs);
        // The same upload without the ';' is taken, with its parameter.
        Raw taken = raw("POST", "/v1/datasets/things/records?onConflict=update", line);
        assertThat(taken.status()).isEqualTo(200);
        assertThat(JSON.readTree(taken.body()).get("totals").get("inserted").asLong())
                .isOne();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                "1' OR '1'='1",
                "00000000-0000-0000-0000-000000000000' OR '1'='1",
                "'; DROP TABLE tally.job; --",
                "1-1-1-1-1",
                "not-a-uuid",
            })
    void aJobIdThatNamesNoJobIsA404OnEveryJobRoute(String id) {
        String job = client.upload("things", "", UploadClient.lines("{\"id\":60,\"label\":\"sixty\"}"))
                .get("job")
                .asString();
        List<Map<String, Object>> before = db.query("SELECT * FROM tally.job ORDER BY id");
        String detail = "No job with id '%s'".formatted(id);

        for (String route : List.of("/v1/jobs/{id}", "/v1/jobs/{id}/events", "/v1/jobs/{id}/rows")) {
            assertProblem(client.web().get().uri(route, id).exchange(), 404, "Unknown job", detail);
        }
        assertProblem(client.web().delete().uri("/v1/jobs/{id}", id).exchange(), 404, "Unknown job", detail);
        // The real job's id with SQL after it names no job either.
        String spliced = job + "' OR '1'='1";
        assertProblem(
                client.web().delete().uri("/v1/jobs/{id}", spliced).exchange(),
                404,
                "Unknown job",
                "No job with id '%s'".formatted(spliced));

        assertThat(db.query("SELECT * FROM tally.job ORDER BY id")).isEqualTo(before);
        assertStillThere();
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', textBlock = """
            status  | running' OR 1=1 --  | status must be one of running, completed, failed, cancelled, aborted, not 'running' OR 1=1 --'
            status  | running;            | status must be one of running, completed, failed, cancelled, aborted, not 'running;'
            limit   | 1;DROP              | limit must be a whole number from 1 to 1000, not '1;DROP'
            limit   | 1 OR 1=1            | limit must be a whole number from 1 to 1000, not '1 OR 1=1'
            limit   | 10)--               | limit must be a whole number from 1 to 1000, not '10)--'
            """)
    void aJobListParameterWithSqlIsA400(String name, String value, String detail) {
        assertProblem(
                client.web()
                        .get()
                        .uri(b -> b.path("/v1/jobs").queryParam(name, "{v}").build(value))
                        .exchange(),
                400,
                "Bad parameter " + name,
                detail);
    }

    @Test
    void aDatasetFilterWithSqlMatchesNoJob() {
        client.upload("things", "", UploadClient.lines("{\"id\":70,\"label\":\"seventy\"}"));

        for (String dataset : List.of("things' --", "things' OR '1'='1", "things'; DELETE FROM tally.job; --")) {
            String body = client.web()
                    .get()
                    .uri(b -> b.path("/v1/jobs").queryParam("dataset", "{v}").build(dataset))
                    .exchange()
                    .expectStatus()
                    .isOk()
                    .expectBody(String.class)
                    .returnResult()
                    .getResponseBody();
            assertThat(body).isEqualTo("{\"jobs\":[]}");
        }
        assertThat(db.count("SELECT count(*) FROM tally.job WHERE dataset = 'things'"))
                .isPositive();
    }

    @Test
    void aRowsOutcomeWithSqlIsA400() {
        String job = client.upload("things", "", UploadClient.lines("{\"id\":1,\"label\":\"exists\"}"))
                .get("job")
                .asString();

        assertProblem(
                client.web()
                        .get()
                        .uri(b -> b.path("/v1/jobs/{id}/rows")
                                .queryParam("outcome", "{o}")
                                .build(job, "x' OR '1'='1"))
                        .exchange(),
                400,
                "Bad parameter outcome",
                "outcome must be skipped or rejected, not 'x' OR '1'='1'");
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', textBlock = """
            onConflict    | skip'; DROP TABLE things; -- | onConflict must be skip, update, update-if-newer or fail, not 'skip'; DROP TABLE things; --'
            onConflict    | SKIP                         | onConflict must be skip, update, update-if-newer or fail, not 'SKIP'
            chunkSize     | 1;DROP TABLE things          | chunkSize must be a whole number from 1 to 10000, not '1;DROP TABLE things'
            chunkSize     | 1 OR 1=1                     | chunkSize must be a whole number from 1 to 10000, not '1 OR 1=1'
            maxRejects    | 0); DELETE FROM things; --   | maxRejects must be a whole number from 0 to any, not '0); DELETE FROM things; --'
            unknownFields | ignore' --                   | unknownFields must be reject or ignore, not 'ignore' --'
            atomic        | true;DROP                    | atomic must be true or false, not 'true;DROP'
            dryRun        | false' OR '1'='1             | dryRun must be true or false, not 'false' OR '1'='1'
            """)
    void anUploadParameterWithSqlIsA400AndWritesNothing(String name, String value, String detail) {
        long jobs = db.count("SELECT count(*) FROM tally.job");

        assertProblem(
                client.web()
                        .post()
                        .uri(b -> b.path("/v1/datasets/things/records")
                                .queryParam(name, "{v}")
                                .build(value))
                        .contentType(MediaType.APPLICATION_NDJSON)
                        .bodyValue("{\"id\":80,\"label\":\"eighty\"}\n")
                        .exchange(),
                400,
                "Bad parameter " + name,
                detail);

        assertNothingWritten(jobs);
    }

    @Test
    void anIdempotencyKeyWithSqlIsStoredVerbatimAndReplays() {
        String key = "k'); DELETE FROM tally.job; -- \"quoted\" \\ $1";
        String body = UploadClient.lines("{\"id\":90,\"label\":\"ninety\"}", "{\"id\":1,\"label\":\"exists\"}");

        JsonNode first = keyed(key, body);
        JsonNode again = keyed(key, body);

        assertTotals(first, 2, 1, 0, 0, 1, 0);
        assertThat(again.get("job").asString()).isEqualTo(first.get("job").asString());
        assertThat(again.get("totals")).isEqualTo(first.get("totals"));
        assertThat(db.query(
                        "SELECT idempotency_key, status FROM tally.job WHERE id = ?::uuid",
                        first.get("job").asString()))
                .containsExactly(Map.of("idempotency_key", key, "status", "completed"));
        assertThat(db.count("SELECT count(*) FROM tally.job WHERE idempotency_key = ?", key))
                .isOne();
        // A key that differs only by case, or by what follows a quote, is another key: a new job.
        JsonNode other = keyed(key.toUpperCase(Locale.ROOT), UploadClient.lines("{\"id\":91,\"label\":\"x\"}"));
        assertThat(other.get("job").asString()).isNotEqualTo(first.get("job").asString());
        assertTotals(other, 1, 1, 0, 0, 0, 0);
        assertThat(table()).extracting(row -> row.getFirst()).containsExactly(1L, 2L, 90L, 91L);
        assertStillThere();
    }

    private JsonNode keyed(String key, String body) {
        String response = client.web()
                .post()
                .uri("/v1/datasets/things/records")
                .contentType(MediaType.APPLICATION_NDJSON)
                .accept(MediaType.APPLICATION_JSON)
                .header("Idempotency-Key", key)
                .bodyValue(body)
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
        return JSON.readTree(response);
    }

    private static void assertProblem(WebTestClient.ResponseSpec response, int status, String title, String detail) {
        String body = response.expectStatus()
                .isEqualTo(status)
                .expectHeader()
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
        JsonNode problem = JSON.readTree(body);
        assertThat(problem.get("title").asString()).isEqualTo(title);
        assertThat(problem.get("detail").asString()).isEqualTo(detail);
    }

    private static void assertProblem(Raw response, int status, String title, String detail) {
        assertThat(response.status()).isEqualTo(status);
        assertThat(response.header("content-type")).isEqualTo("application/problem+json");
        JsonNode problem = JSON.readTree(response.body());
        assertThat(problem.get("title").asString()).isEqualTo(title);
        assertThat(problem.get("detail").asString()).isEqualTo(detail);
    }

    /** No job started and {@code things} holds its two rows only, untouched. */
    private void assertNothingWritten(long jobsBefore) {
        assertThat(db.count("SELECT count(*) FROM tally.job")).isEqualTo(jobsBefore);
        assertThat(table()).containsExactly(List.of(1L, "a", "one", 1, "", 1L), List.of(2L, "b", "two", 2, "", 1L));
        assertStillThere();
    }

    /** Every dataset's table and Tally's own tables still exist. */
    private void assertStillThere() {
        assertThat(db.query("SELECT schemaname || '.' || tablename AS t FROM pg_tables"
                        + " WHERE schemaname IN ('public', 'tally') AND tablename IN"
                        + " ('things', 'typed', 'customers', 'refused', 'job', 'chunk', 'chunk_row_log') ORDER BY 1"))
                .extracting(row -> row.get("t"))
                .containsExactly(
                        "public.customers",
                        "public.refused",
                        "public.things",
                        "public.typed",
                        "tally.chunk",
                        "tally.chunk_row_log",
                        "tally.job");
    }

    /** The job's row, its ledger and its row log agree with the final event. */
    private void assertJobMatchesItsLedger(
            JsonNode end, String unknownFields, long received, long inserted, long rejected) {
        String job = end.get("job").asString();
        assertThat(db.query(
                        "SELECT status, unknown_fields, received, inserted, rejected FROM tally.job WHERE id = ?::uuid",
                        job))
                .containsExactly(ordered(
                        "status", "completed",
                        "unknown_fields", unknownFields,
                        "received", received,
                        "inserted", inserted,
                        "rejected", rejected));
        assertThat(db.query(
                        "SELECT sum(received) AS received, sum(inserted) AS inserted, sum(rejected) AS rejected"
                                + " FROM tally.chunk WHERE job_id = ?::uuid",
                        job))
                .containsExactly(ordered("received", received, "inserted", inserted, "rejected", rejected));
        assertThat(db.count("SELECT count(*) FROM tally.row_log WHERE job_id = ?::uuid", job))
                .isEqualTo(rejected);
        String rows = client.get("/v1/jobs/{id}/rows?outcome=rejected", job);
        assertThat(rows == null ? 0 : rows.lines().count()).isEqualTo(rejected);
    }

    /** {@code things} as {@code [id, code, label, qty, note, version]}, nulls as "". */
    private List<List<Object>> table() {
        return db
                .query("SELECT id, coalesce(code, '') AS code, label, qty, coalesce(note, '') AS note,"
                        + " coalesce(version::text, '') AS version FROM things ORDER BY id")
                .stream()
                .map(row -> {
                    List<Object> values = new ArrayList<>(row.values());
                    if (!"".equals(values.get(5))) {
                        values.set(5, Long.parseLong((String) values.get(5)));
                    }
                    return values;
                })
                .toList();
    }

    /** The job's row log as {@code [line, outcome, reason, key id, message, text]}. */
    private List<List<Object>> rowLog(JsonNode end) {
        return db
                .query(
                        "SELECT line, outcome, reason, coalesce(key ->> 'id', '') AS key, message, text"
                                + " FROM tally.row_log WHERE job_id = ?::uuid ORDER BY line",
                        end.get("job").asString())
                .stream()
                .map(row -> (List<Object>) new ArrayList<Object>(row.values()))
                .toList();
    }

    private static String json(Object value) {
        return JSON.writeValueAsString(value);
    }

    private static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    /** A response read off a plain socket: status, headers (names in lower case), body (de-chunked). */
    record Raw(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name);
        }
    }

    /**
     * Sends one request with its target written verbatim (HTTP clients normalise dot segments and
     * re-encode), on a connection of its own. Every header a request needs is added here.
     */
    private Raw raw(String method, String target, String body) throws IOException {
        byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder()
                .append(method)
                .append(' ')
                .append(target)
                .append(" HTTP/1.1\r\n")
                .append("Host: localhost:")
                .append(port)
                .append("\r\n")
                .append("Accept: application/json, application/x-ndjson\r\n")
                .append("Authorization: ")
                .append(TestTokens.bearer())
                .append("\r\n");
        if (body != null) {
            head.append("Content-Type: application/x-ndjson\r\n");
        }
        head.append("Content-Length: ").append(content.length).append("\r\n\r\n");
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(content);
            out.flush();
            // Read only up to the response's end, then close: a server that answers before reading
            // the body and then closed the connection would reset it, losing the response.
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                all.write(buffer, 0, n);
                if (complete(all.toByteArray())) {
                    break;
                }
            }
            return parse(all.toByteArray());
        }
    }

    /** Whether the bytes hold a whole response: its head and the body its headers announce. */
    private static boolean complete(byte[] response) {
        String text = new String(response, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        String head = text.substring(0, end).toLowerCase(Locale.ROOT);
        if (head.contains("\r\ntransfer-encoding: chunked")) {
            return text.endsWith("\r\n0\r\n\r\n") || text.substring(end + 4).startsWith("0\r\n\r\n");
        }
        int at = head.indexOf("\r\ncontent-length:");
        if (at < 0) {
            return false; // delimited by the end of the connection
        }
        int lineEnd = head.indexOf("\r\n", at + 2);
        String length =
                head.substring(at + 17, lineEnd < 0 ? head.length() : lineEnd).strip();
        return response.length - (end + 4) >= Integer.parseInt(length);
    }

    private static Raw parse(byte[] response) {
        String text = new String(response, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        List<String> head = Arrays.asList(text.substring(0, end).split("\r\n"));
        Map<String, String> headers = new LinkedHashMap<>();
        for (String header : head.subList(1, head.size())) {
            int colon = header.indexOf(':');
            headers.put(
                    header.substring(0, colon).toLowerCase(Locale.ROOT),
                    header.substring(colon + 1).strip());
        }
        byte[] body = Arrays.copyOfRange(response, end + 4, response.length);
        if ("chunked".equals(headers.get("transfer-encoding"))) {
            body = dechunk(body);
        }
        return new Raw(
                Integer.parseInt(head.getFirst().split(" ")[1]), headers, new String(body, StandardCharsets.UTF_8));
    }

    private static byte[] dechunk(byte[] chunked) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        String text = new String(chunked, StandardCharsets.ISO_8859_1);
        int at = 0;
        while (true) {
            int lineEnd = text.indexOf("\r\n", at);
            int size = Integer.parseInt(text.substring(at, lineEnd).strip(), 16);
            if (size == 0) {
                return data.toByteArray();
            }
            data.write(chunked, lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }
    }
}
