package dev.tally.upsert;

import dev.tally.dataset.UniqueIndex;
import dev.tally.record.ParsedLine;
import dev.tally.record.ParsedLine.Row;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A chunk after parsing, ready to write: its line range, the rows to write, the lines already
 * rejected, and the rows' values on the given unique indexes as hashable keys for the caller's
 * dispatch of disjoint chunks (computed here, off the serial path; none for an upload in one
 * transaction, which writes its chunks one after another).
 */
public record ParsedChunk(
        int number,
        long firstLine,
        long lastLine,
        long bytesRead,
        List<Row> rows,
        List<ParsedLine.Reject> rejects,
        Set<Object> keys) {

    public static ParsedChunk of(
            int number,
            long firstLine,
            long lastLine,
            long bytesRead,
            List<ParsedLine> parsed,
            List<UniqueIndex> gated) {
        List<Row> rows = new ArrayList<>(parsed.size());
        List<ParsedLine.Reject> rejects = new ArrayList<>();
        for (ParsedLine line : parsed) {
            switch (line) {
                case Row row -> rows.add(row);
                case ParsedLine.Reject reject -> rejects.add(reject);
            }
        }
        return new ParsedChunk(number, firstLine, lastLine, bytesRead, rows, rejects, uniqueKeys(rows, gated));
    }

    public int received() {
        return rows.size() + rejects.size();
    }

    /** Where the chunk is, for messages: its number and lines. */
    public String where() {
        return "chunk %d (lines %d-%d)".formatted(number, firstLine, lastLine);
    }

    /** A NULL never conflicts, so it is no key. */
    private static Set<Object> uniqueKeys(List<Row> rows, List<UniqueIndex> indexes) {
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

    // Not a record: its generated hashCode showed up in profiles of the serial claim.
    private static final class IndexKey {
        private final int index;
        private final Object values;
        private final int hash;

        IndexKey(int index, Object values) {
            this.index = index;
            this.values = values;
            this.hash = 31 * values.hashCode() + index;
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof IndexKey key && key.index == index && key.values.equals(values);
        }
    }
}
