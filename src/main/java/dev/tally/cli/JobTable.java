package dev.tally.cli;

import static dev.tally.cli.ProgressLine.number;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.JsonNode;

/** {@code GET /v1/jobs} as a table, newest first as the service lists them. */
final class JobTable {

    private static final List<String> HEADINGS = List.of(
            "JOB",
            "DATASET",
            "STATUS",
            "STARTED",
            "SECONDS",
            "RECEIVED",
            "INSERTED",
            "UPDATED",
            "UNCHANGED",
            "SKIPPED",
            "REJECTED");
    // The columns from SECONDS on are numbers, aligned right.
    private static final int FIRST_NUMBER = 4;

    private JobTable() {}

    static String of(JsonNode list) {
        List<List<String>> rows = new ArrayList<>();
        rows.add(HEADINGS);
        for (JsonNode job : list.path("jobs")) {
            Totals totals = Totals.of(job.get("totals"));
            String started = Json.text(job, "startedAt");
            rows.add(List.of(
                    Json.text(job, "job"),
                    Json.text(job, "dataset"),
                    Json.text(job, "status"),
                    started.length() > 19 ? started.substring(0, 19).replace('T', ' ') : started,
                    String.format(Locale.ROOT, "%.1f", Json.count(job, "durationMs") / 1000.0),
                    number(totals.received()),
                    number(totals.inserted()),
                    number(totals.updated()),
                    number(totals.unchanged()),
                    number(totals.skipped()),
                    number(totals.rejected())));
        }
        int[] widths = new int[HEADINGS.size()];
        for (List<String> row : rows) {
            for (int i = 0; i < widths.length; i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        StringBuilder table = new StringBuilder();
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < widths.length; i++) {
                String cell = row.get(i);
                String pad = " ".repeat(widths[i] - cell.length());
                line.append(i == 0 ? "" : "  ").append(i >= FIRST_NUMBER ? pad + cell : cell + pad);
            }
            table.append(line.toString().stripTrailing()).append('\n');
        }
        return table.toString();
    }
}
