package dev.tally.system;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.netty.NettyPipeline;

/** The HTTP connections' own rules, beyond Reactor Netty's defaults. */
@Configuration(proxyBeanMethods = false)
class Connections {

    @Bean
    NettyServerCustomizer lingeringClose() {
        return server -> server.doOnChannelInit((observer, channel, remote) -> {
            if (channel.pipeline().get(NettyPipeline.HttpCodec) != null) {
                channel.pipeline().addAfter(NettyPipeline.HttpCodec, "tally.lingeringClose", new LingeringClose());
            }
        });
    }
}
