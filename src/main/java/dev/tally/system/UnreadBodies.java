package dev.tally.system;

import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Keeps a connection usable after an error answered before the request's body was read (401, 403,
 * 404, 413, 415, 429 …). Reactor Netty reads and discards such a body once the answer is sent, so
 * that the next request on the connection starts where it should. That is cheap for a small body
 * and keeps the connection alive, as Tomcat's swallowing does; a refused upload can however be
 * gigabytes, or of a length no header announces (chunked), so beyond {@link #MAX_DISCARDED_BYTES}
 * the answer says {@code Connection: close} and Reactor Netty closes that one connection instead of
 * reading the rest. Successful answers are never touched: an upload's events start before its body
 * has been read.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class UnreadBodies implements WebFilter {

    /** A refused body up to this size is read and discarded; a larger one closes its connection. */
    static final long MAX_DISCARDED_BYTES = 1024 * 1024;

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        ServerHttpRequest request = exchange.getRequest();
        if (!hasBody(request.getHeaders())) {
            return chain.filter(exchange);
        }
        AtomicBoolean read = new AtomicBoolean();
        ServerHttpRequest watched = new ServerHttpRequestDecorator(request) {
            @Override
            public Flux<DataBuffer> getBody() {
                return super.getBody().doOnSubscribe(subscription -> read.set(true));
            }
        };
        exchange.getResponse().beforeCommit(() -> {
            HttpStatusCode status = exchange.getResponse().getStatusCode();
            if (!read.get() && status != null && status.isError() && !cheapToDiscard(request.getHeaders())) {
                exchange.getResponse().getHeaders().set(HttpHeaders.CONNECTION, "close");
            }
            return Mono.empty();
        });
        return chain.filter(exchange.mutate().request(watched).build());
    }

    private static boolean hasBody(HttpHeaders headers) {
        return headers.getContentLength() > 0 || headers.containsHeader(HttpHeaders.TRANSFER_ENCODING);
    }

    private static boolean cheapToDiscard(HttpHeaders headers) {
        long length = headers.getContentLength();
        return !headers.containsHeader(HttpHeaders.TRANSFER_ENCODING) && length >= 0 && length <= MAX_DISCARDED_BYTES;
    }
}
