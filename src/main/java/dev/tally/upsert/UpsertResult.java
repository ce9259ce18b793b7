package dev.tally.upsert;

import java.util.ArrayList;
import java.util.List;

/**
 * What writing some rows did: how many were inserted, updated or left unchanged, and, in line
 * order, every other row by name.
 */
public record UpsertResult(long inserted, long updated, long unchanged, List<RowOutcome> others) {

    static final UpsertResult NONE = new UpsertResult(0, 0, 0, List.of());

    /** This result followed by a later one. */
    UpsertResult plus(UpsertResult later) {
        List<RowOutcome> all = new ArrayList<>(others.size() + later.others.size());
        all.addAll(others);
        all.addAll(later.others);
        return new UpsertResult(inserted + later.inserted, updated + later.updated, unchanged + later.unchanged, all);
    }
}
