package dev.tally.ingest;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.stereotype.Component;

/** The gauges read from this instance's running uploads and job subscriptions when scraped. */
@Component
class IngestGauges implements MeterBinder {

    private final Uploads uploads;
    private final JobSubscriptions subscriptions;

    IngestGauges(Uploads uploads, JobSubscriptions subscriptions) {
        this.uploads = uploads;
        this.subscriptions = subscriptions;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("tally.jobs.active", uploads, running -> running.runningJobs()
                        .size())
                .description("Uploads running on this instance")
                .register(registry);
        Gauge.builder("tally.subscribers.active", subscriptions, JobSubscriptions::active)
                .description("Subscribers to GET /v1/jobs/{id}/events on this instance")
                .register(registry);
    }
}
