package dev.tally.system;

import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import reactor.core.publisher.Hooks;

/**
 * Errors that arrive after the operation they belong to has ended, which Reactor drops and by
 * default logs as an ERROR. When a database restarts, the driver and the pool report the broken
 * connections of operations already ended or given up (a connection closing, a listener being
 * replaced) that way, though nothing was lost: what those operations did is handled where they
 * ended. Such a connection's loss is logged as a warning; any other dropped error stays an ERROR.
 */
@Component
class DroppedErrors {

    private static final Logger log = LoggerFactory.getLogger(DroppedErrors.class);

    // Reactor's hook is global and adds up: installed once per JVM, whatever the contexts.
    private static final AtomicBoolean INSTALLED = new AtomicBoolean();

    DroppedErrors() {
        if (INSTALLED.compareAndSet(false, true)) {
            Hooks.onErrorDropped(DroppedErrors::dropped);
        }
    }

    static void dropped(Throwable error) {
        if (ConnectionLoss.is(error)) {
            log.warn("A connection failed after its operation had ended: {}", error.toString());
        } else {
            log.error("An error arrived after its operation had ended", error);
        }
    }
}
