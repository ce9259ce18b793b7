package dev.tally.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Dependencies point one way, {@code ingest → events → job}: the events know no upload (they reach
 * the running ones through {@link RunningUploads}), and the jobs know neither.
 */
class EventsDependenciesTests {

    private static final Path MAIN = Path.of("src/main/java/dev/tally");

    @Test
    void eventsImportNothingOfTheUpload() throws IOException {
        assertThat(importsOf("events")).isNotEmpty().noneMatch(line -> line.startsWith("import dev.tally.ingest."));
    }

    @Test
    void jobsImportNothingOfTheEventsOrTheUpload() throws IOException {
        assertThat(importsOf("job"))
                .isNotEmpty()
                .noneMatch(line ->
                        line.startsWith("import dev.tally.events.") || line.startsWith("import dev.tally.ingest."));
    }

    private static List<String> importsOf(String pkg) throws IOException {
        try (Stream<Path> files = Files.list(MAIN.resolve(pkg))) {
            return files.filter(file -> file.toString().endsWith(".java"))
                    .flatMap(file -> {
                        try {
                            return Files.readAllLines(file).stream();
                        } catch (IOException e) {
                            throw new IllegalStateException(e);
                        }
                    })
                    .filter(line -> line.startsWith("import "))
                    .toList();
        }
    }
}
