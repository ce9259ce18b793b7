package dev.tally;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.DefaultEventLoopGroup;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import reactor.blockhound.BlockingOperationError;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * BlockHound is installed in the integration tests' JVM: a blocking call where none may happen fails.
 * Run through failsafe, which sets {@code tally.blockhound} and the JVM flags BlockHound needs.
 */
class BlockHoundIntegrationTests {

    @Test
    void sleepingOnAParallelSchedulerThreadFails() {
        StepVerifier.create(Mono.fromCallable(BlockHoundIntegrationTests::sleep).subscribeOn(Schedulers.parallel()))
                .expectErrorSatisfies(e -> assertThat(e)
                        .isInstanceOf(BlockingOperationError.class)
                        .hasMessageContaining("java.lang.Thread.sleep"))
                .verify();
    }

    @Test
    void sleepingOnANettyEventLoopFails() throws InterruptedException {
        DefaultEventLoopGroup loop = new DefaultEventLoopGroup(1);
        try {
            assertThatThrownBy(
                            () -> loop.submit(BlockHoundIntegrationTests::sleep).get())
                    .isInstanceOf(ExecutionException.class)
                    .cause()
                    .isInstanceOf(BlockingOperationError.class)
                    .hasMessageContaining("java.lang.Thread.sleep");
        } finally {
            loop.shutdownGracefully(0, 0, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void sleepingOnABoundedElasticThreadIsAllowed() {
        StepVerifier.create(
                        Mono.fromCallable(BlockHoundIntegrationTests::sleep).subscribeOn(Schedulers.boundedElastic()))
                .expectNext("slept")
                .verifyComplete();
    }

    private static String sleep() throws InterruptedException {
        Thread.sleep(1);
        return "slept";
    }
}
