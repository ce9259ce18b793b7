package dev.tally.record;

import dev.tally.dataset.Column;
import dev.tally.dataset.ColumnType;
import dev.tally.dataset.TableSchema;
import dev.tally.ndjson.Line;
import dev.tally.record.ParsedLine.Reject;
import dev.tally.record.ParsedLine.Row;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.core.json.JsonFactory;

/**
 * Parses one NDJSON line into a {@link Row} converted to the table's column types, or a
 * {@link Reject}. Tokens are streamed straight into column values; only json and jsonb values are
 * re-serialised.
 *
 * <p>When a line has several problems, the reject names the first in field order; the key and
 * version checks come after all fields. A line that is not valid JSON anywhere is
 * {@code invalid_json}, even when an earlier field was also wrong. A rejected line still carries its
 * key when every key field converted. Thread-safe: the parser holds only immutable lookups built
 * once, and each call allocates its own state.
 */
public final class RecordParser {

    /** Shared across threads: Jackson's factories are thread-safe and pool their buffers. */
    private static final JsonFactory FACTORY = JsonFactory.builder().build();

    private final TableSchema schema;
    private final boolean ignoreUnknownFields;
    private final boolean requireVersion;
    private final Map<String, Column> columnsByName;
    private final List<Column> keyColumns;
    private final boolean[] isKey;

    /**
     * @param ignoreUnknownFields skip a field that is not a column instead of rejecting the line
     * @param requireVersion reject a line whose version column is absent or null (update-if-newer)
     * @throws IllegalArgumentException if a version is required but the table has no version column,
     *     or an array column has no scalar element type
     */
    public RecordParser(TableSchema schema, boolean ignoreUnknownFields, boolean requireVersion) {
        if (requireVersion && schema.versionColumn() < 0) {
            throw new IllegalArgumentException(schema.qualifiedName() + " has no version column to require");
        }
        this.schema = schema;
        this.ignoreUnknownFields = ignoreUnknownFields;
        this.requireVersion = requireVersion;
        this.columnsByName = HashMap.newHashMap(schema.columns().size());
        this.isKey = new boolean[schema.columns().size()];
        for (Column column : schema.columns()) {
            ColumnType element = column.type().element();
            if (column.type().isArray() && (element == null || element.isArray())) {
                throw new IllegalArgumentException("array column " + column.name() + " needs a scalar element type");
            }
            columnsByName.put(column.name(), column);
        }
        this.keyColumns = schema.keyColumns();
        keyColumns.forEach(column -> isKey[column.index()] = true);
    }

    /** Parses one line; never throws for bad input, which becomes a {@link Reject}. */
    public ParsedLine parse(Line line) {
        return switch (line) {
            case Line.TooLong tooLong ->
                new Reject(
                        tooLong.number(),
                        RejectCode.LINE_TOO_LONG,
                        "line is " + tooLong.length() + " bytes, over the limit",
                        null,
                        tooLong.head());
            case Line.Text text -> parse(text.number(), text.bytes());
        };
    }

    private ParsedLine parse(long number, byte[] bytes) {
        int invalid = Utf8.firstInvalid(bytes);
        if (invalid >= 0) {
            String message = String.format(
                    "invalid UTF-8 sequence starting with byte 0x%02X at byte offset %d",
                    bytes[invalid] & 0xFF, invalid);
            return new Reject(number, RejectCode.INVALID_UTF8, message, null, bytes);
        }
        int nul = leadingNul(bytes);
        if (nul >= 0) {
            return invalidJson(number, bytes, "NUL byte at byte offset " + nul);
        }
        try (JsonParser parser = FACTORY.createParser(ObjectReadContext.empty(), bytes)) {
            return new LineReader(number, bytes, parser).read();
        } catch (StreamReadException | StreamConstraintsException e) {
            return invalidJson(number, bytes, Messages.jsonError(e));
        }
    }

