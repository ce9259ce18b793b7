package dev.tally.cli;

import tools.jackson.databind.JsonNode;

/** A job's or chunk's counts: {@code received = inserted + updated + unchanged + skipped + rejected}. */
record Totals(long received, long inserted, long updated, long unchanged, long skipped, long rejected) {

    static final Totals NONE = new Totals(0, 0, 0, 0, 0, 0);

    /** The counts of a {@code totals} object; an absent one is all zeros. */
    static Totals of(JsonNode totals) {
        if (totals == null || !totals.isObject()) {
            return NONE;
        }
        return new Totals(
                Json.count(totals, "received"),
                Json.count(totals, "inserted"),
                Json.count(totals, "updated"),
                Json.count(totals, "unchanged"),
                Json.count(totals, "skipped"),
                Json.count(totals, "rejected"));
    }
}
