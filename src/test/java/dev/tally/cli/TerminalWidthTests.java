package dev.tally.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TerminalWidthTests {

    @Test
    void anExportedColumnsWinsOverStty() {
        assertThat(TerminalWidth.of(Map.of("COLUMNS", "132"), () -> "24 80\n")).isEqualTo(132);
    }

    @Test
    void withoutColumnsSttySaysIt() {
        assertThat(TerminalWidth.of(Map.of(), () -> "50 40\n")).isEqualTo(40);
        assertThat(TerminalWidth.of(Map.of("COLUMNS", "wide"), () -> "50 200\n"))
                .isEqualTo(200);
    }

    @Test
    void withNeitherItIsEighty() {
        assertThat(TerminalWidth.of(Map.of(), () -> null)).isEqualTo(80);
        assertThat(TerminalWidth.of(Map.of("COLUMNS", "0"), () -> "garbage")).isEqualTo(80);
    }
}
