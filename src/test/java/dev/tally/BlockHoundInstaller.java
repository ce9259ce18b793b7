package dev.tally;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;

/**
 * Installs BlockHound once per test JVM when {@code tally.blockhound} is true, as failsafe sets it for
 * the integration tests: from then on a blocking call on an event-loop or other non-blocking Reactor
 * thread throws {@link BlockingOperationError} where it is made, so the request or test around it
 * fails. The allowances are in {@link LegitimateBlocking}.
 */
public final class BlockHoundInstaller implements LauncherSessionListener {

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        String mode = System.getProperty("tally.blockhound", "false");
        if (mode.equals("false")) {
            return;
        }
        BlockHound.Builder builder = BlockHound.builder().loadIntegrations(new LegitimateBlocking());
        if (mode.equals("report")) {
            builder.blockingMethodCallback(method -> new BlockingOperationError(method).printStackTrace());
        }
        builder.install();
    }
}
