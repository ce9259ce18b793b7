/**
 * The terminal client {@code tally upload | watch | jobs}: it speaks the HTTP API through {@link
 * dev.tally.client.TallyClient} like any other client, depends on no other package of the service,
 * and starts without Spring. An upload sends the
 * file while it reads the job's events, so the progress shown is what has committed, not what has
 * been sent.
 */
@NullMarked
@ApplicationModule(allowedDependencies = {"client"})
package dev.tally.cli;

import org.jspecify.annotations.NullMarked;
import org.springframework.modulith.ApplicationModule;
