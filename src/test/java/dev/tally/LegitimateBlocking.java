package dev.tally;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/** The blocking calls that may happen on a non-blocking thread, each with the reason it may. */
final class LegitimateBlocking implements BlockHoundIntegration {

    @Override
    public void applyTo(BlockHound.Builder builder) {
        // A job id: SecureRandom reads /dev/urandom, which never waits for entropy, in 32-byte refills.
        // Tolerated, not wanted: ingest.Uploads makes it on the event loop (to move after the merge).
        builder.allowBlockingCallsInside("java.util.UUID", "randomUUID");
    }
}
