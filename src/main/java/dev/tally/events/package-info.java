/**
 * A job's events: replayed from its row and ledger, followed live from its upload on this instance or
 * from its ledger (LISTEN/NOTIFY) for one running elsewhere, the liveness that ends jobs whose instance
 * died, and {@code /v1/jobs/{id}/events}. Every subscriber gets each event once, in order, with the ids
 * its uploader saw, and none that does not read holds back the job or the others.
 */
@NullMarked
@ApplicationModule(allowedDependencies = {"access", "job", "system"})
package dev.tally.events;

import org.jspecify.annotations.NullMarked;
import org.springframework.modulith.ApplicationModule;
