package org.mydata.operator.api.web;

import java.io.IOException;
import java.net.CookieManager;
import java.net.HttpCookie;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A browser's session on the citizen pages without the browser: cookies, the login form, CSRF tokens read
 * from the pages. For checks a real browser cannot make, such as posting a form the page never offered.
 */
public final class WebSession {
    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"");
    private final String base;
    private final CookieManager cookies = new CookieManager();
    private final HttpClient http;
    private final String acceptLanguage;

    WebSession(String base) {
        this(base, null);
    }

    /** A browser whose language preferences are {@code acceptLanguage} (an Accept-Language header), or none. */
    public WebSession(String base, String acceptLanguage) {
        this.base = base;
        this.acceptLanguage = acceptLanguage;
        this.http = HttpClient.newBuilder().cookieHandler(cookies).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** Signs in through the login form; returns the response to the form post (a redirect). */
    public HttpResponse<String> signIn(String username, String password) {
        String token = csrfOf(get("/login").body());
        HttpResponse<String> response = post("/login", Map.of("username", username, "password", password,
                "_csrf", token));
        String location = response.headers().firstValue("Location").orElse("");
        if (response.statusCode() != 302 || location.contains("error")) {
            throw new IllegalStateException("sign-in refused for " + username);
        }
        return response;
    }

    /** A CSRF token as the pages hand it out, read from a page with a form. */
    String csrfToken() {
        return csrfOf(get("/app/sources").body());
    }

    public HttpResponse<String> get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Accept", "text/html").GET().build());
    }

    HttpResponse<String> post(String path, Map<String, String> form) {
        return post(path, List.copyOf(form.entrySet()));
    }

    /** A form with fields in order, a name more than once where the form has it so (ticked boxes). */
    HttpResponse<String> post(String path, List<Map.Entry<String, String>> form) {
        String body = form.stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Accept", "text/html")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    /** A request of another method, with no body (and no CSRF token). */
    HttpResponse<String> send(String method, String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Accept", "text/html")
                .method(method, HttpRequest.BodyPublishers.noBody()).build());
    }

    String cookie(String name) {
        return cookies.getCookieStore().getCookies().stream().filter(c -> c.getName().equals(name))
                .map(HttpCookie::getValue).findFirst().orElse(null);
    }

    private HttpResponse<String> send(HttpRequest request) {
        if (acceptLanguage != null) {
            request = HttpRequest.newBuilder(request, (name, value) -> true)
                    .header("Accept-Language", acceptLanguage).build();
        }
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String csrfOf(String page) {
        Matcher m = CSRF.matcher(page);
        if (!m.find()) {
            throw new IllegalStateException("the page has no CSRF token");
        }
        return m.group(1);
    }
}
