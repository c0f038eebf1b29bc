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
 * A FHIR R4 source for the export benchmark at 500 and 2,000 patients: the Synthea NDJSON held as the
 * lines it was read as, indexed by type and patient, in its own JVM. It answers only what the gateway
 * and the benchmark ask ({@code [type]?patient=a,b,...}, {@code Patient?_id=...},
 * {@code Patient?identifier=system|value}, {@code _count}, next links) and builds each searchset Bundle
 * from the stored lines without parsing them again, so the source's own cost stays small beside the
 * gateway's and beside the limit's (both parse what it sends). The operator's in-memory demo source
 * would have put a whole HAPI model of the population in the operator's heap, the heap being measured.
 *
 * <pre>java -cp ... org.mydata.operator.bench.source.NdjsonSource FILE.ndjson.gz PORT</pre>
 */
public final class NdjsonSource {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_COUNT = 1000;

    /** A resource as read: its id and its line. */
    private record Stored(String id, String line) {
    }

    /** type -> patient id -> resources, in file order. */
    private final Map<String, Map<String, List<Stored>>> byPatient = new HashMap<>();
    private final Map<String, Stored> patients = new HashMap<>();
    /** system|value -> the Patients with that identifier (Synthea's random SSNs collide now and then). */
    private final Map<String, List<String>> patientsByIdentifier = new HashMap<>();
    private String base;

    private NdjsonSource(Path dataset) throws IOException {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(dataset), 1 << 16), StandardCharsets.UTF_8))) {
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
                    .add(new Stored(resource.path("id").asText(), line));
        }
    }

    public static void main(String[] args) throws Exception {
        long started = System.nanoTime();
        NdjsonSource source = new NdjsonSource(Path.of(args[0]));
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
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            if (!exchange.getRequestMethod().equals("GET") || path.contains("/")) {
                reply(exchange, 400, outcome("only searches [type]?... are served"));
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

    private List<Stored> search(String type, Map<String, String> query) {
        List<Stored> found = new ArrayList<>();
        if (type.equals("Patient") && query.containsKey("identifier")) {
            for (String id : patientsByIdentifier.getOrDefault(query.get("identifier"), List.of())) {
                found.add(patients.get(id));
            }
            return found;
        }
        String ids = type.equals("Patient") ? query.get("_id") : query.get("patient");
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
                found.addAll(byPatient.getOrDefault(type, Map.of()).getOrDefault(id, List.of()));
            }
        }
        return found;
    }

    private String bundle(String type, Map<String, String> query, List<Stored> matches) {
        int count = Math.min(MAX_COUNT, Integer.parseInt(query.getOrDefault("_count", "50")));
        int offset = Integer.parseInt(query.getOrDefault("_offset", "0"));
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

    private String link(String type, Map<String, String> query, int offset) {
        StringBuilder url = new StringBuilder(base).append('/').append(type).append('?');
        query.forEach((k, v) -> {
            if (!k.equals("_offset")) {
                url.append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)).append('&');
            }
        });
        return url.append("_offset=").append(offset).toString();
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> query = new LinkedHashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    query.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
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
