/**
 * Turns a request body's bytes into numbered lines: undoing its content encoding (gzip, streamed in
 * bounded memory), splitting on {@code \n}, dropping blank lines while still counting them, and
 * cutting lines over the size limit down to their head. It is pure Reactor with no Spring beans,
 * honours downstream demand, and releases every buffer it receives, on completion, error and cancel
 * alike.
 */
@NullMarked
@ApplicationModule(allowedDependencies = {})
package dev.tally.ndjson;

import org.jspecify.annotations.NullMarked;
import org.springframework.modulith.ApplicationModule;
