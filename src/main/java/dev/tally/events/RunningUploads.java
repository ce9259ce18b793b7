package dev.tally.events;

import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The uploads running on this instance, as the events need them: to follow a job from its upload
 * rather than from its ledger, and to mark its row alive. Implemented by whoever runs uploads, so
 * that the events depend on no upload.
 */
public interface RunningUploads {

    /** The jobs whose uploads run on this instance. */
    Set<UUID> runningJobs();

    /** Follows the job's upload when it runs on this instance ({@link Followers#follow}). */
    Optional<Follow> follow(UUID job, long after);
}
