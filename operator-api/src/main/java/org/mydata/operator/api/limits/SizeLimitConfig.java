package org.mydata.operator.api.limits;

import org.mydata.operator.api.config.OperatorProperties;
import org.springframework.boot.tomcat.TomcatConnectorCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import tools.jackson.databind.json.JsonMapper;

/** {@code operator.limits.max-request-size}: one bound on request bodies, enforced first (docs/api.md, Limits). */
@Configuration(proxyBeanMethods = false)
public class SizeLimitConfig {

    @Bean
    FilterRegistrationBean<RequestSizeLimit> requestSizeLimit(OperatorProperties properties, JsonMapper json) {
        FilterRegistrationBean<RequestSizeLimit> registration = new FilterRegistrationBean<>(
                new RequestSizeLimit(properties.limits().maxRequestSize().toBytes(), json));
        registration.addUrlPatterns("/*");
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
        return registration;
    }

    /**
     * Tomcat parses form bodies itself, outside the filter's counted stream: the same bound applies there, and
     * {@code operator.limits.max-parameter-count} bounds how many parameters it parses.
     */
    @Bean
    TomcatConnectorCustomizer formSizeLimit(OperatorProperties properties) {
        int max = (int) Math.min(Integer.MAX_VALUE, properties.limits().maxRequestSize().toBytes());
        return connector -> {
            connector.setMaxPostSize(max);
            connector.setMaxParameterCount(properties.limits().maxParameterCount());
        };
    }
}
