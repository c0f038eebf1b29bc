import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * Turns Synthea's FHIR R4 transaction bundles into one gzipped NDJSON file that reads like a plain
 * server's dataset: every resource once, references in {@code Type/id} form.
 *
 * <p>Synthea links resources inside a bundle by {@code urn:uuid:} full URLs and links to hospitals and
 * clinicians by conditional references ({@code Organization?identifier=system|value}) that a server would
 * resolve on transaction; both are resolved here against the resources of all bundles. Run by
 * {@code generate-demo-patients.sh}:
 * {@code java -cp gson.jar SyntheaToNdjson.java <fhir-dir> <out.ndjson.gz> <lastUpdated> [ExcludedType,...]}
 */
public class SyntheaToNdjson {

    public static void main(String[] args) throws IOException {
        if (args.length < 3) {
            throw new IllegalArgumentException("usage: SyntheaToNdjson <fhir-dir> <out.ndjson.gz> <lastUpdated> [ExcludedType,...]");
        }
        Path in = Path.of(args[0]);
        Path out = Path.of(args[1]);
        String lastUpdated = args[2];
        Set<String> excluded = args.length > 3 ? Set.of(args[3].split(",")) : Set.of();

        List<Path> bundles;
        try (Stream<Path> files = Files.list(in)) {
            bundles = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        }
        // Two passes over the bundles, so that only strings are held, never every bundle's tree: the first
        // learns where every full URL and conditional reference points, the second rewrites and keeps lines.
        Map<String, String> targets = new HashMap<>();
        Set<String> kept = new HashSet<>();
        for (Path file : bundles) {
            for (JsonObject entry : entries(file)) {
                JsonObject resource = entry.getAsJsonObject("resource");
                String type = resource.get("resourceType").getAsString();
                String fullUrl = entry.get("fullUrl").getAsString();
                String local = type + "/" + id(entry);
                targets.put(fullUrl, local);
                if (resource.has("identifier")) {
                    for (JsonElement identifier : resource.getAsJsonArray("identifier")) {
                        JsonObject i = identifier.getAsJsonObject();
                        if (i.has("system") && i.has("value")) {
                            targets.putIfAbsent(type + "?identifier=" + i.get("system").getAsString() + "|" + i.get("value").getAsString(), local);
                        }
                    }
                }
                if (!excluded.contains(type)) {
                    kept.add(local);
                }
            }
        }

        Gson gson = new GsonBuilder().disableHtmlEscaping().create();
        Set<String> dangling = new TreeSet<>();
        // Patients first (a reader that only wants the people can stop early), then by Type/id, so that the
        // output is byte-identical for the same Synthea output; the first bundle to hold a resource gives it.
        Map<String, String> lines = new TreeMap<>();
        Map<String, Integer> counts = new TreeMap<>();
        for (Path file : bundles) {
            for (JsonObject entry : entries(file)) {
                JsonObject resource = entry.getAsJsonObject("resource");
                String type = resource.get("resourceType").getAsString();
                if (excluded.contains(type)) {
                    continue;
                }
                String id = id(entry);
                String key = (type.equals("Patient") ? "0" : "1") + type + "/" + id;
                if (lines.containsKey(key)) {
                    continue;
                }
                resource.addProperty("id", id);
                JsonObject meta = resource.has("meta") ? resource.getAsJsonObject("meta") : new JsonObject();
                meta.addProperty("lastUpdated", lastUpdated);
                resource.add("meta", meta);
                rewriteReferences(resource, targets, kept, dangling);
                lines.put(key, gson.toJson(resource));
                counts.merge(type, 1, Integer::sum);
            }
        }

        Files.createDirectories(out.toAbsolutePath().getParent());
        try (Writer writer = new OutputStreamWriter(new GZIPOutputStream(Files.newOutputStream(out)), StandardCharsets.UTF_8)) {
            for (String line : lines.values()) {
                writer.write(line);
                writer.write('\n');
            }
        }
        counts.forEach((type, n) -> System.out.printf("%-26s %6d%n", type, n));
        System.out.printf("%-26s %6d%n", "total", lines.size());
        if (!dangling.isEmpty()) {
            System.out.println("references left pointing outside the dataset (resource types dropped): " + dangling);
        }
    }

    private static List<JsonObject> entries(Path bundle) throws IOException {
        try (Reader reader = Files.newBufferedReader(bundle, StandardCharsets.UTF_8)) {
            List<JsonObject> entries = new ArrayList<>();
            JsonParser.parseReader(reader).getAsJsonObject().getAsJsonArray("entry").forEach(e -> entries.add(e.getAsJsonObject()));
            return entries;
        }
    }

    private static String id(JsonObject entry) {
        JsonObject resource = entry.getAsJsonObject("resource");
        String fullUrl = entry.get("fullUrl").getAsString();
        return resource.has("id") ? resource.get("id").getAsString() : fullUrl.substring(fullUrl.lastIndexOf(':') + 1);
    }

    private static void rewriteReferences(JsonElement element, Map<String, String> targets, Set<String> kept, Set<String> dangling) {
        if (element.isJsonArray()) {
            JsonArray array = element.getAsJsonArray();
            array.forEach(e -> rewriteReferences(e, targets, kept, dangling));
        } else if (element.isJsonObject()) {
            JsonObject object = element.getAsJsonObject();
            for (Map.Entry<String, JsonElement> field : object.entrySet()) {
                JsonElement value = field.getValue();
                if (field.getKey().equals("reference") && value.isJsonPrimitive()) {
                    String reference = value.getAsString();
                    if (reference.startsWith("#")) {
                        continue;
                    }
                    String target = targets.get(reference);
                    if (target == null) {
                        throw new IllegalStateException("unresolvable reference " + reference);
                    }
                    if (!kept.contains(target)) {
                        dangling.add(target.substring(0, target.indexOf('/')));
                    }
                    field.setValue(new JsonPrimitive(target));
                } else {
                    rewriteReferences(value, targets, kept, dangling);
                }
            }
        }
    }
}
