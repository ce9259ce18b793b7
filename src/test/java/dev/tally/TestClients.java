package dev.tally;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webtestclient.autoconfigure.WebTestClientBuilderCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.http.HttpHeaders;

/** The injected {@code WebTestClient} sends the admin token, as every other test client does. */
@TestConfiguration(proxyBeanMethods = false)
class TestClients {

    @Bean
    WebTestClientBuilderCustomizer adminToken() {
        return builder -> builder.defaultHeader(HttpHeaders.AUTHORIZATION, TestTokens.bearer());
    }
}
