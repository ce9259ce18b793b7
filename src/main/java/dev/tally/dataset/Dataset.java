package dev.tally.dataset;

import java.util.List;

/** A configured, writable table: its name in the API, its schema and the policies it allows. */
public record Dataset(String name, TableSchema schema) {

    /** {@code update-if-newer} needs a version column to compare. */
    public List<ConflictPolicy> policies() {
        return schema.versionColumn() < 0
                ? List.of(ConflictPolicy.SKIP, ConflictPolicy.UPDATE, ConflictPolicy.FAIL)
                : List.of(ConflictPolicy.values());
    }

    public boolean allows(ConflictPolicy policy) {
        return policies().contains(policy);
    }
}
