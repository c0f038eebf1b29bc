package org.mydata.operator.bench.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.zip.GZIPInputStream;

/**
 * A FHIR R4 source in a JVM of its own: Synthea NDJSON held as the lines it was read as, indexed by type and
 * patient. Scenario 2 reads the operator's demo population through it (the same 40 patients the embedded demo
 * source serves, from the same bundled file), so that the gateway is compared with a source that runs
 * elsewhere; scenario 3's full run exports a 2,000-patient population from it.
 *
 * <p>It answers only what the gateway and the benchmark ask ({@code [type]?patient=a,b,...},
 * {@code Patient?_id=...}, {@code Patient?identifier=system|value}, the token parameters {@code code} and
 * {@code category} on the types whose R4 definitions have them, {@code _count}, {@code _offset} in its own next
 * links) and answers anything else with 400, as a strict server does, so that a search it cannot answer exactly
 * is never measured as if it had been. Each searchset Bundle is built from the stored lines without parsing
 * them again, so the source's own cost stays small beside the gateway's and beside the limit's (both parse what
 * it sends). The operator's in-memory demo source would have put a whole HAPI model of the population in the
 * operator's heap, the heap being measured.
 *
 * <pre>java -cp ... org.mydata.operator.bench.source.NdjsonSource FILE.ndjson.gz|demo PORT</pre>
 *
 * {@code demo} reads the operator's bundled demo dataset from the class path.
 */
public final class NdjsonSource {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_COUNT = 1000;

    /** A resource as read: its id, its line, and its code and category tokens as system|code (null if none). */
    private record Stored(String id, String line, String[] code, String[] category) {
        Stored(String id, String line) {
            this(id, line, null, null);
        }

        String[] tokens(String parameter) {
            return parameter.equals("code") ? code : category;
        }
    }

    /**
     * Where R4's {@code code} and {@code category} search parameters look, per type; a type missing here, or a
     * null path, has no such parameter in R4 (Encounter and Immunization have neither).
     */
    private static final Map<String, String[]> TOKEN_PATHS = Map.of(
            "Observation", new String[] {"code", "category"},
            "Condition", new String[] {"code", "category"},
            "Procedure", new String[] {"code", "category"},
            "DiagnosticReport", new String[] {"code", "category"},
            "MedicationRequest", new String[] {"medicationCodeableConcept", "category"},
            "AllergyIntolerance", new String[] {"code", "category"});
    /**
     * Parameters that shape the answer rather than select it. {@code _elements} is accepted and ignored: FHIR lets a
     * server return more elements than asked (the link's Patient lookup asks for the identifiers only).
     */
    private static final java.util.Set<String> CONTROL = java.util.Set.of("_count", "_offset", "_format", "_elements");

    private final Map<String, String> interned = new HashMap<>();

    /** type -> patient id -> resources, in file order. */
    private final Map<String, Map<String, List<Stored>>> byPatient = new HashMap<>();
    private final Map<String, Stored> patients = new HashMap<>();
    /** system|value -> the Patients with that identifier (Synthea's random SSNs collide now and then). */
    private final Map<String, List<String>> patientsByIdentifier = new HashMap<>();
    private String base;

