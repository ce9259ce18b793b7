package dev.tally.system;

import static java.util.stream.Collectors.toCollection;
import static java.util.stream.Collectors.toSet;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tally.TallyIntegrationTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The OpenAPI document the service serves agrees with the contract, {@code docs/api.md}: the same
 * operations with the same parameters, none missing and none extra.
 *
 * <p>The contract's operations are transcribed here ({@link #CONTRACT}) and the transcription is
 * checked against {@code docs/api.md}, so that a change to the contract fails this test until the
 * transcription, and then the code, follow.
 */
@TallyIntegrationTest
class OpenApiIntegrationTests {

    /** docs/api.md's operations, {@code "METHOD path"}, each with its parameters as {@code "in name"}. */
    private static final SortedMap<String, Set<String>> CONTRACT = new TreeMap<>(Map.of(
            "GET /v1/datasets", Set.of(),
            "GET /v1/datasets/{name}", Set.of("path name"),
            "POST /v1/datasets/{dataset}/records",
                    Set.of(
                            "path dataset",
                            "query onConflict",
                            "query chunkSize",
                            "query maxRejects",
                            "query atomic",
                            "query dryRun",
                            "query unknownFields",
                            "header Content-Encoding",
                            "header Idempotency-Key"),
            "GET /v1/jobs", Set.of("query dataset", "query status", "query limit"),
            "GET /v1/jobs/{id}", Set.of("path id"),
            "GET /v1/jobs/{id}/events", Set.of("path id", "header Last-Event-ID"),
            "GET /v1/jobs/{id}/rows", Set.of("path id", "query outcome"),
            "DELETE /v1/jobs/{id}", Set.of("path id")));

    /** Parameters beyond docs/api.md's, additive: paging the row log. */
    private static final Map<String, Set<String>> EXTENSIONS =
            Map.of("GET /v1/jobs/{id}/rows", Set.of("query after", "query limit"));

    private static final String UPLOAD = "POST /v1/datasets/{dataset}/records";

    /** An endpoint as docs/api.md writes it, in a code block or inline: {@code GET /v1/jobs?dataset=&status=}. */
    private static final Pattern ENDPOINT =
            Pattern.compile("\\b(GET|POST|PUT|PATCH|DELETE)\\s+(/v1/[^\\s`?]*)(\\?[^\\s`]*)?");

    private static final Pattern QUERY_NAME = Pattern.compile("([A-Za-z]+)=");

    /** A row of a parameter table: {@code | `onConflict` | …}. */
    private static final Pattern TABLE_PARAMETER = Pattern.compile("(?m)^\\| `([A-Za-z]+)` \\|");

    /** A request header line in the upload's code block: {@code Idempotency-Key: <client string>}. */
    private static final Pattern HEADER_LINE = Pattern.compile("(?m)^([A-Z][A-Za-z]*(?:-[A-Za-z]+)*): ");

    /** Headers that OpenAPI describes as media types, never as parameters. */
    private static final Set<String> MEDIA_TYPE_HEADERS = Set.of("Accept", "Content-Type");

    /** The contract, in the repository; Maven runs the tests in the project's directory. */
    private static final Path API_MD = Path.of("docs/api.md").toAbsolutePath();

    @Autowired
    private WebTestClient client;

    @Autowired
    private JsonMapper json;

    @Test
    void documentHasExactlyTheContractsOperationsAndParametersAndItsExtensions() {
        SortedMap<String, Set<String>> expected = new TreeMap<>(CONTRACT);
        EXTENSIONS.forEach((operation, parameters) -> expected.put(
                operation,
                Stream.concat(CONTRACT.get(operation).stream(), parameters.stream())
                        .collect(toSet())));
        assertThat(operations(document())).isEqualTo(expected);
    }

    @Test
    void transcriptionNamesEachPathParameterOfItsPath() {
        CONTRACT.forEach((operation, parameters) ->
                assertThat(in("path", parameters)).as(operation).isEqualTo(pathParameters(operation)));
    }

    @Test
    void documentGivesTheMediaTypesOfBodiesAndProblems() {
        JsonNode document = document();
        JsonNode uploadBody = operation(document, UPLOAD).get("requestBody");
        assertThat(names(uploadBody.get("content"))).containsExactly("application/x-ndjson", "application/jsonl");
        assertThat(uploadBody.get("required").asBoolean()).isTrue();
        assertThat(mediaTypes(document, UPLOAD, "200"))
                .containsExactly("text/event-stream", "application/x-ndjson", "application/json");
        assertThat(mediaTypes(document, "GET /v1/jobs/{id}/events", "200")).containsExactly("text/event-stream");
        assertThat(mediaTypes(document, "GET /v1/jobs/{id}/events", "204")).isEmpty();
        assertThat(mediaTypes(document, "GET /v1/jobs/{id}/rows", "200")).containsExactly("application/x-ndjson");
        assertThat(mediaTypes(document, "GET /v1/jobs/{id}", "200")).containsExactly("application/json");
        assertThat(names(operation(document, "DELETE /v1/jobs/{id}").get("responses")))
                .containsExactly("202", "404", "409", "503", "401", "403");

        SortedMap<String, List<String>> problems = new TreeMap<>();
        forEachOperation(document, (operation, node) -> names(node.get("responses")).stream()
                .filter(status -> status.startsWith("4") || status.startsWith("5"))
                .forEach(status -> problems.put(operation + " " + status, mediaTypes(document, operation, status))));
        assertThat(problems).isNotEmpty().allSatisfy((response, types) -> assertThat(types)
                .as(response)
                .containsExactly("application/problem+json"));
    }

