package dev.tally.record;

import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** A line after parsing and conversion: a {@link Row} to write or a {@link Reject}. */
public sealed interface ParsedLine {

    long line();

    /** Bytes of the line as sent (for a too-long line, its first 1 KiB); kept for the row log. */
    byte[] text();

    /**
     * A line converted to the table's column types.
     *
     * @param values one slot per schema column, by {@link dev.tally.dataset.Column#index()};
     *     null where absent or explicitly null
     * @param present which columns the line provided (explicit nulls included); always holds the key
     */
    record Row(long line, Object[] values, BitSet present, byte[] text) implements ParsedLine {

        /**
         * The values of the given columns as one hashable key: the value itself for one column (the
         * common case, and the cheapest to hash), else a list of them. Null when any value is null.
         */
        public @Nullable Object key(List<Integer> columns) {
            if (columns.size() == 1) {
                return values[columns.getFirst()];
            }
            Object[] key = new Object[columns.size()];
            for (int i = 0; i < key.length; i++) {
                key[i] = values[columns.get(i)];
                if (key[i] == null) {
                    return null;
                }
            }
            return Arrays.asList(key);
        }
    }

    /**
     * A line that will not be written.
     *
     * @param key the line's key values by key column name when it could be read, else null
     */
    record Reject(long line, RejectCode code, String message, java.util.@Nullable Map<String, Object> key, byte[] text)
            implements ParsedLine {}
}