    private NdjsonSource(String dataset) throws IOException {
        java.io.InputStream raw = dataset.equals("demo")
                ? NdjsonSource.class.getResourceAsStream(org.mydata.operator.gateway.demo.DemoFhirSource.DATASET)
                : Files.newInputStream(Path.of(dataset));
        if (raw == null) {
            throw new IOException("the demo dataset is not on the class path");
        }
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(raw, 1 << 16), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (!line.isBlank()) {
                    index(line);
                }
            }
        }
    }

    private void index(String line) throws IOException {
        JsonNode resource = JSON.readTree(line);
        String type = resource.path("resourceType").asText();
        if (type.equals("Patient")) {
            String id = resource.path("id").asText();
            patients.put(id, new Stored(id, line));
            for (JsonNode identifier : resource.path("identifier")) {
                patientsByIdentifier.computeIfAbsent(identifier.path("system").asText() + "|"
                        + identifier.path("value").asText(), k -> new ArrayList<>()).add(id);
            }
            return;
        }
        String reference = resource.path("subject").path("reference").asText(resource.path("patient").path("reference").asText());
        if (reference.startsWith("Patient/")) {
            byPatient.computeIfAbsent(type, t -> new HashMap<>())
                    .computeIfAbsent(reference.substring("Patient/".length()), p -> new ArrayList<>())
                    .add(new Stored(resource.path("id").asText(), line, tokens(type, resource, 0),
                            tokens(type, resource, 1)));
        }
    }

    /** The system|code of every coding (or bare code) at the parameter's path; null if the type has none. */
    private String[] tokens(String type, JsonNode resource, int parameter) {
        String[] paths = TOKEN_PATHS.get(type);
        if (paths == null) {
            return null;
        }
        List<String> found = new ArrayList<>();
        JsonNode value = resource.path(paths[parameter]);
        for (JsonNode item : value.isArray() ? value : List.of(value)) {
            if (item.isTextual()) {
                found.add(intern("|" + item.asText()));
            }
            for (JsonNode coding : item.path("coding")) {
                found.add(intern(coding.path("system").asText("") + "|" + coding.path("code").asText("")));
            }
        }
        return found.toArray(String[]::new);
    }

    private String intern(String token) {
        return interned.computeIfAbsent(token, t -> t);
    }

    public static void main(String[] args) throws Exception {
        long started = System.nanoTime();
        NdjsonSource source = new NdjsonSource(args[0]);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[1])), 64);
        source.base = "http://127.0.0.1:" + server.getAddress().getPort() + "/fhir";
        server.createContext("/fhir/", source::handle);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
        long resources = source.patients.size() + source.byPatient.values().stream()
                .flatMap(m -> m.values().stream()).mapToLong(List::size).sum();
        System.out.printf("NDJSON source serving %d patients, %d resources at %s (loaded in %d s)%n",
                source.patients.size(), resources, source.base, (System.nanoTime() - started) / 1_000_000_000);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath().substring("/fhir/".length());
            Map<String, List<String>> query = query(exchange.getRequestURI().getRawQuery());
            if (!exchange.getRequestMethod().equals("GET") || path.contains("/")) {
                reply(exchange, 400, outcome("only searches [type]?... are served"));
                return;
            }
            String refused = refused(path, query);
            if (refused != null) {
                reply(exchange, 400, outcome(refused));
                return;
            }
            List<Stored> matches = search(path, query);
            if (matches == null) {
                reply(exchange, 400, outcome("unsupported search " + query.keySet()));
                return;
            }
            reply(exchange, 200, bundle(path, query, matches));
        }
    }

    /** Why this search cannot be answered exactly, or null when it can. */
    private static String refused(String type, Map<String, List<String>> query) {
        for (Map.Entry<String, List<String>> e : query.entrySet()) {
            String name = e.getKey();
            boolean known = CONTROL.contains(name)
                    || (type.equals("Patient") ? name.equals("_id") || name.equals("identifier") : name.equals("patient"))
                    || ((name.equals("code") || name.equals("category")) && TOKEN_PATHS.containsKey(type));
            if (!known) {
                return "the search parameter " + name + " is not supported for " + type;
            }
            if (!CONTROL.contains(name) && !name.equals("code") && !name.equals("category") && e.getValue().size() > 1) {
                return "the search parameter " + name + " may be given once";
            }
            if (name.equals("_format") && !e.getValue().stream().allMatch(v -> v.contains("json"))) {
                return "only JSON is served";
            }
        }
        return null;
    }

    private List<Stored> search(String type, Map<String, List<String>> query) {
        List<Stored> found = new ArrayList<>();
        if (type.equals("Patient") && query.containsKey("identifier")) {
            for (String id : patientsByIdentifier.getOrDefault(first(query, "identifier"), List.of())) {
                found.add(patients.get(id));
            }
            return found;
        }
        String ids = type.equals("Patient") ? first(query, "_id") : first(query, "patient");
        if (ids == null) {
            return null;
        }
        for (String id : ids.split(",")) {
            id = id.startsWith("Patient/") ? id.substring("Patient/".length()) : id;
            if (type.equals("Patient")) {
                if (patients.containsKey(id)) {
                    found.add(patients.get(id));
                }
            } else {
                for (Stored resource : byPatient.getOrDefault(type, Map.of()).getOrDefault(id, List.of())) {
                    if (matches(resource, "code", query.get("code")) && matches(resource, "category", query.get("category"))) {
                        found.add(resource);
                    }
                }
            }
        }
        return found;
    }

    private static String first(Map<String, List<String>> query, String name) {
        List<String> values = query.get(name);
        return values == null ? null : values.get(0);
    }

    /** FHIR token search: every repetition must match (AND), any of its comma-separated values (OR). */
    private static boolean matches(Stored resource, String parameter, List<String> repetitions) {
        if (repetitions == null) {
            return true;
        }
        String[] tokens = resource.tokens(parameter);
        for (String repetition : repetitions) {
            boolean any = false;
            for (String value : repetition.split(",")) {
                any |= matchesOne(tokens, value);
            }
            if (!any) {
                return false;
            }
        }
        return true;
    }

    /** {@code code}, {@code system|code}, {@code |code} (no system) or {@code system|} (any code of it). */
    private static boolean matchesOne(String[] tokens, String value) {
        int bar = value.indexOf('|');
        for (String token : tokens) {
            int t = token.indexOf('|');
            if (bar < 0) {
                if (token.regionMatches(t + 1, value, 0, value.length()) && token.length() - t - 1 == value.length()) {
                    return true;
                }
            } else if (bar == value.length() - 1) {
                if (t == bar && token.startsWith(value)) {
                    return true;
                }
            } else if (token.equals(value)) {
                return true;
            }
        }
        return false;
    }

    private String bundle(String type, Map<String, List<String>> query, List<Stored> matches) {
        int count = Math.min(MAX_COUNT, Integer.parseInt(query.getOrDefault("_count", List.of("50")).get(0)));
        int offset = Integer.parseInt(query.getOrDefault("_offset", List.of("0")).get(0));
        int end = Math.min(matches.size(), offset + count);
        StringBuilder out = new StringBuilder(64 + (end - offset) * 2048);
        out.append("{\"resourceType\":\"Bundle\",\"type\":\"searchset\",\"total\":").append(matches.size())
                .append(",\"link\":[{\"relation\":\"self\",\"url\":\"").append(link(type, query, offset)).append("\"}");
        if (end < matches.size()) {
            out.append(",{\"relation\":\"next\",\"url\":\"").append(link(type, query, end)).append("\"}");
        }
        out.append("],\"entry\":[");
        for (int i = offset; i < end; i++) {
            Stored resource = matches.get(i);
            if (i > offset) {
                out.append(',');
            }
            out.append("{\"fullUrl\":\"").append(base).append('/').append(type).append('/').append(resource.id())
                    .append("\",\"resource\":").append(resource.line())
                    .append(",\"search\":{\"mode\":\"match\"}}");
        }
        return out.append("]}").toString();
    }

    private String link(String type, Map<String, List<String>> query, int offset) {
        StringBuilder url = new StringBuilder(base).append('/').append(type).append('?');
        query.forEach((k, values) -> {
            if (!k.equals("_offset")) {
                for (String v : values) {
                    url.append(URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=')
                            .append(URLEncoder.encode(v, StandardCharsets.UTF_8)).append('&');
                }
            }
        });
        return url.append("_offset=").append(offset).toString();
    }

    private static Map<String, List<String>> query(String raw) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    query.computeIfAbsent(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            k -> new ArrayList<>()).add(URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return query;
    }

    private static String outcome(String text) {
        return "{\"resourceType\":\"OperationOutcome\",\"issue\":[{\"severity\":\"error\",\"code\":\"not-supported\","
                + "\"diagnostics\":" + JSON.valueToTree(text) + "}]}";
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/fhir+json;charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
