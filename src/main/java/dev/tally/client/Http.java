package dev.tally.client;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Collectors;
import reactor.core.publisher.Flux;
import reactor.netty.ByteBufFlux;
import reactor.netty.http.client.HttpClientResponse;

/** What every request of the client does alike: paths, queries, refusals and lines of a body. */
final class Http {

    private Http() {}

    /** A refused request's problem as the error of a flux of anything. */
    static <T> Flux<T> refused(Wire wire, HttpClientResponse response, ByteBufFlux body) {
        return body.aggregate()
                .asByteArray()
                .defaultIfEmpty(new byte[0])
                .flatMapMany(bytes -> Flux.error(
                        wire.problem(response.status().code(), response.status().reasonPhrase(), bytes)));
    }

    /** The body's non-empty lines, each whole. */
    static Flux<byte[]> lines(ByteBufFlux body) {
        LineSplitter splitter = new LineSplitter();
        return body.asByteArray().concatMapIterable(splitter::feed).filter(line -> line.length > 0);
    }

    /**
     * The request's whole URI, parsed by the JDK: Reactor Netty's parsing of a base URL string takes
     * {@code localhost:1} (a one-digit port) for a host name.
     */
    static URI uri(String baseUrl, String pathAndQuery) {
        return URI.create(baseUrl + pathAndQuery);
    }

    static String query(Map<String, String> parameters) {
        return parameters.isEmpty()
                ? ""
                : parameters.entrySet().stream()
                        .map(p -> encode(p.getKey()) + "=" + encode(p.getValue()))
                        .collect(Collectors.joining("&", "?", ""));
    }

    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
