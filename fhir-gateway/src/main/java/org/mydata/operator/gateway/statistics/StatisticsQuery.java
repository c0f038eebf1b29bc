package org.mydata.operator.gateway.statistics;

import ca.uhn.fhir.context.FhirContext;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.erdtman.jcs.JsonCanonicalizer;
import org.mydata.operator.failure.InvalidRequestException;
import org.mydata.operator.programme.DisclosureSettings;
import org.mydata.operator.statistics.Aggregation;
import org.mydata.operator.statistics.Aggregation.Criterion;
import org.mydata.operator.statistics.Aggregation.Grouping;
import org.mydata.operator.statistics.Aggregation.Measure;
import org.mydata.operator.statistics.Generalisation;
import org.mydata.operator.statistics.PersonRows;
import org.mydata.operator.statistics.StatisticalAnswer;

/**
 * A statistical request, checked and compiled: SQL on FHIR v2 {@code ViewDefinition}s, cohort criteria, group
 * columns and measures (the format is in docs/statistics.md, "Requests"). Every fault is an
 * {@link InvalidRequestException} naming the field and what is wrong with it.
 *
 * <p>The service evaluates {@link #views()} over each allowed person's resources ({@link CompiledView#rows}),
 * and hands the rows to {@link #answer}, which forms the cohort and the cells and protects the values.
 */
public final class StatisticsQuery {
    static final int MAX_VIEWS = 10;
    static final int MAX_CRITERIA = 10;
    static final int MAX_MEASURES = 10;
    static final int MAX_CODES = 500;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final Set<String> REQUEST_FIELDS = Set.of("views", "cohort", "groupBy", "measures");

    private final List<CompiledView> views;
    private final Aggregation aggregation;
    private final String requestHash;

    private StatisticsQuery(List<CompiledView> views, Aggregation aggregation, String requestHash) {
        this.views = List.copyOf(views);
        this.aggregation = aggregation;
        this.requestHash = requestHash;
    }

    /**
     * Checks and compiles a request.
     *
     * @param permittedTypes the resource types the permit covers; a view over any other is refused
     * @throws InvalidRequestException naming the field at fault
     */
    public static StatisticsQuery compile(FhirContext fhir, String requestJson, Set<String> permittedTypes) {
        JsonNode request;
        try {
            request = JSON.readTree(requestJson);
        } catch (JsonProcessingException e) {
            throw new InvalidRequestException(null, "the request is not valid JSON: " + e.getOriginalMessage());
        }
        if (request == null || !request.isObject()) {
            throw new InvalidRequestException(null, "the request must be a JSON object");
        }
        for (Iterator<String> names = request.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!REQUEST_FIELDS.contains(name)) {
                throw new InvalidRequestException(name, "unknown request field " + name + " (expected " + REQUEST_FIELDS.stream().sorted().toList() + ")");
            }
        }
        FhirPathEngines engine = FhirPathEngines.of(fhir);

        JsonNode viewList = request.get("views");
        if (viewList == null || !viewList.isArray() || viewList.isEmpty()) {
            throw new InvalidRequestException("views", "views must list at least one ViewDefinition");
        }
        if (viewList.size() > MAX_VIEWS) {
            throw new InvalidRequestException("views", "at most " + MAX_VIEWS + " views");
        }
        Map<String, CompiledView> byName = new LinkedHashMap<>();
        List<CompiledView> all = new ArrayList<>();
        for (int i = 0; i < viewList.size(); i++) {
            String field = "views[" + i + "]";
            CompiledView view = CompiledView.compile(fhir, engine, viewList.get(i), field, permittedTypes, hash(viewList.get(i)));
            if (byName.putIfAbsent(view.name(), view) != null) {
                throw new InvalidRequestException(field + ".name", "two views are named " + view.name());
            }
            all.add(view);
        }

        List<Criterion> cohort = new ArrayList<>();
        JsonNode criteria = optionalArray(request, "cohort");
        if (criteria.size() > MAX_CRITERIA) {
            throw new InvalidRequestException("cohort", "at most " + MAX_CRITERIA + " cohort criteria");
        }
        for (int i = 0; i < criteria.size(); i++) {
            String field = "cohort[" + i + "]";
            JsonNode c = criteria.get(i);
            only(c, Set.of("view", "column", "in", "where"), field);
            CompiledView view = view(byName, c, field);
            CompiledView target = view;
            if (c.has("where")) {
                // a resource-level condition becomes the view with one more where: its rows are the resources that pass
                String condition = CompiledView.text(c, "where", field);
                CompiledView.checkCondition(fhir, engine, view.resourceType(), condition, field + ".where");
                ObjectNode derived = ((ObjectNode) viewList.get(all.indexOf(view)).deepCopy());
                ArrayNode where = derived.has("where") ? (ArrayNode) derived.get("where") : derived.putArray("where");
                where.addObject().put("path", condition);
                derived.put("name", view.name() + "_cohort" + i);
                target = CompiledView.compile(fhir, engine, derived, field, permittedTypes, hash(derived));
                all.add(target);
            }
            String column = null;
            Set<String> in = null;
            if (c.has("column") || c.has("in")) {
                column = column(view, c, field);
                JsonNode values = c.get("in");
                if (values == null || !values.isArray() || values.isEmpty() || values.size() > MAX_CODES) {
                    throw new InvalidRequestException(field + ".in", field + ".in must list 1 to " + MAX_CODES + " values");
                }
                in = new LinkedHashSet<>();
                for (JsonNode value : values) {
                    if (!value.isValueNode() || value.isNull()) {
                        throw new InvalidRequestException(field + ".in", field + ".in holds strings, numbers or booleans");
                    }
                    in.add(value.isNumber() ? Generalisation.plain(new BigDecimal(value.asText())) : value.asText());
                }
            }
            cohort.add(new Criterion(view.name(), target.hash(), column, in));
        }

