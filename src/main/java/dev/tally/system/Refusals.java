package dev.tally.system;

import java.util.Objects;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ResponseEntity;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.reactive.result.method.annotation.ResponseEntityExceptionHandler;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Renders the {@link Problems} as {@code application/problem+json}, as Spring Boot's own handler
 * (which this one replaces) does. A 415 for the body's media type also names the accepted types in
 * {@code Accept}, and one for a request without any {@code Content-Type} (as {@code curl -T file}
 * sends it) says so, instead of naming the absent type as "null".
 */
@ControllerAdvice
class Refusals extends ResponseEntityExceptionHandler {

    static final String RECORD_TYPES = "application/x-ndjson, application/jsonl";

    @ExceptionHandler(DataAccessResourceFailureException.class)
    Mono<ResponseEntity<Object>> databaseAway(DataAccessResourceFailureException away, ServerWebExchange exchange) {
        ErrorResponseException problem = Problems.of(
                HttpStatus.SERVICE_UNAVAILABLE,
                "Database unavailable",
                Objects.requireNonNullElse(away.getMostSpecificCause().getMessage(), away.toString()));
        return handleErrorResponseException(problem, problem.getHeaders(), problem.getStatusCode(), exchange);
    }

    @Override
    protected Mono<ResponseEntity<Object>> handleErrorResponseException(
            ErrorResponseException error, HttpHeaders headers, HttpStatusCode status, ServerWebExchange exchange) {
        // A 415 for a content coding names the codings that would do; any other is about the media type.
        if (status.value() == HttpStatus.UNSUPPORTED_MEDIA_TYPE.value()
                && !headers.containsHeader(HttpHeaders.ACCEPT_ENCODING)) {
            if (!exchange.getRequest().getHeaders().containsHeader(HttpHeaders.CONTENT_TYPE)) {
                error.getBody()
                        .setDetail("The request has no Content-Type header; send the records with Content-Type"
                                + " application/x-ndjson (or application/jsonl)");
            }
            // RFC 9110, 15.5.16: a 415 for a media type may name the types that would do in Accept.
            headers.set(HttpHeaders.ACCEPT, RECORD_TYPES);
        }
        return super.handleErrorResponseException(error, headers, status, exchange);
    }
}
