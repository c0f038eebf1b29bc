package org.mydata.operator.api.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Locale;
import java.util.MissingResourceException;
import java.util.ResourceBundle;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.mydata.operator.api.errors.CitizenPageErrors;
import org.springframework.web.util.HtmlUtils;

/**
 * The error page for what Tomcat refuses before the application runs (a malformed URL under {@code /app}): no
 * template engine is there, so a small page of its own, in the reader's language (Accept-Language among en, fi
 * and sv, from the pages' own message bundles), with the pages' style sheet and a way back.
 */
final class CitizenErrorPage {
    private CitizenErrorPage() {
    }

    static boolean isPage(String path) {
        return CitizenPageErrors.isPagePath(path);
    }

    static void write(Request request, Response response, int status) throws IOException {
        ResourceBundle texts = texts(request);
        String reason = switch (status) {
            case 400, 403, 404, 405, 413 -> "error." + status;
            default -> status >= 500 ? "error.500" : "error.other";
        };
        String language = texts.getLocale().getLanguage().isEmpty() ? "en" : texts.getLocale().getLanguage();
        String html = "<!DOCTYPE html>\n<html lang=\"" + language + "\"><head>"
                + "<meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                + "<title>" + text(texts, "error.title") + " – " + text(texts, "layout.brand") + "</title>"
                + "<link rel=\"stylesheet\" href=\"/app/assets/app.css\"></head><body>"
                + "<header class=\"site\"><div class=\"bar\"><a class=\"brand\" href=\"/app\">"
                + text(texts, "layout.brand") + "</a></div></header><main id=\"content\"><h1>"
                + text(texts, "error.title") + "</h1><div class=\"problem\" role=\"alert\" id=\"problem\"><p>"
                + text(texts, reason) + "</p></div><p><a href=\"/app\">" + text(texts, "error.home")
                + "</a></p></main></body></html>\n";
        response.setContentType("text/html");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Content-Security-Policy", "default-src 'none'; style-src 'self'; base-uri 'none'; "
                + "frame-ancestors 'none'");
        response.getOutputStream().write(html.getBytes(StandardCharsets.UTF_8));
        response.finishResponse();
    }

    private static ResourceBundle texts(Request request) {
        ResourceBundle.Control exact =
                ResourceBundle.Control.getNoFallbackControl(ResourceBundle.Control.FORMAT_PROPERTIES);
        for (Locale wanted : Collections.list(request.getLocales())) {
            String language = wanted.getLanguage();
            if (language.equals("fi") || language.equals("sv") || language.equals("en")) {
                try {
                    return ResourceBundle.getBundle("messages", Locale.forLanguageTag(language),
                            CitizenErrorPage.class.getClassLoader(), exact);
                } catch (MissingResourceException e) {
                    // No bundle of that language: the next one the reader accepts.
                }
            }
        }
        return ResourceBundle.getBundle("messages", Locale.ROOT, CitizenErrorPage.class.getClassLoader(), exact);
    }

    private static String text(ResourceBundle texts, String key) {
        return HtmlUtils.htmlEscape(texts.getString(key));
    }
}
