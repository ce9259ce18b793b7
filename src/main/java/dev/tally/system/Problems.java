package dev.tally.system;

import java.time.Duration;
import java.util.UUID;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * The RFC 9457 problems the API answers with before a job starts; WebFlux renders an
 * {@link ErrorResponseException} as {@code application/problem+json}.
 */
public final class Problems {

    private Problems() {}

    public static ErrorResponseException of(HttpStatus status, String title, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setTitle(title);
        ErrorResponseException error = new ErrorResponseException(status, problem, null);
        // Else a client that accepts text/event-stream gets the problem as an SSE data line.
        error.getHeaders().setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        return error;
    }

    /** 429, with {@code Retry-After} in whole seconds (RFC 9110, 10.2.3). */
    public static ErrorResponseException tooManyRequests(String title, String detail, Duration retryAfter) {
        ErrorResponseException error = of(HttpStatus.TOO_MANY_REQUESTS, title, detail);
        error.getHeaders().set(HttpHeaders.RETRY_AFTER, Long.toString(retryAfter.toSeconds()));
        return error;
    }

    public static ErrorResponseException unknownDataset(String name) {
        return of(HttpStatus.NOT_FOUND, "Unknown dataset", "No dataset named '%s' is configured".formatted(name));
    }

    public static ErrorResponseException unknownJob(String id) {
        return of(HttpStatus.NOT_FOUND, "Unknown job", "No job with id '%s'".formatted(id));
    }

    /** The job id of a request path; a malformed one names no job, so it is the same 404. */
    public static UUID jobId(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw unknownJob(id);
        }
    }

    public static ErrorResponseException badParameter(String name, String detail) {
        return of(HttpStatus.BAD_REQUEST, "Bad parameter " + name, detail);
    }
}
