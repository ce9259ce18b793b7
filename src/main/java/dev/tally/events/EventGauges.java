package dev.tally.events;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.stereotype.Component;

/** The gauge read from this instance's job subscriptions when scraped. */
@Component
class EventGauges implements MeterBinder {

    private final JobSubscriptions subscriptions;

    EventGauges(JobSubscriptions subscriptions) {
        this.subscriptions = subscriptions;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("tally.subscribers.active", subscriptions, JobSubscriptions::active)
                .description("Subscribers to GET /v1/jobs/{id}/events on this instance")
                .register(registry);
    }
}
