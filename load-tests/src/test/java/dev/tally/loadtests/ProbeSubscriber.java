package dev.tally.loadtests;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One more subscriber, on the JDK's HTTP client in a thread of its own, joining after Gatling's: its
 * events are time-stamped as they are read, not after Gatling's event loops get to them. When the
 * Gatling subscribers' figures are much worse than this one's, the time went in the load generator.
 */
final class ProbeSubscriber {

    /** The probe's number in the report, apart from Gatling's 0..S-1. */
    static final int NUMBER = -1;

    private ProbeSubscriber() {}

    static CompletableFuture<Subscription> follow(String baseUrl, String job, long lines) {
        long connectedAt = System.currentTimeMillis();
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/v1/jobs/" + job + "/events"))
                .header("Authorization", ApiToken.BEARER)
                .header("Accept", "text/event-stream")
                .build();
        return HttpClient.newHttpClient()
                .sendAsync(request, HttpResponse.BodyHandlers.ofLines())
                .thenApply(response -> {
                    List<UploadLog.Event> events = EventLines.read(response.body());
                    UploadLog.Event last = EventLines.last(events);
                    List<UploadLog.Event> before = last == null ? events : events.subList(0, events.size() - 1);
                    return Subscription.check(NUMBER, connectedAt, job, before, last, lines);
                });
    }
}
