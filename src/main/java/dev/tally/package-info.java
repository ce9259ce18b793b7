/**
 * Tally's entry point: {@link dev.tally.TallyApplication} starts either the terminal client or the
 * service. Every package beneath is one capability; the ones marked {@code @NullMarked} promise that a
 * type without {@code @Nullable} is never null, and the compiler (NullAway) holds them to it.
 */
@NullMarked
package dev.tally;

import org.jspecify.annotations.NullMarked;
