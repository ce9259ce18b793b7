package dev.tally.access;

import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The client of a request, as its token names it: {@code name} for logs and limits, never the token.
 *
 * @param scopes {@code admin}, {@code write:<dataset>} (upload to it, cancel its jobs) and {@code
 *     read:<dataset>} (its jobs, their events and row logs)
 */
public record Caller(String name, Set<String> scopes) {

    /** The request attribute holding the caller, for {@code @RequestAttribute}. */
    public static final String ATTRIBUTE = "dev.tally.access.Caller";

    public static final String ADMIN = "admin";

    /** Every request's caller while {@code tally.security.enabled=false}. */
    static final Caller UNCHECKED = new Caller("anonymous", Set.of(ADMIN));

    public Caller {
        scopes = Set.copyOf(scopes);
    }

    public boolean isAdmin() {
        return scopes.contains(ADMIN);
    }

    public boolean canWrite(String dataset) {
        return isAdmin() || scopes.contains("write:" + dataset);
    }

    public boolean canRead(String dataset) {
        return isAdmin() || scopes.contains("read:" + dataset);
    }

    /** Whether the dataset exists for this caller at all: it may read or write it. */
    public boolean knows(String dataset) {
        return canRead(dataset) || canWrite(dataset);
    }

    /** The datasets whose jobs this caller may see; empty for all of them (admin). */
    public Optional<Set<String>> readableDatasets() {
        return isAdmin()
                ? Optional.empty()
                : Optional.of(scopes.stream()
                        .filter(scope -> scope.startsWith("read:"))
                        .map(scope -> scope.substring("read:".length()))
                        .collect(Collectors.toUnmodifiableSet()));
    }
}
