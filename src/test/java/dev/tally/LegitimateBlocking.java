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
    }
}