        List<Grouping> groupBy = new ArrayList<>();
        JsonNode groups = optionalArray(request, "groupBy");
        for (int i = 0; i < groups.size(); i++) {
            String field = "groupBy[" + i + "]";
            JsonNode g = groups.get(i);
            only(g, Set.of("view", "column", "as", "generalise"), field);
            CompiledView view = view(byName, g, field);
            String column = column(view, g, field);
            String code = CompiledView.text(g, "generalise", field);
            Generalisation generalisation = Generalisation.of(code).orElseThrow(() -> new InvalidRequestException(
                    field + ".generalise", field + ".generalise: unsupported generalisation " + code + " (expected one of "
                    + java.util.Arrays.stream(Generalisation.values()).map(Generalisation::code).toList() + ")"));
            FhirPathGuard.Focus type = view.columnType(column);
            if (generalisation.temporal() && !type.temporal()) {
                throw new InvalidRequestException(field + ".generalise", field + ": " + code + " needs a date column, and "
                        + column + " holds " + String.join("|", type.typeNames()));
            }
            if (!generalisation.temporal() && type.dated()) {
                // an exact date (a birth date above all) is close to a person's identity: only coarsened
                throw new InvalidRequestException(field + ".generalise", field + ": " + code + " would group by exact dates; "
                        + column + " holds " + String.join("|", type.typeNames()) + ", which only year, month or ageBand10 may group");
            }
            if (generalisation == Generalisation.AGE_BAND_10 && !view.personLevel()) {
                throw new InvalidRequestException(field + ".generalise", field + ": ageBand10 applies to a person's birth date, in a Patient view without forEach");
            }
            String as = g.has("as") ? CompiledView.text(g, "as", field) : column;
            groupBy.add(new Grouping(view.name(), view.hash(), view.personLevel(), column, as, generalisation));
        }

