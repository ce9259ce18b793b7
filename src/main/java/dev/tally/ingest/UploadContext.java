package dev.tally.ingest;

import dev.tally.dataset.Dataset;
import dev.tally.job.JobProgress;
import dev.tally.job.JobSettings;
import dev.tally.system.TallyProperties;
import java.time.Instant;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * What one upload is: its job, the dataset and settings it writes with, the limits it runs under,
 * and where it starts from when it resumes a job.
 *
 * @param bytesTotal the body's length as announced, or null
 * @param before what the job's ledger holds already ({@link JobProgress#NONE} for a new job)
 * @param maxLines tally.limits.max-lines-per-upload: non-blank lines of the whole body, a resumed job's too
 */
record UploadContext(
        UUID id,
        Dataset dataset,
        JobSettings settings,
        TallyProperties.Ingest limits,
        Instant startedAt,
        @Nullable Long bytesTotal,
        JobProgress before,
        long maxLines) {}
