/**
 * The demo's own PostgreSQL: with the {@code demo} profile, no database URL configured and nothing
 * answering at the default address, Tally starts an embedded server whose data is kept between runs.
 * Outside that case it does nothing, so a configured database that cannot be reached stays a start-up
 * error.
 */
@NullMarked
@ApplicationModule(allowedDependencies = {"system"})
package dev.tally.demo;

import org.jspecify.annotations.NullMarked;
import org.springframework.modulith.ApplicationModule;
