package org.mydata.operator.api.web;

import org.mydata.operator.api.errors.CitizenPageErrors;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URI;
import org.mydata.operator.api.config.OperatorProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.i18n.LocaleChangeInterceptor;

/**
 * Browser hardening for the citizen pages (who may sign in to them: {@link CitizenSignInConfig}).
 *
 * <p>The pages use no script and load nothing from elsewhere, so their Content Security Policy allows
 * only this origin's style sheet and forms; they cannot be framed (clickjacking) and send no referrer.
 */
@Configuration(proxyBeanMethods = false)
public class CitizenPagesWebConfig implements WebMvcConfigurer {
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'self'; img-src 'self'; "
            + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    private final String contentSecurityPolicy;

    public CitizenPagesWebConfig(OperatorProperties properties) {
        this.contentSecurityPolicy = contentSecurityPolicy(properties);
    }

    /**
     * The pages' policy. With an OpenID Connect provider, signing out (a form) ends in a redirect to the provider's
     * logout endpoint, which browsers hold to {@code form-action} too: its origin is then allowed as well.
     */
    static String contentSecurityPolicy(OperatorProperties properties) {
        URI issuer = properties.pages().signIn().issuerUri();
        if (issuer == null || issuer.getScheme() == null || issuer.getRawAuthority() == null) {
            return CONTENT_SECURITY_POLICY;
        }
        return CONTENT_SECURITY_POLICY.replace("form-action 'self'",
                "form-action 'self' " + issuer.getScheme() + "://" + issuer.getRawAuthority());
    }

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new HandlerInterceptor() {
            @Override
            public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
                response.setHeader("Content-Security-Policy", contentSecurityPolicy);
                response.setHeader("Referrer-Policy", "no-referrer");
                return true;
            }
        }).addPathPatterns("/", "/app", "/app/**");
        // The language switch's links (?lang=fi) on any page; the API and the gateway have no language.
        LocaleChangeInterceptor switchLanguage = new LocaleChangeInterceptor();
        switchLanguage.setParamName(PageLanguages.PARAMETER);
        switchLanguage.setHttpMethods("GET");
        switchLanguage.setIgnoreInvalidLocale(true);
        // Not on the error dispatch either: it would read the form of a refused request (one too large, say).
        registry.addInterceptor(switchLanguage).excludePathPatterns("/api/**", "/fhir/**", "/error");
    }

    /**
     * The pages' languages: the locale resolver (the name Spring MVC looks for) and, for the templates,
     * {@code @languages}.
     */
    @Bean(name = {DispatcherServlet.LOCALE_RESOLVER_BEAN_NAME, "languages"})
    PageLanguages pageLanguages() {
        return new PageLanguages();
    }

    @Bean
    CitizenPageErrors citizenPageErrors() {
        return new CitizenPageErrors();
    }
}
