package dev.tally;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/** The blocking calls that may happen on a non-blocking thread, each with the reason it may. */
final class LegitimateBlocking implements BlockHoundIntegration {

    @Override
    public void applyTo(BlockHound.Builder builder) {
        // Cancelling a periodic task (ingest.IdleClient's clock, when the body ends on the event loop)
        // may park briefly on the timer queue's lock. Reactor's own integration allows this for
        // WorkerTask and SchedulerTask but not for PeriodicWorkerTask, the same lock's third caller.
        // (A job id, which reads SecureRandom, is made off the event loop instead: ingest.Uploads.)
        builder.allowBlockingCallsInside("reactor.core.scheduler.PeriodicWorkerTask", "dispose");
        // Jackson builds a type's deserializer once, on its first use, under a lock; two event loops
        // reading the same type for the first time at once (the first keys of skipped rows, in two
        // uploads) may park on it, once per JVM. Its cached deserializers are read without the lock.
        builder.allowBlockingCallsInside(
                "tools.jackson.databind.deser.DeserializerCache", "_createAndCacheValueDeserializer");
    }
}
