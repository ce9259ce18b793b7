package dev.tally.ingest;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.stereotype.Component;

/** The gauge read from this instance's running uploads when scraped. */
@Component
class IngestGauges implements MeterBinder {

    private final Uploads uploads;

    IngestGauges(Uploads uploads) {
        this.uploads = uploads;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("tally.jobs.active", uploads, running -> running.runningJobs()
                        .size())
                .description("Uploads running on this instance")
                .register(registry);
    }
}
