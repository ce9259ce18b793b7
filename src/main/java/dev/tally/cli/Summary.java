package dev.tally.cli;

import static dev.tally.cli.ProgressLine.number;

import java.util.Locale;
import tools.jackson.databind.JsonNode;

/** The text printed on stdout when a job has ended: its status, every count, and its error. */
final class Summary {

    private Summary() {}

    static String of(JobEnd end) {
        JsonNode data = end.end().data();
        Progress progress = end.progress();
        Totals totals = end.totals();
        StringBuilder text = new StringBuilder();
        text.append("Job ").append(Json.text(data, "job")).append(' ').append(end.status());
        if (!progress.dataset().isEmpty()) {
            text.append(" (dataset ").append(progress.dataset()).append(')');
        }
        text.append('\n');
        count(text, "received", totals.received());
        count(text, "inserted", totals.inserted());
        count(text, "updated", totals.updated());
        count(text, "unchanged", totals.unchanged());
        count(text, "skipped", totals.skipped());
        count(text, "rejected", totals.rejected());
        long chunks = Json.count(data, "chunks");
        text.append(String.format(
                Locale.ROOT,
                "  %-10s %s, %d chunk%s in %.2f s, %s rows/s%n",
                "lines",
                number(progress.lines()),
                chunks,
                chunks == 1 ? "" : "s",
                Json.count(data, "durationMs") / 1000.0,
                number(Math.round(data.path("rowsPerSecond").asDouble(0)))));
        JsonNode error = end.error();
        if (error.isObject()) {
            text.append("  error      ").append(Json.text(error, "code"));
            if (error.hasNonNull("line")) {
                text.append(" at line ").append(error.get("line").asLong());
            }
            text.append(": ").append(Json.text(error, "message")).append('\n');
        }
        if (data.has("committed") && !data.path("committed").asBoolean(true)) {
            text.append("  ").append(nothingKept(progress)).append('\n');
        }
        return text.toString();
    }

    /** Why an uncommitted job kept nothing, as its settings tell. */
    private static String nothingKept(Progress progress) {
        if (progress.dryRun()) {
            return "nothing was kept: this was a dry run, whose outcomes are rolled back";
        }
        if (progress.atomic()) {
            return "nothing was kept: the atomic upload did not complete, so all of it was rolled back";
        }
        return "nothing was kept";
    }

    private static void count(StringBuilder text, String name, long count) {
        text.append(String.format(Locale.ROOT, "  %-10s %s%n", name, number(count)));
    }
}
