package dev.tally.dataset;

/** Identifier quoting for names that come from the catalog; values are always bind parameters. */
public final class Sql {

    private Sql() {}

    public static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
