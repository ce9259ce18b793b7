package dev.tally;

import dev.tally.cli.TallyCli;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication
public class TallyApplication {

    public static void main(String[] args) {
        // The terminal client starts in a fraction of the service's time: no Spring at all.
        if (!TallyCli.startsService(args)) {
            TallyCli.main(args);
            return;
        }
        SpringApplication.run(TallyApplication.class, TallyCli.serviceArguments(args));
    }
}
