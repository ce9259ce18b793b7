package dev.tally.testing;

import java.util.function.BooleanSupplier;

/** Waiting in a test for what another thread or process brings about. */
public final class Waits {

    private Waits() {}

    /** Waits for the condition, asking every 20 ms, and fails after 30 s. */
    public static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("still not so after 30 s");
            }
            sleep(20);
        }
    }

    /** Sleeps; an interrupt fails the test. */
    public static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting", e);
        }
    }
}
