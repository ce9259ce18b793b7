package dev.tally.upsert;

import org.jspecify.annotations.Nullable;

/** A one-dimensional PostgreSQL array literal, {@code {1,"a b",NULL}}, for an array column's value. */
final class ArrayLiteral {

    private ArrayLiteral() {}

    static String render(@Nullable Object[] elements) {
        StringBuilder literal = new StringBuilder("{");
        for (int i = 0; i < elements.length; i++) {
            if (i > 0) {
                literal.append(',');
            }
            @Nullable Object element = elements[i];
            if (element == null) {
                literal.append("NULL");
            } else {
                // Quoting every element keeps strings such as "NULL", "" or "a,b" intact.
                literal.append('"');
                String text = element.toString();
                for (int c = 0; c < text.length(); c++) {
                    char ch = text.charAt(c);
                    if (ch == '"' || ch == '\\') {
                        literal.append('\\');
                    }
                    literal.append(ch);
                }
                literal.append('"');
            }
        }
        return literal.append('}').toString();
    }
}
