package org.mydata.operator.api.web;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseCookie;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;
import org.springframework.web.servlet.LocaleResolver;

/**
 * The languages of the citizen pages: English, Finnish and Swedish, each complete (a test holds the bundles
 * to that), so the page's {@code lang} is always the language actually shown. A person's own choice (the
 * switch on every page, {@code ?lang=fi}) is kept in a cookie; without one, the browser's Accept-Language
 * picks among the three, and anything else gets English. It is the application's locale resolver, and the
 * templates' {@code @languages} for the switch ({@link CitizenPagesWebConfig}).
 */
public class PageLanguages implements LocaleResolver {
    /** The query parameter of the language switch. */
    public static final String PARAMETER = "lang";
    static final String COOKIE = "mydata-lang";
    static final List<Locale> SUPPORTED = List.of(Locale.ENGLISH, Locale.forLanguageTag("fi"),
            Locale.forLanguageTag("sv"));
    private static final Duration KEPT = Duration.ofDays(365);
    private static final String CHOSEN = PageLanguages.class.getName() + ".chosen";

    /** A link of the language switch: the language's own name, in its own language. */
    public record Choice(String tag, String name, String href, boolean current) {
    }

    @Override
    public Locale resolveLocale(HttpServletRequest request) {
        if (request.getAttribute(CHOSEN) instanceof Locale chosen) {
            return chosen;
        }
        Cookie[] cookies = request.getCookies();
        if (cookies != null) {
            for (Cookie cookie : cookies) {
                if (COOKIE.equals(cookie.getName())) {
                    Optional<Locale> kept = supported(cookie.getValue());
                    if (kept.isPresent()) {
                        return kept.get();
                    }
                }
            }
        }
        // Tomcat lists Accept-Language by quality, best first; a regional tag (fi-FI, sv-SE) counts as its language.
        for (Locale wanted : Collections.list(request.getLocales())) {
            Optional<Locale> match = supported(wanted.getLanguage());
            if (match.isPresent()) {
                return match.get();
            }
        }
        return Locale.ENGLISH;
    }

    /** The switch's choice (unsupported ones are ignored), kept for a year; null forgets it. */
    @Override
    public void setLocale(HttpServletRequest request, HttpServletResponse response, Locale locale) {
        Optional<Locale> chosen = locale == null ? Optional.empty() : supported(locale.getLanguage());
        if (locale != null && chosen.isEmpty()) {
            return;
        }
        chosen.ifPresentOrElse(l -> request.setAttribute(CHOSEN, l), () -> request.removeAttribute(CHOSEN));
        if (response != null) {
            response.addHeader(HttpHeaders.SET_COOKIE, ResponseCookie.from(COOKIE, chosen.map(Locale::getLanguage)
                            .orElse("")).path("/").maxAge(chosen.isPresent() ? KEPT : Duration.ZERO).httpOnly(true)
                    .secure(request.isSecure()).sameSite("Lax").build().toString());
        }
    }

    static Optional<Locale> supported(String language) {
        return SUPPORTED.stream().filter(l -> l.getLanguage().equalsIgnoreCase(language)).findFirst();
    }

    /** The switch for the page being rendered: this same page (with its query) in each language. */
    public List<Choice> choices() {
        HttpServletRequest request = ((ServletRequestAttributes) RequestContextHolder.currentRequestAttributes())
                .getRequest();
        Locale current = resolveLocale(request);
        String page = samePage(request);
        List<Choice> choices = new ArrayList<>();
        for (Locale language : SUPPORTED) {
            String tag = language.getLanguage();
            choices.add(new Choice(tag, language.getDisplayLanguage(language).substring(0, 1)
                    .toUpperCase(language) + language.getDisplayLanguage(language).substring(1),
                    page + (page.contains("?") ? "&" : "?") + PARAMETER + "=" + tag,
                    tag.equals(current.getLanguage())));
        }
        return choices;
    }

    /**
     * The page's own address without the context path and without any earlier {@code lang}, as the browser
     * sent it (still encoded). On an error page, the address that failed, if it was a plain GET; else the
     * overview.
     */
    static String samePage(HttpServletRequest request) {
        Object failed = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        String path;
        String query;
        if (failed != null) {
            if (!"GET".equals(request.getMethod())) {
                return "/app";
            }
            path = failed.toString();
            Object failedQuery = request.getAttribute(RequestDispatcher.ERROR_QUERY_STRING);
            query = failedQuery == null ? null : failedQuery.toString();
        } else {
            path = request.getRequestURI();
            query = request.getQueryString();
        }
        String context = request.getContextPath();
        if (!context.isEmpty() && path.startsWith(context)) {
            path = path.substring(context.length());
        }
        // Path parameters (";jsessionid=") are what the firewall refuses: the switch must not lead there again.
        path = path.replaceAll(";[^/]*", "");
        // Never a link off this site: "//host" would be one.
        if (!path.startsWith("/") || path.startsWith("//")) {
            path = "/app";
        }
        StringBuilder kept = new StringBuilder();
        if (query != null) {
            for (String pair : query.split("&")) {
                if (!pair.isEmpty() && !pair.equals(PARAMETER) && !pair.startsWith(PARAMETER + "=")) {
                    kept.append(kept.isEmpty() ? "" : "&").append(pair);
                }
            }
        }
        return kept.isEmpty() ? path : path + "?" + kept;
    }
}
