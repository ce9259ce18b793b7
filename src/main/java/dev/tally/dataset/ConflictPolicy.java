package dev.tally.dataset;

import java.util.Arrays;
import java.util.Optional;

/** What a line whose key already exists does; {@link #wireName()} is the API's spelling. */
public enum ConflictPolicy {
    SKIP("skip"),
    UPDATE("update"),
    UPDATE_IF_NEWER("update-if-newer"),
    FAIL("fail");

    private final String wireName;

    ConflictPolicy(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    public static Optional<ConflictPolicy> fromWireName(String name) {
        return Arrays.stream(values()).filter(p -> p.wireName.equals(name)).findFirst();
    }
}
