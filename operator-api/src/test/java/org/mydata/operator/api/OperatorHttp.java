package org.mydata.operator.api;

import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real HTTP client for the running operator, getting real tokens from its authorization server: client
 * credentials for services, and the browser's authorization code + PKCE journey (login form, CSRF token,
 * redirects) for citizens.
 */
public final class OperatorHttp {
    public static final JsonMapper JSON = JsonMapper.builder().build();
    private final String base;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    public OperatorHttp(int port) {
        this.base = "http://localhost:" + port;
    }

    public String base() {
        return base;
    }

    public record Reply(int status, String contentType, String body) {
        public JsonNode json() {
            return JSON.readTree(body);
        }
    }

    public String clientToken(String clientId, String secret, String scope) {
        String basic = Base64.getEncoder().encodeToString((clientId + ":" + secret).getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/oauth2/token"))
                .header("Authorization", "Basic " + basic)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(Map.of("grant_type", "client_credentials", "scope", scope))))
                .build();
        Reply reply = send(request);
        if (reply.status() != 200) {
            throw new IllegalStateException("token request failed: " + reply.status() + " " + reply.body());
        }
        return reply.json().get("access_token").asText();
    }

    /** Signs a citizen in through the login page, as a browser-based app would, and returns their access token. */
    public String citizenToken(String username, String password) {
        HttpClient browser = HttpClient.newBuilder().cookieHandler(new CookieManager())
                .followRedirects(HttpClient.Redirect.NEVER).build();
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String verifier = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        String challenge = Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(verifier));
        String redirect = "http://127.0.0.1:8765/callback";
        String authorize = base + "/oauth2/authorize?" + form(Map.of("response_type", "code", "client_id", "citizen-app",
                "scope", "citizen", "redirect_uri", redirect, "state", "s1", "code_challenge", challenge,
                "code_challenge_method", "S256"));
        Reply first = send(browser, get(authorize).header("Accept", "text/html").build());
        expectRedirect(first, "authorize");
        Reply loginPage = send(browser, get(base + "/login").build());
        Matcher csrf = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"").matcher(loginPage.body());
        if (!csrf.find()) {
            throw new IllegalStateException("the login page has no CSRF token");
        }
        HttpResponse<String> login = raw(browser, HttpRequest.newBuilder(URI.create(base + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(Map.of("username", username, "password", password,
                        "_csrf", csrf.group(1)))))
                .build());
        String afterLogin = login.headers().firstValue("Location").orElseThrow();
        if (afterLogin.contains("error")) {
            throw new IllegalStateException("login refused for " + username);
        }
        HttpResponse<String> code = raw(browser, get(afterLogin.startsWith("http") ? afterLogin : base + afterLogin)
                .header("Accept", "text/html").build());
        String callback = code.headers().firstValue("Location").orElseThrow();
        if (!callback.startsWith(redirect)) {
            throw new IllegalStateException("no authorization code, redirected to " + callback);
        }
        Matcher m = Pattern.compile("[?&]code=([^&]+)").matcher(callback);
        if (!m.find()) {
            throw new IllegalStateException("no code in " + callback);
        }
        HttpRequest token = HttpRequest.newBuilder(URI.create(base + "/oauth2/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(Map.of("grant_type", "authorization_code",
                        "code", java.net.URLDecoder.decode(m.group(1), StandardCharsets.UTF_8), "redirect_uri", redirect,
                        "client_id", "citizen-app", "code_verifier", verifier))))
                .build();
        Reply reply = send(token);
        if (reply.status() != 200) {
            throw new IllegalStateException("code exchange failed: " + reply.status() + " " + reply.body());
        }
        return reply.json().get("access_token").asText();
    }

    public Reply get(String path, String token) {
        HttpRequest.Builder request = get(base + path);
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return send(request.build());
    }

    public Reply post(String path, String token, String json) {
        return send(withBody("POST", path, token, json));
    }

    public Reply delete(String path, String token) {
        return send(withBody("DELETE", path, token, null));
    }

    public Reply post(String path, String token, Object body) {
        return post(path, token, JSON.writeValueAsString(body));
    }

    /**
     * A request with extra headers (name, value, name, value...), given up after the timeout, with the whole
     * response: for tests that read response headers or bound how long an answer may take.
     */
    public HttpResponse<String> exchange(String method, String path, String token, String json,
                                         java.time.Duration timeout, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return raw(http, request.build());
    }

    private HttpRequest withBody(String method, String path, String token, String json) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return request.build();
    }

    private static HttpRequest.Builder get(String url) {
        return HttpRequest.newBuilder(URI.create(url)).GET();
    }

    private Reply send(HttpRequest request) {
        return send(http, request);
    }

    private static Reply send(HttpClient client, HttpRequest request) {
        HttpResponse<String> response = raw(client, request);
        return new Reply(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""), response.body());
    }

    private static HttpResponse<String> raw(HttpClient client, HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void expectRedirect(Reply reply, String step) {
        if (reply.status() != 302) {
            throw new IllegalStateException(step + " did not redirect: " + reply.status());
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.US_ASCII));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String form(Map<String, String> values) {
        return values.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }
}
