package dev.tally.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class WriteSchedulerTests {

    private final List<String> granted = Collections.synchronizedList(new ArrayList<>());

    private WriteScheduler.Ticket asked(WriteScheduler.Lane lane, String name) {
        WriteScheduler.Ticket ticket = lane.ticket();
        ticket.slot().subscribe(null, null, () -> granted.add(name));
        return ticket;
    }

    /** Upload a asks first for three slots, then b for two: b's first chunk gets a slot before a's third. */
    @Test
    void aFreeSlotGoesToTheUploadHoldingTheFewest() {
        WriteScheduler scheduler = new WriteScheduler(2);
        WriteScheduler.Lane a = scheduler.lane();
        WriteScheduler.Lane b = scheduler.lane();

        WriteScheduler.Ticket a1 = asked(a, "a1");
        WriteScheduler.Ticket a2 = asked(a, "a2");
        asked(a, "a3");
        asked(b, "b1");
        asked(b, "b2");
        assertThat(granted).containsExactly("a1", "a2");

        a1.release();
        assertThat(granted).containsExactly("a1", "a2", "b1");
        a2.release();
        // Now a holds none, b one.
        assertThat(granted).containsExactly("a1", "a2", "b1", "a3");
        assertThat(scheduler.free()).isZero();
    }

    /** Within an upload slots go in chunk order: a later chunk ready first waits for the earlier one. */
    @Test
    void anUploadsChunksGetTheirSlotsInChunkOrder() {
        WriteScheduler scheduler = new WriteScheduler(4);
        WriteScheduler.Lane a = scheduler.lane();
        WriteScheduler.Ticket first = a.ticket(); // waiting for its keys: not asked yet
        asked(a, "a2");
        assertThat(granted).isEmpty();

        first.slot().subscribe(null, null, () -> granted.add("a1"));
        assertThat(granted).containsExactlyInAnyOrder("a1", "a2");
        assertThat(scheduler.free()).isEqualTo(2);
    }

    /** A chunk that ends before its slot came gives up its place; releasing twice releases once. */
    @Test
    void aReleasedTicketGivesUpItsPlaceOrItsSlot() {
        WriteScheduler scheduler = new WriteScheduler(1);
        WriteScheduler.Lane a = scheduler.lane();
        WriteScheduler.Ticket a1 = asked(a, "a1");
        WriteScheduler.Ticket a2 = a.ticket();
        asked(a, "a3");

        a2.release();
        a1.release();
        a1.release();
        assertThat(granted).containsExactly("a1", "a3");
        assertThat(scheduler.free()).isZero();
    }
}
