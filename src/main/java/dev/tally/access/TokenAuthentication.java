package dev.tally.access;

import dev.tally.system.Problems;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpCookie;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.codec.HttpMessageWriter;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.stereotype.Component;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.reactive.result.view.ViewResolver;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Lets a request to the API ({@code /v1/…}) or to the operator endpoints other than health and
 * info ({@code /actuator/…}) through only with a known token, and gives the handlers its {@link
 * Caller}. The token comes in {@code Authorization: Bearer …}, or, for a GET, in the cookie
 * {@value #COOKIE}: a browser's {@code EventSource} cannot send headers, and a GET changes nothing,
 * so a cookie sent along by another site can do no harm. Paths with dot segments, empty segments, semicolons
 * (matrix variables, which WebFlux would cut off the segment) or encoded slashes, dots or backslashes are refused before anything else: no route has them, and
 * each is a way to make one path look like another.
 */
@Component
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@Order(Ordered.HIGHEST_PRECEDENCE + 1)
class TokenAuthentication implements WebFilter {

    static final String COOKIE = "tally_token";

    private static final Pattern TRICKY_PATH = Pattern.compile("(^|/)\\.{1,2}(/|$)|//|;|%2[fFeE]|%5[cC]|\\\\");
    private static final List<String> OPEN_OPERATIONS = List.of("/actuator/health", "/actuator/info");

    private final Tokens tokens;
    private final List<HttpMessageWriter<?>> writers;

    TokenAuthentication(Tokens tokens, ServerCodecConfigurer codecs) {
        this.tokens = tokens;
        this.writers = codecs.getWriters();
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String path = exchange.getRequest().getPath().value();
        if (TRICKY_PATH.matcher(path).find()) {
            return answer(
                    exchange,
                    Problems.of(
                            HttpStatus.BAD_REQUEST,
                            "Bad path",
                            "The path holds a dot segment, an empty segment, a semicolon or an encoded slash, dot or backslash"));
        }
        if (!guarded(path)) {
            return chain.filter(exchange);
        }
        if (!tokens.enabled()) {
            exchange.getAttributes().put(Caller.ATTRIBUTE, Caller.UNCHECKED);
            return chain.filter(exchange);
        }
        Optional<String> token = token(exchange.getRequest());
        if (token.isEmpty()) {
            return answer(
                    exchange,
                    unauthorized("No token", "Send a token in the header Authorization: Bearer <token>", "Bearer"));
        }
        return tokens.find(token.get())
                .map(Optional::of)
                .defaultIfEmpty(Optional.empty())
                .flatMap(caller -> {
                    if (caller.isEmpty()) {
                        return answer(
                                exchange,
                                unauthorized(
                                        "Unknown token",
                                        "The token is not one this service issued, or it was revoked",
                                        "Bearer error=\"invalid_token\""));
                    }
                    if (path.startsWith("/actuator/") && !caller.get().isAdmin()) {
                        return answer(exchange, Access.missing("admin"));
                    }
                    exchange.getAttributes().put(Caller.ATTRIBUTE, caller.get());
                    return chain.filter(exchange);
                });
    }

    private static boolean guarded(String path) {
        if (path.equals("/v1") || path.startsWith("/v1/")) {
            return true;
        }
        return path.startsWith("/actuator/")
                && OPEN_OPERATIONS.stream().noneMatch(open -> path.equals(open) || path.startsWith(open + "/"));
    }

    private static Optional<String> token(ServerHttpRequest request) {
        String header = request.getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
        if (header != null) {
            return header.regionMatches(true, 0, "Bearer ", 0, 7) && header.length() > 7
                    ? Optional.of(header.substring(7).strip())
                    : Optional.empty();
        }
        HttpCookie cookie = request.getCookies().getFirst(COOKIE);
        return cookie != null
                        && request.getMethod() == HttpMethod.GET
                        && !cookie.getValue().isEmpty()
                ? Optional.of(cookie.getValue())
                : Optional.empty();
    }

    private static ErrorResponseException unauthorized(String title, String detail, String challenge) {
        ErrorResponseException problem = Problems.of(HttpStatus.UNAUTHORIZED, title, detail);
        problem.getHeaders().set(HttpHeaders.WWW_AUTHENTICATE, challenge);
        return problem;
    }

    /** The problem as the handlers' problems are written: application/problem+json. */
    private Mono<Void> answer(ServerWebExchange exchange, ErrorResponseException problem) {
        return ServerResponse.status(problem.getStatusCode())
                .headers(headers -> headers.addAll(problem.getHeaders()))
                .bodyValue(problem.getBody())
                .flatMap(response -> response.writeTo(exchange, new ServerResponse.Context() {
                    @Override
                    public List<HttpMessageWriter<?>> messageWriters() {
                        return writers;
                    }

                    @Override
                    public List<ViewResolver> viewResolvers() {
                        return List.of();
                    }
                }));
    }
}