    @Test
    void transcriptionFollowsApiMd() throws IOException {
        assertThat(API_MD).as("the contract, in the repository").isRegularFile();
        String text = Files.readString(API_MD);

        SortedMap<String, Set<String>> written = new TreeMap<>();
        Matcher endpoint = ENDPOINT.matcher(text);
        while (endpoint.find()) {
            Set<String> query =
                    written.computeIfAbsent(endpoint.group(1) + " " + endpoint.group(2), k -> new TreeSet<>());
            if (endpoint.group(3) != null) {
                QUERY_NAME.matcher(endpoint.group(3)).results().forEach(name -> query.add(name.group(1)));
            }
        }
        String uploadSection = section(text, "## Upload");
        TABLE_PARAMETER.matcher(uploadSection).results().forEach(row -> written.computeIfAbsent(
                        UPLOAD, k -> new TreeSet<>())
                .add(row.group(1)));

        Set<String> uploadHeaders = HEADER_LINE
                .matcher(codeBlock(uploadSection))
                .results()
                .map(header -> header.group(1))
                .filter(header -> !MEDIA_TYPE_HEADERS.contains(header))
                .collect(toCollection(TreeSet::new));

        // Every difference at once: a change to the contract is one edit, its transcription should be one too.
        SoftAssertions.assertSoftly(softly -> {
            softly.assertThat(CONTRACT.keySet()).as("operations of docs/api.md").isEqualTo(written.keySet());
            written.forEach(
                    (operation, query) -> softly.assertThat(in("query", CONTRACT.getOrDefault(operation, Set.of())))
                            .as("query parameters of %s", operation)
                            .isEqualTo(query));
            softly.assertThat(in("header", CONTRACT.get(UPLOAD)))
                    .as("headers of the upload")
                    .isEqualTo(uploadHeaders);
        });
    }

    private JsonNode document() {
        // springdoc builds the document on the first request, which took over 5 s on a busy host.
        String body = client.mutate()
                .responseTimeout(Duration.ofSeconds(60))
                .build()
                .get()
                .uri("/v3/api-docs")
                .exchange()
                .expectStatus()
                .isOk()
                .expectBody(String.class)
                .returnResult()
                .getResponseBody();
        return json.readTree(body);
    }

    /** The document's operations, as {@link #CONTRACT} writes them. */
    private static SortedMap<String, Set<String>> operations(JsonNode document) {
        SortedMap<String, Set<String>> operations = new TreeMap<>();
        forEachOperation(
                document,
                (operation, node) -> operations.put(
                        operation,
                        node.path("parameters")
                                .valueStream()
                                .map(parameter -> parameter.get("in").asString() + " "
                                        + parameter.get("name").asString())
                                .collect(toSet())));
        return operations;
    }

    /** An operation of the document, named as in {@link #CONTRACT}. */
    private static JsonNode operation(JsonNode document, String operation) {
        String[] methodAndPath = operation.split(" ", 2);
        return document.get("paths").get(methodAndPath[1]).get(methodAndPath[0].toLowerCase());
    }

    /** The media types of an operation's response with this status; none for a response without a body. */
    private static List<String> mediaTypes(JsonNode document, String operation, String status) {
        JsonNode content =
                operation(document, operation).get("responses").get(status).get("content");
        return content == null ? List.of() : names(content);
    }

    private static void forEachOperation(JsonNode document, BiConsumer<String, JsonNode> action) {
        document.get("paths")
                .properties()
                .forEach(path -> path.getValue().properties().forEach(method -> {
                    if (Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace")
                            .contains(method.getKey())) {
                        action.accept(method.getKey().toUpperCase() + " " + path.getKey(), method.getValue());
                    }
                }));
    }

    private static List<String> names(JsonNode object) {
        return object.propertyNames().stream().toList();
    }

    private static Set<String> in(String location, Set<String> parameters) {
        return parameters.stream()
                .filter(parameter -> parameter.startsWith(location + " "))
                .map(parameter -> parameter.substring(location.length() + 1))
                .collect(toCollection(TreeSet::new));
    }

    private static Set<String> pathParameters(String operation) {
        return Pattern.compile("\\{([^}]+)}")
                .matcher(operation)
                .results()
                .map(variable -> variable.group(1))
                .collect(toCollection(TreeSet::new));
    }

    /** From a {@code ## } heading to the next one. */
    private static String section(String text, String heading) {
        int start = text.indexOf("\n" + heading + "\n");
        assertThat(start).as(heading + " in docs/api.md").isNotNegative();
        int end = text.indexOf("\n## ", start + heading.length() + 2);
        return text.substring(start, end < 0 ? text.length() : end);
    }

    /** The first fenced code block of a section. */
    private static String codeBlock(String section) {
        int start = section.indexOf("\n```");
        assertThat(start).as("a code block").isNotNegative();
        return section.substring(start + 4, section.indexOf("\n```", start + 4));
    }
}
