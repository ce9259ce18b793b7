package dev.tally.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
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
    void amongManyKeysOneSharedKeyIsFoundAndDisjointSetsAreNot() {
        KeyGate gate = new KeyGate();
        KeyGate.Claim first = gate.claim(range(0, 10_000));
        StepVerifier.create(gate.claim(range(10_000, 20_000)).ready()).verifyComplete();
        Set<Object> oneShared = new HashSet<>(range(20_000, 30_000));
        oneShared.add(9_999L);

        StepVerifier.create(gate.claim(oneShared).ready())
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(50))
                .then(() -> gate.release(first))
                .verifyComplete();
    }

    @Test
    void aChunkWithoutKeysStartsAtOnceAndHoldsASmallBitmap() {
        KeyGate gate = new KeyGate();
        gate.claim(Set.of(1));
        KeyGate.Claim none = gate.claim(Set.of());

        StepVerifier.create(none.ready()).verifyComplete();
        assertThat(none.bits().words()).hasSize(1);
    }

    @Test
    void releasedKeysAreForgotten() {
        KeyGate gate = new KeyGate();
        KeyGate.Claim first = gate.claim(Set.of(1, 2, 3));
        KeyGate.Claim second = gate.claim(Set.of(3, 4));
        // Key 3 is held twice: by the first chunk, and by the second, which waits for it.
        assertThat(gate.heldKeys()).isEqualTo(5);

        gate.release(first);
        assertThat(gate.heldKeys()).isEqualTo(2);
        gate.release(second);
        assertThat(gate.heldKeys()).isZero();
    }

    private static Set<Object> range(long from, long to) {
        return LongStream.range(from, to).boxed().collect(Collectors.toSet());
    }
}
