package dev.tally.access;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.ServiceInstance;
import dev.tally.TallyIntegrationTest;
import dev.tally.TestDatabase;
import dev.tally.TestTokens;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every access rule, with the exact answer: 401 without a known token, 403 without the scope, and
 * a job visible only to tokens that can read its dataset (to others it is an unknown job, 404).
 */
@TallyIntegrationTest
@ExtendWith(OutputCaptureExtension.class)
class AccessIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String THING = "{\"id\":901,\"code\":\"z901\",\"label\":\"access\"}\n";
    private static final String CUSTOMER =
            "{\"id\":901,\"email\":\"a901@example.com\",\"name\":\"Access\",\"updated_at\":\"2026-01-01T00:00:00Z\"}\n";

    private final TestDatabase db = TestDatabase.get();

    @LocalServerPort
    int port;

    private String thingsJob;
    private String customersJob;

    @BeforeEach
    void oneJobOfEachDataset() {
        db.update("DELETE FROM things WHERE id = 901");
        db.update("DELETE FROM customers WHERE id = 901");
        thingsJob = upload(TestTokens.ADMIN, "things", THING).get("job").asString();
        customersJob =
                upload(TestTokens.ADMIN, "customers", CUSTOMER).get("job").asString();
    }

    @Test
    void everyApiOperationWithoutATokenIs401AndWritesNothing() {
        long jobs = db.count("SELECT count(*) FROM tally.job");
        List<String[]> operations = List.of(
                new String[] {"POST", "/v1/datasets/things/records"},
                new String[] {"GET", "/v1/datasets"},
                new String[] {"GET", "/v1/datasets/things"},
                new String[] {"GET", "/v1/jobs"},
                new String[] {"GET", "/v1/jobs/" + thingsJob},
                new String[] {"GET", "/v1/jobs/" + thingsJob + "/events"},
                new String[] {"GET", "/v1/jobs/" + thingsJob + "/rows"},
                new String[] {"DELETE", "/v1/jobs/" + thingsJob},
                new String[] {"GET", "/actuator/prometheus"},
                new String[] {"GET", "/v1/no-such-thing"});
        for (String[] operation : operations) {
            EntityExchangeResult<byte[]> answer = request(null, HttpMethod.valueOf(operation[0]), operation[1]);
            assertThat(answer.getStatus().value())
                    .as(operation[0] + " " + operation[1])
                    .isEqualTo(401);
            assertThat(answer.getResponseHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE))
                    .isEqualTo("Bearer");
            assertProblem(answer, 401, "No token", "Send a token in the header Authorization: Bearer <token>");
        }
        assertThat(db.count("SELECT count(*) FROM tally.job")).isEqualTo(jobs);
        assertThat(db.count("SELECT count(*) FROM things WHERE id = 901")).isEqualTo(1);
    }

    @Test
    void anUnknownTokenOrAnotherSchemeIs401() {
        EntityExchangeResult<byte[]> unknown = request("Bearer not-a-token", HttpMethod.GET, "/v1/jobs");
        assertProblem(unknown, 401, "Unknown token", "The token is not one this service issued, or it was revoked");
        assertThat(unknown.getResponseHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE))
                .isEqualTo("Bearer error=\"invalid_token\"");

        EntityExchangeResult<byte[]> basic = request("Basic dGVzdDp0ZXN0", HttpMethod.GET, "/v1/jobs");
        assertProblem(basic, 401, "No token", "Send a token in the header Authorization: Bearer <token>");
    }

    @Test
    void healthInfoAndTheApiDocumentNeedNoToken() {
        for (String path : List.of("/actuator/health", "/actuator/health/liveness", "/actuator/info", "/v3/api-docs")) {
            assertThat(request(null, HttpMethod.GET, path).getStatus().value())
                    .as(path)
                    .isEqualTo(200);
        }
    }

    @Test
    void aWriterUploadsToItsDatasetOnlyAndSeesNoJob() {
        JsonNode written = upload(TestTokens.THINGS_WRITER, "things", THING);
        assertThat(written.get("status").asString()).isEqualTo("completed");
        assertThat(written.get("totals").get("skipped").asLong()).isEqualTo(1);

        long jobs = db.count("SELECT count(*) FROM tally.job");
        EntityExchangeResult<byte[]> other = post(TestTokens.THINGS_WRITER, "customers", CUSTOMER);
        assertProblem(other, 403, "Missing scope", "The token does not have the scope write:customers");
        assertThat(db.count("SELECT count(*) FROM tally.job")).isEqualTo(jobs);
        // Refused before the dataset is looked up: a writer learns nothing of other names.
        assertProblem(
                post(TestTokens.THINGS_WRITER, "nothing", THING),
                403,
                "Missing scope",
                "The token does not have the scope write:nothing");

        String job = written.get("job").asString();
        assertProblem(
                request(bearer(TestTokens.THINGS_WRITER), HttpMethod.GET, "/v1/jobs/" + job),
                404,
                "Unknown job",
                "No job with id '%s'".formatted(job));
        assertThat(request(bearer(TestTokens.THINGS_WRITER), HttpMethod.GET, "/v1/jobs/" + job + "/events")
                        .getStatus()
                        .value())
                .isEqualTo(404);
        assertThat(request(bearer(TestTokens.THINGS_WRITER), HttpMethod.GET, "/v1/jobs/" + job + "/rows")
                        .getStatus()
                        .value())
                .isEqualTo(404);
        assertThat(json(request(bearer(TestTokens.THINGS_WRITER), HttpMethod.GET, "/v1/jobs"))
                        .get("jobs")
                        .size())
                .isZero();
        assertProblem(
                request(bearer(TestTokens.THINGS_WRITER), HttpMethod.GET, "/v1/jobs?dataset=things"),
                403,
                "Missing scope",
                "The token does not have the scope read:things");
        // It may cancel its dataset's jobs: this one ended, so the answer is the job's 409.
        assertThat(request(bearer(TestTokens.THINGS_WRITER), HttpMethod.DELETE, "/v1/jobs/" + job)
                        .getStatus()
                        .value())
                .isEqualTo(409);
    }

    @Test
    void aReaderSeesItsDatasetsJobsEventsAndRowsOnly() {
        String reader = bearer(TestTokens.THINGS_READER);
        assertThat(json(request(reader, HttpMethod.GET, "/v1/jobs/" + thingsJob))
                        .get("dataset")
                        .asString())
                .isEqualTo("things");
        EntityExchangeResult<byte[]> events = request(reader, HttpMethod.GET, "/v1/jobs/" + thingsJob + "/events");
        assertThat(events.getStatus().value()).isEqualTo(200);
        assertThat(new String(events.getResponseBody())).contains("event:completed");
        assertThat(request(reader, HttpMethod.GET, "/v1/jobs/" + thingsJob + "/rows")
                        .getStatus()
                        .value())
                .isEqualTo(200);

        assertProblem(
                request(reader, HttpMethod.GET, "/v1/jobs/" + customersJob),
                404,
                "Unknown job",
                "No job with id '%s'".formatted(customersJob));
        assertThat(request(reader, HttpMethod.GET, "/v1/jobs/" + customersJob + "/events")
                        .getStatus()
                        .value())
                .isEqualTo(404);
        assertThat(request(reader, HttpMethod.GET, "/v1/jobs/" + customersJob + "/rows")
                        .getStatus()
                        .value())
                .isEqualTo(404);
        assertThat(request(reader, HttpMethod.DELETE, "/v1/jobs/" + customersJob)
                        .getStatus()
                        .value())
                .isEqualTo(404);
        assertProblem(
                request(reader, HttpMethod.DELETE, "/v1/jobs/" + thingsJob),
                403,
                "Missing scope",
                "The token does not have the scope write:things");

        JsonNode listed =
                json(request(reader, HttpMethod.GET, "/v1/jobs?limit=1000")).get("jobs");
        assertThat(listed.size()).isPositive();
        assertThat(listed.valueStream().map(job -> job.get("dataset").asString()))
                .containsOnly("things");
        assertThat(listed.valueStream().map(job -> job.get("job").asString()))
                .contains(thingsJob)
                .doesNotContain(customersJob);
        assertProblem(
                request(reader, HttpMethod.GET, "/v1/jobs?dataset=customers"),
                403,
                "Missing scope",
                "The token does not have the scope read:customers");
        assertProblem(
                post(TestTokens.THINGS_READER, "things", THING),
                403,
                "Missing scope",
                "The token does not have the scope write:things");
    }

    @Test
    void datasetsAreListedAndDescribedToTheirReadersAndWritersOnly() {
        String customers = bearer(TestTokens.CUSTOMERS_ALL);
        assertThat(json(request(customers, HttpMethod.GET, "/v1/datasets"))
                        .get("datasets")
                        .valueStream()
                        .map(dataset -> dataset.get("name").asString()))
                .containsExactly("customers");
        assertThat(request(customers, HttpMethod.GET, "/v1/datasets/customers")
                        .getStatus()
                        .value())
                .isEqualTo(200);
        assertProblem(
                request(customers, HttpMethod.GET, "/v1/datasets/things"),
                403,
                "Missing scope",
                "The token does not have the scope read:things or write:things");
        assertThat(json(request(bearer(TestTokens.THINGS_WRITER), HttpMethod.GET, "/v1/datasets"))
                        .get("datasets")
                        .valueStream()
                        .map(dataset -> dataset.get("name").asString()))
                .containsExactly("things");
    }

    @Test
    void theMetricsNeedTheAdminScope() {
        assertProblem(
                request(bearer(TestTokens.CUSTOMERS_ALL), HttpMethod.GET, "/actuator/prometheus"),
                403,
                "Missing scope",
                "The token does not have the scope admin");
        assertThat(request(bearer(TestTokens.ADMIN), HttpMethod.GET, "/actuator/prometheus")
                        .getStatus()
                        .value())
                .isEqualTo(200);
    }

    @Test
    void aTokenInTheTableWorksUntilItsRowIsDeleted() {
        String token = "table-token-for-things";
        db.update(
                "INSERT INTO tally.token (name, sha256, scopes) VALUES ('table-writer', encode(sha256(?::bytea), 'hex'),"
                        + " '{write:things,read:things}')",
                token);
        try {
            JsonNode end = upload(token, "things", THING);
            assertThat(end.get("status").asString()).isEqualTo("completed");
            assertThat(request(
                                    bearer(token),
                                    HttpMethod.GET,
                                    "/v1/jobs/" + end.get("job").asString())
                            .getStatus()
                            .value())
                    .isEqualTo(200);
        } finally {
            db.update("DELETE FROM tally.token WHERE name = 'table-writer'");
        }
        assertProblem(
                request(bearer(token), HttpMethod.GET, "/v1/jobs"),
                401,
                "Unknown token",
                "The token is not one this service issued, or it was revoked");
    }

    @Test
    void theTokenCookieOpensGetsOnly() {
        WebTestClient client = client(null);
        assertThat(status(
                        client.get().uri("/v1/jobs/" + thingsJob).cookie(TokenAuthentication.COOKIE, TestTokens.ADMIN)))
                .isEqualTo(200);
        long jobs = db.count("SELECT count(*) FROM tally.job");
        assertThat(status(client.post()
                        .uri("/v1/datasets/things/records")
                        .cookie(TokenAuthentication.COOKIE, TestTokens.ADMIN)
                        .contentType(MediaType.APPLICATION_NDJSON)
                        .bodyValue(THING)))
                .isEqualTo(401);
        assertThat(status(client.delete()
                        .uri("/v1/jobs/" + thingsJob)
                        .cookie(TokenAuthentication.COOKIE, TestTokens.ADMIN)))
                .isEqualTo(401);
        assertThat(db.count("SELECT count(*) FROM tally.job")).isEqualTo(jobs);
    }

    @Test
    void withNoTokenConfiguredTheServiceMakesOneUpAndPrintsItOnce(CapturedOutput output) {
        try (ConfigurableApplicationContext other = ServiceInstance.start("--tally.security.tokens=")) {
            Matcher printed = Pattern.compile("this run's admin token is (tally_[A-Za-z0-9_-]{43}) \\.")
                    .matcher(output.getOut());
            assertThat(printed.find()).as("the generated token is printed").isTrue();
            String token = printed.group(1);
            assertThat(output.getOut().split(Pattern.quote(token), -1)).hasSize(2);
            int otherPort = ServiceInstance.port(other);

            assertThat(status(otherPort, null, "/v1/jobs")).isEqualTo(401);
            assertThat(status(otherPort, bearer(TestTokens.ADMIN), "/v1/jobs")).isEqualTo(401);
            assertThat(status(otherPort, bearer(token), "/v1/jobs/" + thingsJob))
                    .isEqualTo(200);
        }
    }

    @Test
    void securityDisabledIsOpenAndSaysSo(CapturedOutput output) {
        try (ConfigurableApplicationContext other = ServiceInstance.start("--tally.security.enabled=false")) {
            assertThat(output.getOut())
                    .contains("tally.security.enabled=false: every client may upload to and read every dataset,"
                            + " without a token");
            int otherPort = ServiceInstance.port(other);
            assertThat(status(otherPort, null, "/v1/jobs/" + thingsJob)).isEqualTo(200);
            assertThat(status(otherPort, null, "/actuator/prometheus")).isEqualTo(200);
        }
    }

    @Test
    void pathsThatCouldPassForOthersAre400BeforeAnyToken() {
        for (String path : List.of(
                "/actuator/health/../prometheus",
                "/actuator/health/%2e%2e/prometheus",
                "/v1/datasets/things%2Frecords",
                "/v1//jobs",
                "/v1/jobs/./" + thingsJob,
                "/v1/jobs/%5C" + thingsJob,
                "/v1/datasets/things;DROP%20TABLE%20things/records")) {
            EntityExchangeResult<byte[]> answer = request(null, HttpMethod.GET, path);
            assertProblem(
                    answer,
                    400,
                    "Bad path",
                    "The path holds a dot segment, an empty segment, a semicolon or an encoded slash, dot or backslash");
        }
    }

    private int status(int port, String authorization, String path) {
        return status(client(port, authorization).get().uri(path));
    }

    private static int status(WebTestClient.RequestHeadersSpec<?> request) {
        return request.exchange().expectBody().returnResult().getStatus().value();
    }

    private static String bearer(String token) {
        return TestTokens.bearer(token);
    }

    private WebTestClient client(String authorization) {
        return client(port, authorization);
    }

    private static WebTestClient client(int port, String authorization) {
        WebTestClient.Builder builder = WebTestClient.bindToServer()
                .baseUrl("http://localhost:" + port)
                .responseTimeout(Duration.ofSeconds(30));
        if (authorization != null) {
            builder.defaultHeader(HttpHeaders.AUTHORIZATION, authorization);
        }
        return builder.build();
    }

    /** A request whose path is sent as written: no encoding, no normalising. */
    private EntityExchangeResult<byte[]> request(String authorization, HttpMethod method, String path) {
        return client(authorization)
                .method(method)
                .uri(builder -> java.net.URI.create("http://localhost:" + port + path))
                .accept(MediaType.APPLICATION_JSON, MediaType.TEXT_EVENT_STREAM, MediaType.ALL)
                .exchange()
                .expectBody()
                .returnResult();
    }

    private EntityExchangeResult<byte[]> post(String token, String dataset, String body) {
        return client(bearer(token))
                .post()
                .uri("/v1/datasets/{dataset}/records", dataset)
                .contentType(MediaType.APPLICATION_NDJSON)
                .accept(MediaType.APPLICATION_JSON)
                .bodyValue(body)
                .exchange()
                .expectBody()
                .returnResult();
    }

    /** The upload's final event, asked for as JSON. */
    private JsonNode upload(String token, String dataset, String body) {
        EntityExchangeResult<byte[]> answer = post(token, dataset, body);
        assertThat(answer.getStatus().value())
                .as(new String(answer.getResponseBodyContent()))
                .isEqualTo(200);
        return json(answer);
    }

    private static JsonNode json(EntityExchangeResult<byte[]> answer) {
        assertThat(answer.getStatus().value()).isEqualTo(200);
        return JSON.readTree(answer.getResponseBody());
    }

    private static void assertProblem(EntityExchangeResult<byte[]> answer, int status, String title, String detail) {
        assertThat(answer.getStatus().value()).isEqualTo(status);
        assertThat(answer.getResponseHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        JsonNode problem = JSON.readTree(answer.getResponseBody());
        assertThat(Map.of(
                        "status", problem.get("status").asInt(),
                        "title", problem.get("title").asString(),
                        "detail", problem.get("detail").asString()))
                .isEqualTo(Map.of("status", status, "title", title, "detail", detail));
    }
}
