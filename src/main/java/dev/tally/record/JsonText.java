package dev.tally.record;

import dev.tally.dataset.ColumnType;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * Any JSON value to its compact JSON text, for json and jsonb columns. Tokens are copied one by
 * one into a StringBuilder (a JsonGenerator per value cost as much as the rest of the line), and
 * numbers keep their original text, so nothing is rounded through a double on the way.
 */
final class JsonText {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private JsonText() {}

    /**
     * JSON, JSONB → String. Every string and name is checked for what PostgreSQL refuses: an
     * unpaired surrogate anywhere, and {@code \u0000} in jsonb.
     */
    static Object copy(JsonParser parser, ColumnType type) {
        boolean nulAllowed = type.kind() == ColumnType.Kind.JSON;
        String unstorable = null;
        StringBuilder out = new StringBuilder(64);
        boolean needsComma = false;
        int depth = 0;
        JsonToken token = parser.currentToken();
        while (true) {
            if (needsComma && !token.isStructEnd()) {
                out.append(',');
            }
            switch (token) {
                case START_OBJECT -> out.append('{');
                case START_ARRAY -> out.append('[');
                case END_OBJECT -> out.append('}');
                case END_ARRAY -> out.append(']');
                case PROPERTY_NAME, VALUE_STRING -> {
                    String text = parser.getString();
                    if (unstorable == null) {
                        unstorable = Texts.unstorable(text, nulAllowed);
                    }
                    appendQuoted(out, text);
                    if (token == JsonToken.PROPERTY_NAME) {
                        out.append(':');
                    }
                }
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> out.append(parser.getString());
                case VALUE_TRUE -> out.append("true");
                case VALUE_FALSE -> out.append("false");
                case VALUE_NULL -> out.append("null");
                default -> throw new IllegalStateException("unexpected token in a JSON value: " + token);
            }
            depth += token.isStructStart() ? 1 : token.isStructEnd() ? -1 : 0;
            if (depth == 0) {
                break;
            }
            needsComma = !token.isStructStart() && token != JsonToken.PROPERTY_NAME;
            token = parser.nextToken();
        }
        return unstorable == null ? out.toString() : Problem.mismatch(unstorable + " in " + type.sqlType());
    }

    /** A JSON string literal, escaped as Jackson's generator does by default. */
    private static void appendQuoted(StringBuilder out, String text) {
        out.append('"');
        for (int i = 0, n = text.length(); i < n; i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
