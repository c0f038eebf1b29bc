package org.mydata.operator.api.rest;

import java.time.Clock;
import org.mydata.operator.api.config.OperatorProperties;
import org.mydata.operator.store.IdempotencyKeys;
import org.mydata.operator.store.Transactions;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/** The {@code Idempotency-Key} filter, after Spring Security's (order -100) so it knows the caller. */
@Configuration(proxyBeanMethods = false)
public class IdempotencyConfig {

    @Bean
    IdempotencyKeys idempotencyKeys(Transactions tx) {
        return new IdempotencyKeys(tx);
    }

    @Bean
    FilterRegistrationBean<IdempotencyFilter> idempotencyFilter(IdempotencyKeys keys, Clock clock,
                                                                OperatorProperties properties, JsonMapper json) {
        FilterRegistrationBean<IdempotencyFilter> registration = new FilterRegistrationBean<>(
                new IdempotencyFilter(keys, clock, properties.idempotency().timeToLive(), json,
                        properties.limits().maxRequestSize().toBytes()));
        registration.addUrlPatterns("/api/v1/*");
        registration.setOrder(0);
        return registration;
    }
}
