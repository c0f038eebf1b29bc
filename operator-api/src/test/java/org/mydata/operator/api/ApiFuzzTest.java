package org.mydata.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Fuzzes the REST API from its own OpenAPI document ({@code /v3/api-docs}): for every operation, requests whose
 * path, query and body are generated from the operation's schemas, mostly almost right and then broken in one
 * of the ways that found 500s before (nulls, huge numbers, far-future times, long strings, wrong types, unknown
 * fields), sent with real tokens of the scope the path needs to the running operator. No answer may be a 5xx.
 *
 * <p>Seeded (print the seed of a failing run, set {@code -Dfuzz.seed=...} to repeat it) and bounded: a fixed
 * number of requests, so the run stays well under a minute.
 */
class ApiFuzzTest extends OperatorTestBase {
    private static final int REQUESTS = Integer.getInteger("fuzz.requests", 400);
    private static final long SEED = Long.getLong("fuzz.seed", System.nanoTime());

    private JsonNode api;
    private Random random;

    private record Operation(String method, String path, JsonNode spec) {
    }

    @Test
    void noGeneratedRequestGetsA5xx() {
        random = new Random(SEED);
        api = http.get("/v3/api-docs", null).json();
        List<Operation> operations = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = api.get("paths").properties().iterator(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            if (!path.getKey().startsWith("/api/v1") || path.getKey().contains("/keys/rotate")) {
                continue; // rotating the signing key would change what every other test verifies against
            }
            for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().properties().iterator(); ops.hasNext(); ) {
                Map.Entry<String, JsonNode> op = ops.next();
                operations.add(new Operation(op.getKey().toUpperCase(), path.getKey(), op.getValue()));
            }
        }
        assertThat(operations).as("the OpenAPI document lists the API's operations").hasSizeGreaterThan(15);
        Map<String, String> tokens = new LinkedHashMap<>();
        tokens.put("admin", admin());
        tokens.put("citizen", alice());
        tokens.put("researcher", http.clientToken("researcher-demo", "researcher-demo-secret", "researcher"));
        tokens.put("steward", http.clientToken("steward-demo", "steward-demo-secret", "steward"));
        tokens.put("auditor", http.clientToken("auditor-demo", "auditor-demo-secret", "auditor"));

