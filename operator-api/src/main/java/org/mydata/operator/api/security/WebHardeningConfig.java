package org.mydata.operator.api.security;

import jakarta.servlet.DispatcherType;
import org.apache.catalina.core.StandardHost;
import org.mydata.operator.api.config.OperatorProperties;
import org.mydata.operator.api.errors.ErrorDocuments;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.mydata.operator.gateway.PublicBaseUrl;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletContextInitializer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;

/**
 * The operator's public origin and what follows from it: absolute URLs, Secure cookies and HSTS behind TLS.
 * TLS is taken from the public base URL's scheme: {@code https} means clients reach the operator over TLS
 * (terminated here or at a proxy in front), so cookies are Secure and HSTS is sent.
 */
@Configuration(proxyBeanMethods = false)
public class WebHardeningConfig {

    /**
     * The configured {@code operator.public-base-url}, or {@code http://localhost:<port>} for the embedded
     * default, its port read once the server listens (a random one in tests).
     */
    @Bean
    PublicBaseUrl publicBaseUrl(OperatorProperties properties, Environment environment) {
        if (properties.publicBaseUrl() != null && !properties.publicBaseUrl().isBlank()) {
            return PublicBaseUrl.of(properties.publicBaseUrl());
        }
        return PublicBaseUrl.later(() -> "http://localhost:" + environment.getProperty("local.server.port",
                environment.getProperty("server.port", "8080")));
    }

    /** After Spring's forwarded-header filter (when enabled), before everything else. */
    @Bean
    FilterRegistrationBean<PublicOriginFilter> publicOriginFilter(PublicBaseUrl publicBaseUrl) {
        FilterRegistrationBean<PublicOriginFilter> registration =
                new FilterRegistrationBean<>(new PublicOriginFilter(publicBaseUrl));
        registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 1);
        registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.ERROR, DispatcherType.FORWARD,
                DispatcherType.ASYNC);
        return registration;
    }

    /** Tomcat marks its session cookie by the connection it came in on; behind a TLS proxy that is plain HTTP. */
    @Bean
    ServletContextInitializer secureSessionCookie(PublicBaseUrl publicBaseUrl, OperatorProperties properties) {
        return servletContext -> {
            if (properties.publicBaseUrl() != null && publicBaseUrl.https()) {
                servletContext.getSessionCookieConfig().setSecure(true);
            }
        };
    }

    /** Tomcat's own error reports (a malformed URL, a refused method) in the operator's formats too. */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> problemErrorReports() {
        return factory -> factory.addContextCustomizers(context -> {
            if (context.getParent() instanceof StandardHost host) {
                host.setErrorReportValveClass(ProblemErrorReportValve.class.getName());
            }
        });
    }

    /**
     * What Spring Security's firewall refuses (a {@code ;jsessionid=} or encoded slash in the URL, an unknown
     * method, a header it does not trust): 400 with a problem document, or an OperationOutcome on the gateway;
     * on the citizen pages, the error page in the person's language (the error dispatch renders it).
     */
    @Bean
    RequestRejectedHandler requestRejectedHandler() {
        return (request, response, rejected) -> {
            String path = request.getRequestURI();
            String context = request.getContextPath();
            if (path != null && !context.isEmpty() && path.startsWith(context)) {
                path = path.substring(context.length());
            }
            if (org.mydata.operator.api.errors.CitizenPageErrors.isPagePath(path)) {
                response.resetBuffer();
                response.sendError(400);
                return;
            }
            response.resetBuffer();
            response.setStatus(400);
            response.setContentType(ErrorDocuments.contentType(path));
            response.getOutputStream().write(ErrorDocuments.body(path, 400, ErrorDocuments.detail(400)));
        };
    }
}
