package dev.tally.system;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.r2dbc.postgresql.client.EncodedParameter;
import io.r2dbc.postgresql.codec.Codec;
import io.r2dbc.postgresql.message.Format;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

/** Binds {@link BinaryArray}s in binary format; encode only, it never decodes. */
final class BinaryArrayCodec implements Codec<BinaryArray> {

    @Override
    public boolean canDecode(int dataType, Format format, Class<?> type) {
        return false;
    }

    @Override
    public boolean canEncode(Object value) {
        return value instanceof BinaryArray;
    }

    @Override
    public boolean canEncodeNull(Class<?> type) {
        return false;
    }

    @Override
    public BinaryArray decode(
            @Nullable ByteBuf buffer, int dataType, Format format, Class<? extends BinaryArray> type) {
        throw new UnsupportedOperationException("BinaryArray is a parameter type only");
    }

    @Override
    public EncodedParameter encode(Object value) {
        BinaryArray array = (BinaryArray) value;
        // A new buffer per subscription: a retried statement sends the bytes again.
        return new EncodedParameter(
                Format.FORMAT_BINARY, array.oid(), Mono.fromSupplier(() -> Unpooled.wrappedBuffer(array.bytes())));
    }

    @Override
    public EncodedParameter encode(Object value, int dataType) {
        return encode(value);
    }

    @Override
    public EncodedParameter encodeNull() {
        throw new UnsupportedOperationException("a BinaryArray is never null");
    }
}
