package org.mydata.operator.api.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.servlet.DispatcherServlet;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.i18n.LocaleChangeInterceptor;

/**
 * Browser hardening for the citizen pages, and a closed door when nobody can sign in to them.
 *
 * <p>The pages use no script and load nothing from elsewhere, so their Content Security Policy allows
 * only this origin's style sheet and forms; they cannot be framed (clickjacking) and send no referrer.
 */
@Configuration(proxyBeanMethods = false)
public class CitizenPagesWebConfig implements WebMvcConfigurer {
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'self'; img-src 'self'; "
            + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    @Override
    public void addInterceptors(InterceptorRegistry registry) {
        registry.addInterceptor(new HandlerInterceptor() {
            @Override
            public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
                response.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
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

    /**
     * Without the embedded authorization server there is no login chain (an OpenID Connect login for the
     * pages is not built yet): the pages then refuse everyone rather than run unprotected.
     */
    @Bean
    @Order(90)
    @ConditionalOnBooleanProperty(name = "operator.embedded.authorization-server", havingValue = false)
    SecurityFilterChain citizenPagesClosed(HttpSecurity http) throws Exception {
        http.securityMatcher("/app/**", "/app")
                .authorizeHttpRequests(auth -> auth.anyRequest().denyAll());
        return http.build();
    }
}
