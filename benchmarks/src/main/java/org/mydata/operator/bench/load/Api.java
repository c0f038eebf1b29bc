package org.mydata.operator.bench.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The operator's REST API over real HTTP with real tokens from its embedded authorization server: client
 * credentials for services, and for citizens the browser's authorization code + PKCE journey through the
 * login form (as operator-api's OperatorHttp test helper does).
 */
public final class Api {
    public static final ObjectMapper JSON = new ObjectMapper();
    public static final String DEMO_SOURCE_NAME = "Demo Hospital (Synthea)";
    private final String base;
    private final HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER)
            .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();

    public Api(String base) {
        this.base = base;
    }

    public String base() {
        return base;
    }

    public record Reply(int status, String body, HttpResponse<String> raw) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException("not JSON (" + status + "): " + body, e);
            }
        }

        public Reply expect(int... statuses) {
            for (int s : statuses) {
                if (s == status) {
                    return this;
                }
            }
            throw new IllegalStateException("unexpected HTTP " + status + ": " + body);
        }
    }

    // ---- tokens -----------------------------------------------------------------------------------

    public String clientToken(String clientId, String secret, String scope) {
        String basic = Base64.getEncoder().encodeToString((clientId + ":" + secret).getBytes(StandardCharsets.UTF_8));
        HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/oauth2/token"))
                .header("Authorization", "Basic " + basic)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(Map.of("grant_type", "client_credentials", "scope", scope))))
                .build();
        return send(http, request).expect(200).json().get("access_token").asText();
    }

    public String admin() {
        return clientToken("admin-demo", "admin-demo-secret", "admin");
    }

    public String researcher() {
        return clientToken("researcher-demo", "researcher-demo-secret", "researcher");
    }

    public String steward() {
        return clientToken("steward-demo", "steward-demo-secret", "steward");
    }

    public String citizen(String username) {
        return citizenToken(username, username + "-demo-password");
    }

    /** Signs a citizen in through the login page with authorization code + PKCE; returns the access token. */
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
        send(browser, HttpRequest.newBuilder(URI.create(authorize)).header("Accept", "text/html").GET().build()).expect(302);
        Reply loginPage = send(browser, HttpRequest.newBuilder(URI.create(base + "/login")).GET().build());
        Matcher csrf = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"").matcher(loginPage.body());
        if (!csrf.find()) {
            throw new IllegalStateException("the login page has no CSRF token");
        }
        Reply login = send(browser, HttpRequest.newBuilder(URI.create(base + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(Map.of("username", username, "password", password,
                        "_csrf", csrf.group(1)))))
                .build());
        String afterLogin = login.raw().headers().firstValue("Location").orElseThrow();
        if (afterLogin.contains("error")) {
            throw new IllegalStateException("login refused for " + username);
        }
        Reply code = send(browser, HttpRequest.newBuilder(URI.create(afterLogin.startsWith("http") ? afterLogin
                : base + afterLogin)).header("Accept", "text/html").GET().build());
        String callback = code.raw().headers().firstValue("Location").orElseThrow();
        Matcher m = Pattern.compile("[?&]code=([^&]+)").matcher(callback);
        if (!callback.startsWith(redirect) || !m.find()) {
            throw new IllegalStateException("no authorization code, redirected to " + callback);
        }
        HttpRequest token = HttpRequest.newBuilder(URI.create(base + "/oauth2/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form(Map.of("grant_type", "authorization_code",
                        "code", URLDecoder.decode(m.group(1), StandardCharsets.UTF_8), "redirect_uri", redirect,
                        "client_id", "citizen-app", "code_verifier", verifier))))
                .build();
        return send(http, token).expect(200).json().get("access_token").asText();
    }

    // ---- plain calls ------------------------------------------------------------------------------

    public Reply get(String path, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(path.startsWith("http") ? path : base + path)).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return send(http, request.build());
    }

    public Reply get(String path, String token, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(path.startsWith("http") ? path : base + path)).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        headers.forEach(request::header);
        return send(http, request.build());
    }

    public Reply post(String path, String token, Object body) {
        String json;
        try {
            json = body instanceof String s ? s : JSON.writeValueAsString(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return send(http, request.build());
    }

    // ---- the demo world ---------------------------------------------------------------------------

    public String demoSourceId(String admin) {
        return demoSource(admin).get("id").asText();
    }

    /** The embedded demo source's FHIR base, for registering more sources over the same population. */
    public String demoSourceUrl(String admin) {
        return demoSource(admin).get("fhirBaseUrl").asText();
    }

    private JsonNode demoSource(String admin) {
        for (JsonNode source : get("/api/v1/sources", admin).expect(200).json()) {
            if (source.get("name").asText().equals(DEMO_SOURCE_NAME)) {
                return source;
            }
        }
        throw new IllegalStateException("the demo source is not registered");
    }

    /** Registers a FHIR source that asks for no authentication; returns its id. */
    public String registerSource(String admin, String name, String fhirBaseUrl) {
        return post("/api/v1/sources", admin, Map.of("name", name + " " + UUID.randomUUID(), "fhirBaseUrl", fhirBaseUrl))
                .expect(201).json().get("id").asText();
    }

    /** A new programme stewarded by the demo steward, for these resource types. */
    public String programme(String admin, String name, List<String> types) {
        return post("/api/v1/programmes", admin, Map.of("name", name + " " + UUID.randomUUID(),
                "description", "benchmark", "organisation", "Benchmark Foundation",
                "purposes", List.of("dpv:ScientificResearch"), "scope", Map.of("resourceTypes", types),
                "termsUri", "https://example.org/bench-terms", "termsVersion", "1", "stewards", List.of("steward-demo")))
                .expect(201).json().get("id").asText();
    }

    /** Links the citizen to the source if not linked yet; returns their surrogate (Patient) id there. */
    public String ensureLinked(String citizen, String sourceId) {
        for (JsonNode link : get("/api/v1/me/links", citizen).expect(200).json()) {
            if (link.get("sourceId").asText().equals(sourceId) && link.get("status").asText().equals("live")) {
                return link.get("surrogateId").asText();
            }
        }
        return post("/api/v1/me/links", citizen, Map.of("sourceId", sourceId)).expect(201).json()
                .get("surrogateId").asText();
    }

    public String consent(String citizen, String programme, String sourceId) {
        return post("/api/v1/me/consents", citizen, Map.of("programmeId", programme, "sourceIds", List.of(sourceId)))
                .expect(201).json().get("id").asText();
    }

    public Reply status(String citizen, String consent, String status) {
        return post("/api/v1/me/consents/" + consent + "/status", citizen, Map.of("status", status));
    }

    /** A data request for the programme, approved by the demo steward; returns the permit id. */
    public String approvedPermit(String researcher, String steward, String programme, List<String> types) {
        String request = post("/api/v1/requests", researcher, Map.of("programmeId", programme,
                "title", "Benchmark study", "organisation", "Benchmark University", "purpose", "dpv:AcademicResearch",
                "scope", Map.of("resourceTypes", types), "justification", "Measuring the gateway",
                "validUntil", Instant.now().plus(30, ChronoUnit.DAYS).toString())).expect(201).json().get("id").asText();
        return post("/api/v1/requests/" + request + "/decision", steward, Map.of("decision", "approve"))
                .expect(200).json().get("permitId").asText();
    }

    // ---- plumbing ---------------------------------------------------------------------------------

    static Reply send(HttpClient client, HttpRequest request) {
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response.body(), response);
        } catch (IOException e) {
            throw new IllegalStateException(request.uri() + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.US_ASCII));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String form(Map<String, String> values) {
        return values.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }
}