    /**
     * The offset of a NUL among the first four bytes, or -1. Jackson would take such a line for
     * UTF-16 or UTF-32 and might accept it; in UTF-8 a raw NUL is never valid JSON.
     */
    private static int leadingNul(byte[] bytes) {
        for (int i = 0, n = Math.min(4, bytes.length); i < n; i++) {
            if (bytes[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    private static Reject invalidJson(long number, byte[] bytes, String message) {
        return new Reject(number, RejectCode.INVALID_JSON, message, null, bytes);
    }

    /** The state of reading one line: created per call, never shared. */
    private final class LineReader {

        private final long number;
        private final byte[] bytes;
        private final JsonParser parser;
        private final Object[] values = new Object[schema.columns().size()];
        private final BitSet present = new BitSet(values.length);
        private @Nullable Set<String> unknownNames;
        private @Nullable Problem firstProblem;

        LineReader(long number, byte[] bytes, JsonParser parser) {
            this.number = number;
            this.bytes = bytes;
            this.parser = parser;
        }

        ParsedLine read() {
            JsonToken first = parser.nextToken();
            if (first != JsonToken.START_OBJECT) {
                return notAnObject(first);
            }
            String name;
            while ((name = parser.nextName()) != null) {
                Reject duplicate = field(name);
                if (duplicate != null) {
                    return duplicate;
                }
            }
            if (parser.nextToken() != null) {
                return invalidJson(number, bytes, "Trailing content after the JSON object at column " + column());
            }
            if (firstProblem != null) {
                return reject(firstProblem.code(), firstProblem.detail());
            }
            return checkKeyAndVersion();
        }

        /** Reads one field's value; returns a reject only for a duplicate name, which ends the line. */
        private @Nullable Reject field(String name) {
            Column column = columnsByName.get(name);
            if (column == null) {
                if (unknownNames == null) {
                    unknownNames = new HashSet<>();
                }
                if (!unknownNames.add(name)) {
                    return duplicate(name);
                }
                if (!ignoreUnknownFields) {
                    problem(RejectCode.UNKNOWN_FIELD, "unknown field " + Messages.quote(name));
                }
                parser.nextToken();
                parser.skipChildren();
                return null;
            }
            int index = column.index();
            if (present.get(index)) {
                return duplicate(name);
            }
            present.set(index);
            if (parser.nextToken() == JsonToken.VALUE_NULL) {
                if (!column.nullable() && !isKey[index]) { // a null key is missing_key, checked later
                    problem(
                            RejectCode.MISSING_REQUIRED,
                            "field " + Messages.quote(name) + " is null but the column is NOT NULL");
                }
            } else if (firstProblem != null && !isKey[index]) {
                parser.skipChildren(); // the line is rejected already: only its key is still of use
            } else {
                convert(column);
            }
            return null;
        }

        private void convert(Column column) {
            Object value = Values.convert(parser, column.type());
            if (value instanceof Problem problem) {
                problem(problem.code(), "field " + Messages.quote(column.name()) + ": " + problem.detail());
            } else {
                values[column.index()] = value;
            }
        }

        private void problem(RejectCode code, String message) {
            if (firstProblem == null) {
                firstProblem = new Problem(code, message);
            }
        }

        private ParsedLine checkKeyAndVersion() {
            for (Column key : keyColumns) {
                if (values[key.index()] == null) {
                    String state = present.get(key.index()) ? "null" : "absent";
                    return reject(RejectCode.MISSING_KEY, "key column " + Messages.quote(key.name()) + " is " + state);
                }
            }
            int version = schema.versionColumn();
            if (requireVersion && values[version] == null) {
                String state = present.get(version) ? "null" : "absent";
                String name = schema.columns().get(version).name();
                return reject(
                        RejectCode.MISSING_REQUIRED,
                        "version column " + Messages.quote(name) + " is " + state + ", and update-if-newer needs it");
            }
            return new Row(number, values, present, bytes);
        }

        /** A JSON value that is not an object; still read to its end, so that broken JSON says so. */
        private Reject notAnObject(JsonToken first) {
            if (first == null) {
                return invalidJson(number, bytes, "No JSON value in the line");
            }
            String got = Messages.got(parser);
            parser.skipChildren();
            if (parser.nextToken() != null) {
                return invalidJson(number, bytes, "Trailing content after the JSON value at column " + column());
            }
            return new Reject(number, RejectCode.NOT_AN_OBJECT, "expected a JSON object, got " + got, null, bytes);
        }

        private Reject duplicate(String name) {
            return invalidJson(number, bytes, "Duplicate field " + Messages.quote(name) + " at column " + column());
        }

        private Reject reject(RejectCode code, String message) {
            return new Reject(number, code, message, key(), bytes);
        }

        /** The key by column name when every key value was read, else null. */
        private @Nullable Map<String, Object> key() {
            Map<String, Object> key = new LinkedHashMap<>();
            for (Column column : keyColumns) {
                Object value = values[column.index()];
                if (value == null) {
                    return null;
                }
                key.put(column.name(), value);
            }
            return key;
        }

        private long column() {
            return parser.currentTokenLocation().getColumnNr();
        }
    }
}
