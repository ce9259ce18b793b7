/**
 * What every capability relies on: validated {@code tally.*} settings, the database made ready at
 * start-up (created, migrated) with one clear line when it cannot be reached, and problem responses.
 */
@NullMarked
@ApplicationModule(allowedDependencies = {})
package dev.tally.system;

import org.jspecify.annotations.NullMarked;
import org.springframework.modulith.ApplicationModule;
