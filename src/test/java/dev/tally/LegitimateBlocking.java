package dev.tally;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/** The blocking calls that may happen on a non-blocking thread, each with the reason it may. */
final class LegitimateBlocking implements BlockHoundIntegration {

    @Override
    public void applyTo(BlockHound.Builder builder) {
        // None for now: even a job id, which reads SecureRandom, is made off the event loop (ingest.Uploads).
    }
}
