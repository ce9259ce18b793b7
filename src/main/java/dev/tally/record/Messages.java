package dev.tally.record;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.TokenStreamLocation;

/** Wording shared by reject messages: quoting what the client sent, naming what a token is. */
final class Messages {

    /** Longest excerpt of client text quoted in a message; a message must stay a one-liner. */
    private static final int MAX_QUOTED = 64;

    private Messages() {}

    /** The text in double quotes, escaped like JSON and cut short when long. */
    static String quote(String text) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), MAX_QUOTED) + 8).append('"');
        int end = Math.min(text.length(), MAX_QUOTED);
        for (int i = 0; i < end; i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20 || Character.isSurrogate(c)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append(end < text.length() ? "…\"" : "\"").toString();
    }

    /**
     * Control characters as {@code \\uXXXX}: Jackson quotes the client's bytes in some messages
     * (an unrecognised token), and PostgreSQL's text cannot hold a NUL.
     */
    private static String escapeControls(String message) {
        StringBuilder out = new StringBuilder(message.length());
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            out.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return out.toString();
    }

    /** A number's text as sent, cut short when long. */
    static String number(String text) {
        return text.length() <= MAX_QUOTED ? text : text.substring(0, MAX_QUOTED) + "…";
    }

    /** What the current token is, for "expected …, got …". */
    static String got(JsonParser parser) {
        JsonToken token = parser.currentToken();
        return switch (token) {
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_NULL -> "null";
            default -> token.name();
        };
    }

    /**
     * Jackson's own message without its source-location suffix, which names no source here and
     * repeats what the column says: {@code Unexpected character ('x' (code 120)): … at column 8}.
     */
    static String jsonError(JacksonException e) {
        String message = e.getOriginalMessage() == null ? "invalid JSON" : e.getOriginalMessage();
        int cut = message.indexOf(" (start marker at ");
        if (cut < 0) {
            cut = message.indexOf(" at [Source:");
        }
        if (cut < 0) {
            cut = message.indexOf("[Source:");
        }
        if (cut >= 0) {
            message = message.substring(0, cut);
        }
        int from = message.indexOf(", from `"); // names a Jackson setting the client cannot change
        int to = from < 0 ? -1 : message.indexOf('`', from + 8);
        if (to > 0) {
            message = message.substring(0, from) + message.substring(to + 1);
        }
        message = escapeControls(message.replace('\n', ' ').strip());
        TokenStreamLocation location = e.getLocation();
        return location != null && location.getColumnNr() > 0
                ? message + " at column " + location.getColumnNr()
                : message;
    }
}
