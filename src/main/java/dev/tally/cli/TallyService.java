package dev.tally.cli;

import dev.tally.cli.Command.Target;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The HTTP API as this client uses it, over Reactor Netty: it writes a request body and reads the
 * response at the same time, which is what lets an upload show progress while it is being sent
 * (the JDK's client reads the response only after the whole body went out).
 *
 * <p>Every answer other than 200 becomes a {@link Refused} error; a connection that cannot be made
 * or breaks surfaces as the transport's exception.
 */
final class TallyService {

    private final JsonMapper json;
    private final HttpClient http;
    private final String url;

    TallyService(Target target, JsonMapper json) {
        this.json = json;
        this.url = target.url();
        // The service closes every connection after its answer: a pool would only hold dead ones.
        this.http = HttpClient.create(ConnectionProvider.newConnection()).headers(headers -> {
            headers.set(HttpHeaderNames.USER_AGENT, "tally-cli");
            if (target.token() != null) {
                headers.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + target.token());
            }
        });
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
        return http.headers(headers -> {
                    headers.set(HttpHeaderNames.CONTENT_TYPE, "application/x-ndjson");
                    headers.set(HttpHeaderNames.ACCEPT, "text/event-stream");
                    headers.set(HttpHeaderNames.CONTENT_LENGTH, length);
                    if (gzip) {
                        headers.set(HttpHeaderNames.CONTENT_ENCODING, "gzip");
                    }
                    idempotencyKey.ifPresent(key -> headers.set("Idempotency-Key", key));
                })
                .post()
                .uri(uri("/v1/datasets/" + encode(dataset) + "/records" + query(parameters)))
                .send(body)
                .response(this::events);
    }

    /** A job's events: the replay of what happened, then live until its final event. */
    Flux<Event> events(String job) {
        return http.headers(headers -> headers.set(HttpHeaderNames.ACCEPT, "text/event-stream"))
                .get()
                .uri(uri("/v1/jobs/" + encode(job) + "/events"))
                .response(this::events);
    }

    /** A JSON document, such as the job list. */
    Mono<JsonNode> document(String path, Map<String, String> parameters) {
        return http.headers(headers -> headers.set(HttpHeaderNames.ACCEPT, "application/json"))
                .get()
                .uri(uri(path + query(parameters)))
                .responseSingle((response, content) -> content.asString(StandardCharsets.UTF_8)
                        .defaultIfEmpty("")
                        .map(text -> {
                            if (response.status().code() != 200) {
                                throw Refused.of(response.status().code(), text, json);
                            }
                            return json.readTree(text);
                        }));
    }

    /** The rejected lines of a job's row log, as the NDJSON bytes the service sends. */
    Flux<byte[]> rejectedRows(String job) {
        return http.headers(headers -> headers.set(HttpHeaderNames.ACCEPT, "application/x-ndjson"))
                .get()
                .uri(uri("/v1/jobs/" + encode(job) + "/rows?outcome=rejected"))
                .response((response, content) ->
                        response.status().code() == 200 ? content.asByteArray() : refused(response, content));
    }

    private Flux<Event> events(HttpClientResponse response, ByteBufFlux content) {
        if (response.status().code() != 200) {
            return refused(response, content);
        }
        EventStreamParser parser = new EventStreamParser(json);
        return content.asByteArray().concatMapIterable(parser::feed);
    }

    private <T> Flux<T> refused(HttpClientResponse response, ByteBufFlux content) {
        int status = response.status().code();
        return content.aggregate()
                .asString(StandardCharsets.UTF_8)
                .defaultIfEmpty("")
                .flatMapMany(text -> Flux.error(Refused.of(status, text, json)));
    }

    /**
     * The request's whole URI, parsed by the JDK: Reactor Netty's parsing of a base URL string
     * takes {@code localhost:1} (a one-digit port) for a host name, and a closed port for a name
     * that cannot be resolved.
     */
    private URI uri(String pathAndQuery) {
        return URI.create(url + pathAndQuery);
    }

    private static String query(Map<String, String> parameters) {
        return parameters.isEmpty()
                ? ""
                : parameters.entrySet().stream()
                        .map(parameter -> encode(parameter.getKey()) + "=" + encode(parameter.getValue()))
                        .collect(Collectors.joining("&", "?", ""));
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
