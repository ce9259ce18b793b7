package dev.tally.testing;

import static org.assertj.core.api.Assertions.assertThat;

import tools.jackson.databind.JsonNode;

/** The one assertion of an event's totals, in the contract's field order. */
public final class Totals {

    private Totals() {}

    public static void assertTotals(
            JsonNode event, long received, long inserted, long updated, long unchanged, long skipped, long rejected) {
        assertThat(event.get("totals").toString())
                .isEqualTo(
                        "{\"received\":%d,\"inserted\":%d,\"updated\":%d,\"unchanged\":%d,\"skipped\":%d,\"rejected\":%d}"
                                .formatted(received, inserted, updated, unchanged, skipped, rejected));
    }
}
