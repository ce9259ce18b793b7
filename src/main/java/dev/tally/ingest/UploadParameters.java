package dev.tally.ingest;

import dev.tally.dataset.ConflictPolicy;
import dev.tally.dataset.Dataset;
import dev.tally.job.JobSettings;
import dev.tally.system.Problems;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpStatus;

/** The upload's query parameters, checked and defaulted; a bad one is a 400 naming it. */
final class UploadParameters {

    private UploadParameters() {}

    static JobSettings settings(
            Dataset dataset,
            @Nullable String onConflict,
            @Nullable String chunkSize,
            @Nullable String maxRejects,
            @Nullable String atomic,
            @Nullable String dryRun,
            @Nullable String unknownFields,
            @Nullable String idempotencyKey,
            int defaultChunkSize) {
        ConflictPolicy policy = onConflict == null
                ? ConflictPolicy.SKIP
                : ConflictPolicy.fromWireName(onConflict)
                        .orElseThrow(() -> Problems.badParameter(
                                "onConflict",
                                "onConflict must be skip, update, update-if-newer or fail, not '%s'"
                                        .formatted(onConflict)));
        if (!dataset.allows(policy)) {
            throw Problems.of(
                    HttpStatus.CONFLICT,
                    "Policy not allowed",
                    "Dataset %s allows onConflict %s; %s needs a version column"
                            .formatted(
                                    dataset.name(),
                                    dataset.policies().stream()
                                            .map(ConflictPolicy::wireName)
                                            .collect(Collectors.joining(", ")),
                                    policy.wireName()));
        }
        int size = chunkSize == null ? defaultChunkSize : (int) number("chunkSize", chunkSize, 1, 10_000);
        Long rejects = maxRejects == null ? null : number("maxRejects", maxRejects, 0, Long.MAX_VALUE);
        boolean isAtomic = bool("atomic", atomic);
        boolean isDryRun = bool("dryRun", dryRun);
        if (unknownFields != null && !unknownFields.equals("reject") && !unknownFields.equals("ignore")) {
            throw Problems.badParameter(
                    "unknownFields", "unknownFields must be reject or ignore, not '%s'".formatted(unknownFields));
        }
        return new JobSettings(
                dataset.name(),
                policy,
                size,
                rejects,
                isAtomic,
                isDryRun,
                "ignore".equals(unknownFields),
                // A dry run keeps nothing, so its key stays free for the real upload.
                isDryRun ? null : idempotencyKey);
    }

    private static long number(String name, String value, long min, long max) {
        try {
            long parsed = Long.parseLong(value);
            if (parsed >= min && parsed <= max) {
                return parsed;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw Problems.badParameter(
                name,
                "%s must be a whole number from %d to %s, not '%s'"
                        .formatted(name, min, max == Long.MAX_VALUE ? "any" : max, value));
    }

    private static boolean bool(String name, @Nullable String value) {
        if (value == null || value.equals("false")) {
            return false;
        }
        if (value.equals("true")) {
            return true;
        }
        throw Problems.badParameter(name, "%s must be true or false, not '%s'".formatted(name, value));
    }
}
