/**
 * Who may do what: bearer tokens, stored as SHA-256 hashes in the properties or in the table
 * {@code tally.token}, each with scopes {@code write:<dataset>}, {@code read:<dataset>} or
 * {@code admin}. A request to the API without a known token gets 401; one whose token lacks the
 * scope, 403; a job is visible only to tokens that can read its dataset.
 */
@NullMarked
@ApplicationModule(allowedDependencies = {"system"})
package dev.tally.access;

import org.jspecify.annotations.NullMarked;
import org.springframework.modulith.ApplicationModule;
