package dev.tally.system;

import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Closes the connection after an error answered before the request's body was read (401, 403, 404,
 * 409, 415 to an upload). Reactor Netty left the unread rest of the body on the kept-alive
 * connection, where it was taken for the start of the next request: that one got a 400, or no
 * answer at all. With {@code Connection: close} the client sends the next request on a new
 * connection.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class UnreadBodies implements WebFilter {

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        ServerHttpRequest request = exchange.getRequest();
        HttpHeaders headers = request.getHeaders();
        if (headers.getContentLength() <= 0 && !headers.containsHeader(HttpHeaders.TRANSFER_ENCODING)) {
            return chain.filter(exchange);
        }
        AtomicBoolean read = new AtomicBoolean();
        exchange.getResponse().beforeCommit(() -> {
            if (!read.get()
                    && exchange.getResponse().getStatusCode() != null
                    && exchange.getResponse().getStatusCode().isError()) {
                exchange.getResponse().getHeaders().set(HttpHeaders.CONNECTION, "close");
            }
            return Mono.empty();
        });
        return chain.filter(exchange.mutate()
                .request(new ServerHttpRequestDecorator(request) {
                    @Override
                    public Flux<DataBuffer> getBody() {
                        return super.getBody().doOnComplete(() -> read.set(true));
                    }
                })
                .build());
    }
}
