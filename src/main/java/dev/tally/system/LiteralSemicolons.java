package dev.tally.system;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Takes a {@code ;} in the request path as a character of its segment. WebFlux would read it as
 * the start of matrix variables and drop the rest of the segment, so {@code /v1/datasets/things;DROP
 * TABLE things/records} wrote to {@code things} and {@code /v1/jobs/<id>;x} named that job. No
 * route uses matrix variables: as {@code %3B}, the whole segment is the dataset name or job id,
 * and an unknown one is a 404 naming it. First of the filters, so that every later one sees the
 * same path.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class LiteralSemicolons implements WebFilter {

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String path = exchange.getRequest().getPath().value();
        if (path.indexOf(';') < 0) {
            return chain.filter(exchange);
        }
        return chain.filter(exchange.mutate()
                .request(request -> request.path(path.replace(";", "%3B")))
                .build());
    }
}
