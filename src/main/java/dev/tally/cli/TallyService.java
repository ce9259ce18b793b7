package dev.tally.cli;

import dev.tally.cli.Command.Target;
import dev.tally.client.EventDocument;
import dev.tally.client.TallyClient;
import dev.tally.client.TallyConnectionLostException;
import dev.tally.client.TallyDocuments;
import dev.tally.client.TallyProblemException;
import dev.tally.client.UploadOptions;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.util.Map;
import java.util.Optional;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The HTTP API as this client uses it, through {@link TallyClient} (the repository's one HTTP
 * implementation of the API): it writes a request body and reads the response at the same time,
 * which is what lets an upload show progress while it is being sent.
 *
 * <p>Every answer other than 200 becomes a {@link Refused} error; a connection that cannot be made
 * or breaks surfaces as the transport's exception.
 */
final class TallyService {

    private final TallyDocuments tally;

    TallyService(Target target, JsonMapper json) {
        // The service closes every connection after its answer: a pool would only hold dead ones.
        HttpClient http = HttpClient.create(ConnectionProvider.newConnection())
                .headers(headers -> headers.set(HttpHeaderNames.USER_AGENT, "tally-cli"));
        this.tally =
                TallyClient.create(http, target.url(), target.token(), json).documents();
    }

    /**
     * Uploads the body and emits the job's events as they arrive, while the body is still being
     * written. {@code length} is sent as {@code Content-Length}; a {@code gzip} body goes as it is,
     * with {@code Content-Encoding: gzip}.
     */
    Flux<Event> upload(
            String dataset,
            Map<String, String> parameters,
            Optional<String> idempotencyKey,
            Flux<ByteBuf> body,
            long length,
            boolean gzip) {
        UploadOptions options = options(parameters).withGzip(gzip);
        if (idempotencyKey.isPresent()) {
            options = options.withIdempotencyKey(idempotencyKey.get()).withResume(false);
        }
        return tally.upload(dataset, body, length, options)
                .map(TallyService::event)
                .onErrorMap(TallyService::cliError);
    }

    /** A job's events: the replay of what happened, then live until its final event. */
    Flux<Event> events(String job) {
        return tally.events(job).map(TallyService::event).onErrorMap(TallyService::cliError);
    }

    /** The job list, {@code {"jobs":[…]}}, with these filters. */
    Mono<JsonNode> jobs(Map<String, String> filters) {
        return tally.jobs(filters).onErrorMap(TallyService::cliError);
    }

    /** The rejected lines of a job's row log, as the NDJSON bytes the service sends. */
    Flux<byte[]> rejectedRows(String job) {
        return tally.rows(job, "rejected").onErrorMap(TallyService::cliError);
    }

    private static Event event(EventDocument event) {
        return new Event(event.id(), event.name(), event.data());
    }

    private static UploadOptions options(Map<String, String> parameters) {
        UploadOptions options = UploadOptions.defaults();
        for (Map.Entry<String, String> parameter : parameters.entrySet()) {
            String value = parameter.getValue();
            options = switch (parameter.getKey()) {
                case "onConflict" -> options.withOnConflict(value);
                case "chunkSize" -> options.withChunkSize(Integer.parseInt(value));
                case "maxRejects" -> options.withMaxRejects(Integer.parseInt(value));
                case "atomic" -> options.withAtomic(Boolean.parseBoolean(value));
                case "dryRun" -> options.withDryRun(Boolean.parseBoolean(value));
                case "unknownFields" -> options.withUnknownFields(value);
                default -> throw new IllegalArgumentException("not an upload parameter: " + parameter.getKey());
            };
        }
        return options;
    }

    /** The client's errors as this program reports them: refusals as {@link Refused}, transport failures as they are. */
    private static Throwable cliError(Throwable error) {
        if (error instanceof TallyProblemException problem) {
            return new Refused(
                    problem.status(),
                    problem.problem().isEmpty() ? "HTTP " + problem.status() : problem.title(),
                    problem.detail() == null ? "" : problem.detail());
        }
        if (error instanceof TallyConnectionLostException lost && lost.getCause() != null) {
            return lost.getCause();
        }
        return error;
    }
}
