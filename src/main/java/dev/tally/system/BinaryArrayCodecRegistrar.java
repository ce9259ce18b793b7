package dev.tally.system;

import io.netty.buffer.ByteBufAllocator;
import io.r2dbc.postgresql.api.PostgresqlConnection;
import io.r2dbc.postgresql.codec.CodecRegistry;
import io.r2dbc.postgresql.extension.CodecRegistrar;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;

/** Registers {@link BinaryArrayCodec} with every connection; found by the driver through ServiceLoader. */
public final class BinaryArrayCodecRegistrar implements CodecRegistrar {

    @Override
    public Publisher<Void> register(
            PostgresqlConnection connection, ByteBufAllocator allocator, CodecRegistry registry) {
        registry.addFirst(new BinaryArrayCodec());
        return Mono.empty();
    }
}
