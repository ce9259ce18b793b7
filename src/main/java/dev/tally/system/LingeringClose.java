package dev.tally.system;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Bounds what a connection reads after its answer was sent before the request's body ended: a
 * refusal (401, 404, 413, 415, 429 …) given before the body was read, or an upload whose job ended
 * early. Reactor Netty reads such a body to its end and throws it away, so that the connection
 * serves the next request; that is right for a small body, and a client still sending sees its
 * whole answer. A refused upload can however be gigabytes, or a client may stop sending and never
 * end its body. So the discarding lasts at most {@link #MAX_TIME} and {@link #MAX_BYTES}; then the
 * connection is closed. A close asked for meanwhile (a client that sent {@code Connection: close})
 * shuts the output at once and waits for the same end. Closing only then, rather than as soon as
 * the answer is sent, is the lingering close of Apache httpd and nginx: a socket closed with unread
 * bytes is reset, and a reset can destroy the answer before a client that is still sending has
 * read it.
 */
final class LingeringClose extends ChannelDuplexHandler {

    static final Duration MAX_TIME = Duration.ofSeconds(5);
    static final long MAX_BYTES = 16 * 1024 * 1024;

    // Requests begun and answers ended on this connection: a pipelined request may begin before the
    // answer to the one before it ends, and only the answer to the latest may find its body unread.
    private long requests;
    private long answers;
    private boolean requestEnded = true;
    private boolean informational;
    private boolean lingering;
    private long discarded;
    private io.netty.util.concurrent.@Nullable ScheduledFuture<?> deadline;
    // A close asked for while lingering (the client sent Connection: close, say): done when it ends.
    private @Nullable ChannelPromise closing;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            requests++;
            requestEnded = false;
        }
        if (msg instanceof HttpContent content && lingering) {
            discarded += content.content().readableBytes();
        }
        // Once closing, nothing above reads any more: what comes is thrown away here.
        boolean closingNow = closing != null;
        if (msg instanceof LastHttpContent) {
            requestEnded = true;
            stopLingering(ctx);
        } else if (lingering && discarded > MAX_BYTES) {
            close(ctx);
        }
        if (closingNow) {
            ReferenceCountUtil.release(msg);
        } else {
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response) {
            // 100 Continue ends in a LastHttpContent too; it answers nothing.
            informational = response.status().codeClass() == HttpStatusClass.INFORMATIONAL;
        }
        if (msg instanceof LastHttpContent && !informational && ++answers == requests && !requestEnded) {
            lingering = true;
            discarded = 0;
            deadline = ctx.executor().schedule(() -> close(ctx), MAX_TIME.toMillis(), TimeUnit.MILLISECONDS);
        }
        ctx.write(msg, promise);
    }

    /**
     * A close while lingering waits for the body's end or the bound: the answer is sent and the
     * output shut, so that the client sees its end, but the rest of the body is still read.
     */
    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (!lingering || closing != null) {
            ctx.close(promise);
            return;
        }
        closing = promise;
        if (ctx.channel() instanceof DuplexChannel duplex) {
            duplex.shutdownOutput();
        }
        ctx.channel().config().setAutoRead(true);
        ctx.read();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        stopLingering(ctx);
        ctx.fireChannelInactive();
    }

    /** The body ended, or the connection did: a close asked for meanwhile is done now. */
    private void stopLingering(ChannelHandlerContext ctx) {
        lingering = false;
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
        ChannelPromise close = closing;
        closing = null;
        if (close != null) {
            ctx.close(close);
        }
    }

    /** The bound was reached: the connection closes, with the close asked for if there was one. */
    private void close(ChannelHandlerContext ctx) {
        ChannelPromise close = closing != null ? closing : ctx.newPromise();
        closing = null;
        stopLingering(ctx);
        ctx.close(close);
    }
}
