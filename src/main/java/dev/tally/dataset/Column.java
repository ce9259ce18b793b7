package dev.tally.dataset;

/**
 * One column of a dataset's table, as the catalog describes it.
 *
 * @param index the column's position in {@link TableSchema#columns()}, 0-based
 */
public record Column(String name, int index, ColumnType type, boolean nullable, boolean hasDefault) {

    /** A NOT NULL column without a default: a line that inserts must provide it. */
    public boolean requiredOnInsert() {
        return !nullable && !hasDefault;
    }
}
