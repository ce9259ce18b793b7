/**
 * The browser dashboard: static files under {@code src/main/resources/static} (served at {@code /}) that
 * read the API with the signed-in token, and the headers that confine those files. It adds no endpoint:
 * the dashboard sees exactly what its token may read through {@code /v1}.
 */
@NullMarked
@ApplicationModule(allowedDependencies = {})
package dev.tally.dashboard;

import org.jspecify.annotations.NullMarked;
import org.springframework.modulith.ApplicationModule;
