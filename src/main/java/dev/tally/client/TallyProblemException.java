package dev.tally.client;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Tally refused a request with an RFC 9457 problem ({@code application/problem+json}): a bad
 * parameter (400), auth (401, 403), an unknown dataset or job (404), a policy not allowed or an
 * Idempotency-Key in use (409), a limit (413, 429), the content type (415), or the database (503).
 */
public final class TallyProblemException extends TallyException {

    private final int status;
    private final String title;
    private final @Nullable String detail;
    private final Map<String, Object> problem;

    TallyProblemException(int status, String title, @Nullable String detail, Map<String, Object> problem) {
        super("%d %s: %s".formatted(status, title, detail), null);
        this.status = status;
        this.title = title;
        this.detail = detail;
        this.problem = Collections.unmodifiableMap(new LinkedHashMap<>(problem));
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public @Nullable String detail() {
        return detail;
    }

    /** Every member of the problem document, its extensions (such as {@code jobStatus}) included. */
    public Map<String, Object> problem() {
        return problem;
    }
}
