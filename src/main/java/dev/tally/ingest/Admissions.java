package dev.tally.ingest;

import dev.tally.system.Problems;
import dev.tally.system.TallyProperties;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.web.ErrorResponseException;

/**
 * Counts the uploads running on this instance, per dataset and per caller, and refuses one over
 * {@code tally.limits.max-uploads-per-dataset} or {@code max-uploads-per-token} with 429 and a
 * {@code Retry-After}. Per instance: instances share no counts, so a cluster of n admits n times
 * as many.
 */
final class Admissions {

    /** Uploads run for seconds to minutes: asking again sooner mostly earns another 429. */
    static final Duration RETRY_AFTER = Duration.ofSeconds(5);

    private final int perDataset;
    private final int perCaller;
    private final Map<String, Integer> datasets = new HashMap<>();
    private final Map<String, Integer> callers = new HashMap<>();

    Admissions(TallyProperties.Limits limits) {
        this.perDataset = limits.maxUploadsPerDataset();
        this.perCaller = limits.maxUploadsPerToken();
    }

    /** A place for one more upload of {@code dataset} by {@code caller}, or the 429 that refuses it. */
    synchronized Slot admit(String dataset, String caller) {
        int ofDataset = datasets.getOrDefault(dataset, 0);
        if (ofDataset >= perDataset) {
            throw tooMany(
                    "Too many uploads of this dataset",
                    "Dataset '%s' has %d uploads running on this instance, the most it allows at once; send it again once one has ended"
                            .formatted(dataset, ofDataset));
        }
        int ofCaller = callers.getOrDefault(caller, 0);
        if (ofCaller >= perCaller) {
            throw tooMany(
                    "Too many uploads of this caller",
                    "Caller '%s' has %d uploads running on this instance, the most it allows at once; send it again once one has ended"
                            .formatted(caller, ofCaller));
        }
        datasets.merge(dataset, 1, Integer::sum);
        callers.merge(caller, 1, Integer::sum);
        return new Slot(dataset, caller);
    }

    private static ErrorResponseException tooMany(String title, String detail) {
        return Problems.tooManyRequests(title, detail, RETRY_AFTER);
    }

    private synchronized void release(String dataset, String caller) {
        datasets.computeIfPresent(dataset, (name, count) -> count == 1 ? null : count - 1);
        callers.computeIfPresent(caller, (name, count) -> count == 1 ? null : count - 1);
    }

    /** One admitted upload's place; releasing it twice releases it once. */
    final class Slot {
        private final String dataset;
        private final String caller;
        private final AtomicBoolean released = new AtomicBoolean();

        private Slot(String dataset, String caller) {
            this.dataset = dataset;
            this.caller = caller;
        }

        void release() {
            if (released.compareAndSet(false, true)) {
                Admissions.this.release(dataset, caller);
            }
        }
    }
}
