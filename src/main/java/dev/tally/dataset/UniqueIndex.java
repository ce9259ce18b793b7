package dev.tally.dataset;

import java.util.List;

/** A unique index or constraint of the table, by the indexes of its columns in the schema. */
public record UniqueIndex(String name, List<Integer> columns) {

    public UniqueIndex {
        columns = List.copyOf(columns);
    }
}
