package dev.tally.ingest;

import dev.tally.dataset.TableSchema;
import dev.tally.dataset.UniqueIndex;
import dev.tally.record.ParsedLine;
import dev.tally.record.ParsedLine.Row;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** A chunk after parsing: the rows to write and the lines already rejected. */
record ParsedChunk(int number, long firstLine, long lastLine, List<Row> rows, List<ParsedLine.Reject> rejects) {

    static ParsedChunk of(LineChunk chunk, List<ParsedLine> parsed) {
        List<Row> rows = new ArrayList<>(parsed.size());
        List<ParsedLine.Reject> rejects = new ArrayList<>();
        for (ParsedLine line : parsed) {
            switch (line) {
                case Row row -> rows.add(row);
                case ParsedLine.Reject reject -> rejects.add(reject);
            }
        }
        return new ParsedChunk(chunk.number(), chunk.firstLine(), chunk.lastLine(), rows, rejects);
    }

    int received() {
        return rows.size() + rejects.size();
    }

    /** The chunk's values on every unique index, as hashable keys; a NULL never conflicts. */
    Set<Object> uniqueKeys(TableSchema schema) {
        Set<Object> keys = new HashSet<>();
        for (UniqueIndex index : schema.uniqueIndexes()) {
            for (Row row : rows) {
                List<Object> values = row.valuesOf(index.columns());
                if (!values.contains(null)) {
                    keys.add(new IndexKey(index.name(), values));
                }
            }
        }
        return keys;
    }

    private record IndexKey(String index, List<Object> values) {}
}
