package dev.tally.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

class KeyGateTests {

    @Test
    void disjointChunksStartAtOnce() {
        KeyGate gate = new KeyGate();
        gate.claim(Set.of(1, 2));

        StepVerifier.create(gate.claim(Set.of(3, 4)).ready()).verifyComplete();
    }

    @Test
    void aChunkSharingAKeyWaitsForTheEarlierOne() {
        KeyGate gate = new KeyGate();
        KeyGate.Claim first = gate.claim(Set.of(1, 2));
        KeyGate.Claim second = gate.claim(Set.of(2, 3));

        StepVerifier.create(second.ready())
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(50))
                .then(() -> gate.release(first))
                .verifyComplete();
    }

    @Test
    void aChunkWaitsForEveryEarlierChunkItOverlaps() {
        KeyGate gate = new KeyGate();
        KeyGate.Claim first = gate.claim(Set.of(1));
        KeyGate.Claim second = gate.claim(Set.of(2));
        KeyGate.Claim third = gate.claim(Set.of(1, 2));

        StepVerifier.create(third.ready())
                .expectSubscription()
                .then(() -> gate.release(first))
                .expectNoEvent(Duration.ofMillis(50))
                .then(() -> gate.release(second))
                .verifyComplete();
    }

    @Test
    void aChainOfOverlapsWaitsOnlyForTheLatestHolder() {
        KeyGate gate = new KeyGate();
        KeyGate.Claim first = gate.claim(Set.of(1));
        KeyGate.Claim second = gate.claim(Set.of(1));
        KeyGate.Claim third = gate.claim(Set.of(1));

        gate.release(first);
        StepVerifier.create(second.ready()).verifyComplete();
        StepVerifier.create(third.ready())
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(50))
                .then(() -> gate.release(second))
                .verifyComplete();
    }

    @Test
    void releasedKeysAreForgotten() {
        KeyGate gate = new KeyGate();
        KeyGate.Claim first = gate.claim(Set.of(1, 2, 3));
        KeyGate.Claim second = gate.claim(Set.of(3, 4));
        assertThat(gate.heldKeys()).isEqualTo(4);

        gate.release(first);
        assertThat(gate.heldKeys()).isEqualTo(2);
        gate.release(second);
        assertThat(gate.heldKeys()).isZero();
    }
}
