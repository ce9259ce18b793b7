package dev.tally.system;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Answers every request with {@code Connection: close}, so that each connection carries one request.
 * Reactor Netty 1.3.7 (Spring Boot 4.1.1's) hangs the next request on a kept-alive connection when it
 * arrived before the previous request's operations ended: it answers the first, then reads nothing
 * more (reactor-netty#4361, fixed in 1.3.8, whose Netty 4.2.19 native jars the registry does not
 * have yet). An error answered before the request's body was read had the same effect: the unread
 * rest of the body was taken for the next request. Tally's requests are long (uploads, event
 * streams) or rare, so a new connection each costs little. Remove once Reactor Netty is 1.3.8.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class OneRequestPerConnection implements WebFilter {

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        exchange.getResponse().beforeCommit(() -> {
            exchange.getResponse().getHeaders().set(HttpHeaders.CONNECTION, "close");
            return Mono.empty();
        });
        return chain.filter(exchange);
    }
}