        List<String> failures = new ArrayList<>();
        long started = System.nanoTime();
        for (int i = 0; i < REQUESTS; i++) {
            Operation op = operations.get(i < operations.size() ? i : random.nextInt(operations.size()));
            String path = path(op);
            String body = op.spec().has("requestBody") ? body(op.spec().get("requestBody")) : null;
            String token = random.nextInt(10) == 0 ? pick(new ArrayList<>(tokens.values())) : tokens.get(scopeFor(op.path()));
            HttpResponse<String> reply = http.exchange(op.method(), path, token, body, Duration.ofSeconds(30));
            if (reply.statusCode() >= 500) {
                failures.add(op.method() + " " + cut(path) + " " + cut(body) + " -> " + reply.statusCode() + " "
                        + cut(reply.body()));
            } else if (reply.statusCode() >= 400) {
                assertThat(reply.headers().firstValue("Content-Type").orElse(""))
                        .as(op.method() + " " + path + " answers errors as problem documents")
                        .startsWith("application/problem+json");
            }
        }
        System.out.printf("ApiFuzzTest: %d requests over %d operations in %d ms, seed %d%n", REQUESTS,
                operations.size(), (System.nanoTime() - started) / 1_000_000, SEED);
        assertThat(failures).as("5xx answers (seed " + SEED + ")").isEmpty();
    }

    private static String scopeFor(String path) {
        if (path.startsWith("/api/v1/me")) {
            return "citizen";
        } else if (path.startsWith("/api/v1/audit")) {
            return "auditor";
        } else if (path.startsWith("/api/v1/requests") || path.startsWith("/api/v1/permits")) {
            return path.contains("decision") ? "steward" : "researcher";
        }
        return "admin";
    }

    // ---- paths and queries -----------------------------------------------------------------------------

    private String path(Operation op) {
        String path = op.path();
        StringBuilder query = new StringBuilder();
        for (JsonNode parameter : op.spec().path("parameters")) {
            JsonNode schema = resolve(parameter.path("schema"));
            String in = parameter.path("in").asText();
            if (in.equals("query") && !parameter.path("required").asBoolean() && random.nextInt(3) == 0) {
                continue;
            }
            Object value = value(schema, 0);
            String text = value == null ? "" : String.valueOf(value);
            String encoded = URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
            if (in.equals("path")) {
                path = path.replace("{" + parameter.path("name").asText() + "}", encoded.isEmpty() ? "x" : encoded);
            } else if (in.equals("query")) {
                query.append(query.isEmpty() ? "?" : "&").append(parameter.path("name").asText()).append('=')
                        .append(encoded);
            }
        }
        return path + query;
    }

    // ---- bodies ----------------------------------------------------------------------------------------

    private String body(JsonNode requestBody) {
        JsonNode content = requestBody.path("content");
        JsonNode media = content.has("application/json") ? content.get("application/json")
                : content.properties().iterator().hasNext() ? content.properties().iterator().next().getValue() : null;
        if (media == null) {
            return null;
        }
        switch (random.nextInt(20)) {
            case 0:
                return "null";
            case 1:
                return "[]";
            case 2:
                return "{\"a\":";
            default:
                return OperatorHttp.JSON.writeValueAsString(value(resolve(media.path("schema")), 0));
        }
    }

    /** A value for the schema: mostly a fitting one, sometimes (more often deeper down) a broken one. */
    private Object value(JsonNode schema, int depth) {
        if (depth > 0 && random.nextInt(8) == 0) {
            return broken();
        }
        String type = schema.path("type").asText("object");
        String format = schema.path("format").asText("");
        if (schema.has("enum") && random.nextInt(4) != 0) {
            return schema.get("enum").get(random.nextInt(schema.get("enum").size())).asText();
        }
        switch (type) {
            case "string":
                return string(format);
            case "integer":
                return pick(List.of(0, 1, -1, 10, Integer.MAX_VALUE, Long.MAX_VALUE));
            case "number":
                return pick(List.of(0.5, -1, 1e308));
            case "boolean":
                return random.nextBoolean();
            case "array": {
                List<Object> items = new ArrayList<>();
                int n = random.nextInt(4);
                for (int i = 0; i < n; i++) {
                    items.add(value(resolve(schema.path("items")), depth + 1));
                }
                return items;
            }
            default: {
                Map<String, Object> object = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> p = schema.path("properties").properties().iterator(); p.hasNext(); ) {
                    Map.Entry<String, JsonNode> property = p.next();
                    if (random.nextInt(6) != 0) {
                        object.put(property.getKey(), value(resolve(property.getValue()), depth + 1));
                    }
                }
                if (random.nextInt(15) == 0) {
                    object.put("unknown" + random.nextInt(100), "x");
                }
                return object;
            }
        }
    }

    private Object string(String format) {
        int roll = random.nextInt(10);
        return switch (format) {
            case "uuid" -> roll == 0 ? "not-a-uuid" : roll < 3 ? UUID.randomUUID().toString() : knownId();
            case "date-time" -> pick(List.of(Instant.now().plusSeconds(86_400).toString(), "+999999999-12-31T23:59:59Z",
                    "-999999999-01-01T00:00:00Z", "1970-01-01T00:00:00Z", "2030-02-30T00:00:00Z", "yesterday"));
            case "date" -> pick(List.of("2020-01-01", "+999999999-12-31", "0000-01-01", "2020-13-01"));
            case "uri" -> pick(List.of("https://example.org/x", "javascript:alert(1)", "http://169.254.169.254/",
                    "not a uri", "http://[::1]/"));
            default -> roll == 0 ? "x".repeat(20_000) : pick(List.of("", " ", "Observation", "Patient",
                    "dpv:ScientificResearch", "approve", "withdrawn", "active", "none", "basic", "client_credentials",
                    "\u0000", "' or 1=1 --", "<script>", "é".repeat(300)));
        };
    }

    /** Ids that exist, so that generated requests reach past the lookup; most are the public programmes'. */
    private String knownId() {
        JsonNode programmes = http.get("/api/v1/programmes", null).json();
        return programmes.isEmpty() ? UUID.randomUUID().toString()
                : programmes.get(random.nextInt(programmes.size())).get("id").asText();
    }

    private Object broken() {
        return pick(List.of(NULL, Long.MAX_VALUE, -1, 1e308, "x".repeat(10_000), java.util.Arrays.asList((Object) null),
                Map.of("a", 1), true, "+999999999-12-31T23:59:59Z", List.of()));
    }

    /** JSON null inside List.of/Map.of, which take no nulls. */
    private static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    private <T> T pick(List<T> values) {
        T value = values.get(random.nextInt(values.size()));
        return value == NULL ? null : value;
    }

    private JsonNode resolve(JsonNode schema) {
        JsonNode ref = schema.path("$ref");
        if (ref.isString()) {
            String name = ref.asText().substring(ref.asText().lastIndexOf('/') + 1);
            return api.path("components").path("schemas").path(name);
        }
        JsonNode oneOf = schema.path("oneOf");
        return oneOf.isArray() && !oneOf.isEmpty() ? resolve(oneOf.get(random.nextInt(oneOf.size()))) : schema;
    }

    private static String cut(String text) {
        return text == null ? "" : text.length() > 300 ? text.substring(0, 300) + "…" : text;
    }
}
