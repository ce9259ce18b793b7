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
        List<UniqueIndex> indexes = schema.uniqueIndexes();
        Set<Object> keys = HashSet.newHashSet(rows.size() * indexes.size());
        for (int i = 0; i < indexes.size(); i++) {
            for (Row row : rows) {
                Object values = row.key(indexes.get(i).columns());
                if (values != null) {
                    keys.add(new IndexKey(i, values));
                }
            }
        }
        return keys;
    }

    private record IndexKey(int index, Object values) {}
}