        List<Measure> measures = new ArrayList<>();
        JsonNode measureList = request.has("measures") ? optionalArray(request, "measures") : JSON.createArrayNode().add(JSON.createObjectNode().put("persons", true));
        if (measureList.isEmpty() || measureList.size() > MAX_MEASURES) {
            throw new InvalidRequestException("measures", "measures must list 1 to " + MAX_MEASURES + " measures");
        }
        for (int i = 0; i < measureList.size(); i++) {
            measures.addAll(measure(byName, measureList.get(i), "measures[" + i + "]"));
        }
        try {
            Aggregation aggregation = new Aggregation(cohort, groupBy, measures);
            return new StatisticsQuery(all, aggregation, hash(request));
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(null, e.getMessage());
        }
    }

    private static List<Measure> measure(Map<String, CompiledView> views, JsonNode m, String field) {
        only(m, Set.of("persons", "resources", "sum", "mean", "quantiles", "as"), field);
        List<String> kinds = new ArrayList<>();
        m.fieldNames().forEachRemaining(n -> {
            if (!n.equals("as")) {
                kinds.add(n);
            }
        });
        if (kinds.size() != 1) {
            throw new InvalidRequestException(field, field + " must be exactly one of persons, resources, sum, mean, quantiles");
        }
        String as = m.has("as") ? CompiledView.text(m, "as", field) : null;
        switch (kinds.get(0)) {
            case "persons" -> {
                if (!m.get("persons").asBoolean(false)) {
                    throw new InvalidRequestException(field + ".persons", field + ".persons must be true");
                }
                return List.of(new Aggregation.Persons(as == null ? "persons" : as));
            }
            case "resources" -> {
                CompiledView view = views.get(CompiledView.text(m, "resources", field));
                if (view == null) {
                    throw new InvalidRequestException(field + ".resources", field + ".resources: unknown view " + m.get("resources").asText());
                }
                return List.of(new Aggregation.Resources(as == null ? "resources_" + view.name() : as, view.name(), view.hash()));
            }
            case "sum", "mean" -> {
                String kind = kinds.get(0);
                String f = field + "." + kind;
                JsonNode spec = m.get(kind);
                only(spec, Set.of("view", "column"), f);
                CompiledView view = view(views, spec, f);
                String column = numericColumn(view, spec, f);
                String name = as == null ? kind + "_" + column : as;
                return List.of(kind.equals("sum") ? new Aggregation.Sum(name, view.name(), view.hash(), column)
                        : new Aggregation.Mean(name, view.name(), view.hash(), column));
            }
            default -> {
                String f = field + ".quantiles";
                JsonNode spec = m.get("quantiles");
                only(spec, Set.of("view", "column", "probabilities"), f);
                CompiledView view = view(views, spec, f);
                String column = numericColumn(view, spec, f);
                JsonNode probabilities = spec.get("probabilities");
                if (probabilities == null || !probabilities.isArray() || probabilities.isEmpty() || probabilities.size() > 9) {
                    throw new InvalidRequestException(f + ".probabilities", f + ".probabilities must list 1 to 9 probabilities");
                }
                List<Measure> quantiles = new ArrayList<>();
                for (JsonNode p : probabilities) {
                    if (!p.isNumber() || p.asDouble() < Aggregation.Quantile.LOWEST || p.asDouble() > Aggregation.Quantile.HIGHEST) {
                        throw new InvalidRequestException(f + ".probabilities", f + ".probabilities lie between "
                                + Aggregation.Quantile.LOWEST + " and " + Aggregation.Quantile.HIGHEST
                                + ": lower or higher ones would be close to a single person's minimum or maximum");
                    }
                    String percent = p.decimalValue().movePointRight(2).stripTrailingZeros().toPlainString().replace('.', '_');
                    String name = (as == null ? column : as) + "_p" + percent;
                    quantiles.add(new Aggregation.Quantile(name, view.name(), view.hash(), column, p.asDouble()));
                }
                return quantiles;
            }
        }
    }

    private static String numericColumn(CompiledView view, JsonNode spec, String field) {
        String column = column(view, spec, field);
        FhirPathGuard.Focus type = view.columnType(column);
        if (!type.numeric()) {
            throw new InvalidRequestException(field + ".column", field + ": the column " + column + " holds "
                    + String.join("|", type.typeNames()) + ", not numbers");
        }
        return column;
    }

    private static CompiledView view(Map<String, CompiledView> views, JsonNode node, String field) {
        String name = CompiledView.text(node, "view", field);
        CompiledView view = views.get(name);
        if (view == null) {
            throw new InvalidRequestException(field + ".view", field + ".view: unknown view " + name);
        }
        return view;
    }

    private static String column(CompiledView view, JsonNode node, String field) {
        String column = CompiledView.text(node, "column", field);
        if (!view.columnNames().contains(column)) {
            throw new InvalidRequestException(field + ".column", field + ".column: unknown column " + column
                    + " in view " + view.name() + " (it has " + view.columnNames() + ")");
        }
        return column;
    }

    private static JsonNode optionalArray(JsonNode request, String field) {
        JsonNode node = request.get(field);
        if (node == null) {
            return JSON.createArrayNode();
        }
        if (!node.isArray()) {
            throw new InvalidRequestException(field, field + " must be an array");
        }
        return node;
    }

    private static void only(JsonNode node, Set<String> allowed, String field) {
        CompiledView.onlyFields(node, allowed, field);
    }

    /**
     * Builds the FHIRPath engine for a FHIR context ahead of the first request: the engine reads all R4
     * type definitions once, which takes seconds, so a service calls this at start-up.
     */
    public static void prepare(FhirContext fhir) {
        FhirPathEngines.of(fhir);
    }

    /** SHA-256 (hex) of the RFC 8785 canonical form of a JSON value. */
    static String hash(JsonNode json) {
        try {
            String canonical = new JsonCanonicalizer(JSON.writeValueAsString(json)).getEncodedString();
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new InvalidRequestException(null, "the request cannot be put in canonical form: " + e.getMessage());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Every view the service must evaluate, the request's own and those its cohort criteria derive. */
    public List<CompiledView> views() {
        return views;
    }

    /** SHA-256 (hex) of the request's RFC 8785 canonical form, for the log. */
    public String requestHash() {
        return requestHash;
    }

    /** The resource types the views read, in the order they first appear. */
    public Set<String> resourceTypes() {
        Set<String> types = new LinkedHashSet<>();
        views.forEach(v -> types.add(v.resourceType()));
        return types;
    }

    /** The aggregation, for the service's description of the answer. */
    public Aggregation aggregation() {
        return aggregation;
    }

    /**
     * The protected answer.
     *
     * @param persons       exactly the persons the release policy allows for the permit now, with their rows
     *                      of {@link #views()} by {@link CompiledView#hash()}
     * @param referenceDate the date ages are taken at
     */
    public StatisticalAnswer answer(List<PersonRows> persons, DisclosureSettings settings, LocalDate referenceDate) {
        return aggregation.answer(persons, settings, referenceDate);
    }
}
