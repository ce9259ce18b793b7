package dev.tally.system;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Configuration;

/** Binds and validates the {@code tally.*} settings at start-up. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(TallyProperties.class)
class SystemConfiguration {}
