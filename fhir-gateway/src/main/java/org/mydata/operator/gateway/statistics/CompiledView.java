package org.mydata.operator.gateway.statistics;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeResourceDefinition;
import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.hl7.fhir.exceptions.FHIRException;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.fhirpath.ExpressionNode;
import org.hl7.fhir.r4.model.Base;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.PrimitiveType;
import org.hl7.fhir.r4.model.Resource;
import org.mydata.operator.failure.InvalidRequestException;
import org.mydata.operator.gateway.statistics.FhirPathGuard.Focus;

/**
 * One SQL on FHIR v2 {@code ViewDefinition}, checked and ready to turn one resource into rows: {@code select}
 * with {@code column}s of {@code {name, path}}, nested {@code select}, {@code forEach}, {@code forEachOrNull},
 * {@code unionAll}, and the view's {@code where}. FHIRPath runs on HAPI's R4 engine ({@link FhirPathEngines}).
 *
 * <p>A view sees resources as the statistics service hands them: de-identified by allowlist, so
 * identifiers, names, addresses, telecoms and free text are never present, with true dates. Paths into
 * those elements are refused when the view is compiled (see {@link FhirPathGuard}), so a request cannot even
 * ask for them.
 *
 * <p>Values are String, {@link BigDecimal}, Boolean or null; dates and dateTimes stay the strings the
 * resource holds. A column is one value per row: a path that yields more is an error naming the column
 * (use {@code first()} or {@code forEach}). {@code constant}s and {@code collection} columns are not
 * supported.
 */
public final class CompiledView {
    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,62}");
    private static final Set<String> VIEW_FIELDS = Set.of("resourceType", "name", "title", "description", "status",
            "url", "resource", "select", "where", "fhirVersion", "id", "meta", "version", "experimental", "publisher");
    private static final Set<String> SELECT_FIELDS = Set.of("column", "select", "forEach", "forEachOrNull", "unionAll");
    private static final Set<String> COLUMN_FIELDS = Set.of("name", "path", "description", "collection", "type", "tag");

    private final String name;
    private final String resourceType;
    private final String hash;
    private final List<String> columnNames;
    private final Map<String, Focus> columnTypes;
    private final List<Expression> where;
    private final Select select;
    private final boolean personLevel;
    private final FhirPathEngines engine;

    private record Expression(String field, ExpressionNode node) {
    }

    private record Column(String name, Expression path) {
    }

    private record Select(List<Column> columns, List<Select> selects, List<Select> unionAll, Expression forEach,
                          boolean orNull, List<String> names) {
    }

    private CompiledView(String name, String resourceType, String hash, Map<String, Focus> columnTypes,
                         List<Expression> where, Select select, boolean personLevel, FhirPathEngines engine) {
        this.name = name;
        this.resourceType = resourceType;
        this.hash = hash;
        this.columnNames = List.copyOf(columnTypes.keySet());
        this.columnTypes = Collections.unmodifiableMap(columnTypes);
        this.where = List.copyOf(where);
        this.select = select;
        this.personLevel = personLevel;
        this.engine = engine;
    }

    /** The view's name, which the request's cohort, groupBy and measures refer to. */
    public String name() {
        return name;
    }

    public String resourceType() {
        return resourceType;
    }

    /** SHA-256 (hex) of the view's RFC 8785 canonical JSON: the same view always has the same hash. */
    public String hash() {
        return hash;
    }

    /** The columns, in SQL on FHIR order (a select's columns, then its nested selects', then its unionAll's). */
    public List<String> columnNames() {
        return columnNames;
    }

    /**
     * Whether the view gives at most one row per resource of a person-level type (Patient): then its columns
     * are the person's, and may group persons in a request with any other view.
     */
    public boolean personLevel() {
        return personLevel;
    }

    Focus columnType(String column) {
        return columnTypes.get(column);
    }

    /**
     * The rows this view makes of one resource: none when the resource is of another type or fails the
     * view's {@code where}.
     *
     * <p>Nothing here depends on the data and fails: a path that fails at run time, or a column that yields
     * more than one value or no primitive, gives null (a {@code where} that fails keeps no row). An error
     * would be an answer about one record that no disclosure control saw, counted nowhere.
     */
    public List<Map<String, Object>> rows(IBaseResource resource) {
        if (!(resource instanceof Resource r) || !resourceType.equals(r.fhirType())) {
            return List.of();
        }
        for (Expression condition : where) {
            List<Base> result = evaluate(condition, r, r);
            if (result.size() != 1 || !(result.get(0) instanceof BooleanType b) || !Boolean.TRUE.equals(b.getValue())) {
                return List.of();
            }
        }
        List<Map<String, Object>> rows = rows(select, r, r);
        return rows.stream().map(Collections::unmodifiableMap).toList();
    }

    private List<Map<String, Object>> rows(Select s, Resource resource, Base focus) {
        if (s.forEach() == null) {
            return product(s, resource, focus);
        }
        List<Base> items = evaluate(s.forEach(), resource, focus);
        if (items.isEmpty()) {
            if (!s.orNull()) {
                return List.of();
            }
            Map<String, Object> empty = new LinkedHashMap<>();
            s.names().forEach(n -> empty.put(n, null));
            return List.of(empty);
        }
        List<Map<String, Object>> all = new ArrayList<>();
        for (Base item : items) {
            all.addAll(product(s, resource, item));
        }
        return all;
    }

    private List<Map<String, Object>> product(Select s, Resource resource, Base focus) {
        Map<String, Object> own = new LinkedHashMap<>();
        for (Column column : s.columns()) {
            own.put(column.name(), value(column, evaluate(column.path(), resource, focus)));
        }
        List<Map<String, Object>> rows = List.of(own);
        for (Select nested : s.selects()) {
            rows = cross(rows, rows(nested, resource, focus));
        }
        if (!s.unionAll().isEmpty()) {
            List<Map<String, Object>> union = new ArrayList<>();
            for (Select branch : s.unionAll()) {
                union.addAll(rows(branch, resource, focus));
            }
            rows = cross(rows, union);
        }
        return rows;
    }

    private static List<Map<String, Object>> cross(List<Map<String, Object>> left, List<Map<String, Object>> right) {
        List<Map<String, Object>> out = new ArrayList<>(left.size() * right.size());
        for (Map<String, Object> l : left) {
            for (Map<String, Object> r : right) {
                Map<String, Object> row = new LinkedHashMap<>(l);
                row.putAll(r);
                out.add(row);
            }
        }
        return out;
    }

    private List<Base> evaluate(Expression expression, Resource resource, Base focus) {
        try {
            return engine.engine().evaluate(null, resource, resource, focus, expression.node());
        } catch (RuntimeException e) {
            return List.of(); // FHIRException and whatever the engine throws on a value: missing, not an error
        }
    }

    private static Object value(Column column, List<Base> values) {
        if (values.isEmpty()) {
            return null;
        }
        if (values.size() > 1) {
            return null; // ask first() or forEach for one value; which records hold several is not told
        }
        Base value = values.get(0);
        if (value instanceof BooleanType b) {
            return b.getValue();
        }
        if (value instanceof DecimalType d) {
            return d.getValue();
        }
        if (value instanceof IntegerType i) {
            return i.getValue() == null ? null : BigDecimal.valueOf(i.getValue());
        }
        if (value instanceof BaseDateTimeType date) {
            return date.getValueAsString();
        }
        if (value instanceof PrimitiveType<?> p) {
            return p.getValueAsString();
        }
        if (value.isPrimitive()) {
            return value.primitiveValue();
        }
        return null;
    }

    // ------------------------------------------------------------------------------------------ compiling

    /**
     * Checks a ViewDefinition and compiles its expressions.
     *
     * @param field the request field the view came from, e.g. {@code views[0]}
     */
    static CompiledView compile(FhirContext fhir, FhirPathEngines engine, JsonNode view, String field,
                                Set<String> permittedTypes, String hash) {
        if (!view.isObject()) {
            throw new InvalidRequestException(field, field + " must be a ViewDefinition object");
        }
        onlyFields(view, VIEW_FIELDS, field);
        if (view.has("resourceType") && !"ViewDefinition".equals(view.get("resourceType").asText())) {
            throw new InvalidRequestException(field + ".resourceType", field + ".resourceType must be ViewDefinition");
        }
        String name = text(view, "name", field);
        if (!NAME.matcher(name).matches()) {
            throw new InvalidRequestException(field + ".name", field + ".name must be a letter then letters, digits or _");
        }
        String resourceType = text(view, "resource", field);
        RuntimeResourceDefinition definition;
        try {
            definition = fhir.getResourceDefinition(resourceType);
        } catch (RuntimeException e) {
            throw new InvalidRequestException(field + ".resource", field + ".resource: unknown resource type " + resourceType);
        }
        if (!permittedTypes.contains(resourceType)) {
            throw new InvalidRequestException(field + ".resource", field + ".resource: the permit does not cover " + resourceType);
        }
        Focus root = Focus.of(definition);
        List<Expression> where = new ArrayList<>();
        JsonNode whereList = view.get("where");
        if (whereList != null) {
            array(whereList, field + ".where");
            for (int i = 0; i < whereList.size(); i++) {
                String f = field + ".where[" + i + "]";
                onlyFields(whereList.get(i), Set.of("path", "description"), f);
                Expression condition = expression(engine, text(whereList.get(i), "path", f), f + ".path");
                new FhirPathGuard(fhir, condition.field()).check(condition.node(), root);
                where.add(condition);
            }
        }
        JsonNode selects = view.get("select");
        if (selects == null || !selects.isArray() || selects.isEmpty()) {
            throw new InvalidRequestException(field + ".select", field + ".select must list at least one select");
        }
        Map<String, Focus> types = new LinkedHashMap<>();
        boolean[] unnests = {false};
        List<Select> top = new ArrayList<>();
        for (int i = 0; i < selects.size(); i++) {
            top.add(select(fhir, engine, selects.get(i), field + ".select[" + i + "]", root, types, unnests));
        }
        Select select = new Select(List.of(), top, List.of(), null, false, List.copyOf(types.keySet()));
        if (types.isEmpty()) {
            throw new InvalidRequestException(field + ".select", field + " has no columns");
        }
        boolean personLevel = "Patient".equals(resourceType) && !unnests[0];
        return new CompiledView(name, resourceType, hash, types, where, select, personLevel, engine);
    }

    /** Checks a FHIRPath condition on a resource of the type, naming {@code field} in any error. */
    static void checkCondition(FhirContext fhir, FhirPathEngines engine, String resourceType, String condition, String field) {
        Expression expression = expression(engine, condition, field);
        new FhirPathGuard(fhir, field).check(expression.node(), Focus.of(fhir.getResourceDefinition(resourceType)));
    }

    private static Select select(FhirContext fhir, FhirPathEngines engine, JsonNode node, String field, Focus focus,
                                 Map<String, Focus> types, boolean[] unnests) {
        if (!node.isObject()) {
            throw new InvalidRequestException(field, field + " must be an object");
        }
        onlyFields(node, SELECT_FIELDS, field);
        if (node.has("forEach") && node.has("forEachOrNull")) {
            throw new InvalidRequestException(field, field + " has both forEach and forEachOrNull");
        }
        Expression forEach = null;
        boolean orNull = node.has("forEachOrNull");
        Focus inner = focus;
        if (node.has("forEach") || orNull) {
            String key = orNull ? "forEachOrNull" : "forEach";
            forEach = expression(engine, text(node, key, field), field + "." + key);
            inner = new FhirPathGuard(fhir, forEach.field()).check(forEach.node(), focus);
            unnests[0] = true;
        }
        int before = types.size();
        List<Column> columns = new ArrayList<>();
        JsonNode columnList = node.get("column");
        if (columnList != null) {
            array(columnList, field + ".column");
            for (int i = 0; i < columnList.size(); i++) {
                String f = field + ".column[" + i + "]";
                JsonNode c = columnList.get(i);
                onlyFields(c, COLUMN_FIELDS, f);
                String name = text(c, "name", f);
                if (!NAME.matcher(name).matches()) {
                    throw new InvalidRequestException(f + ".name", f + ".name must be a letter then letters, digits or _");
                }
                if (c.has("collection") && c.get("collection").asBoolean()) {
                    throw new InvalidRequestException(f + ".collection", f + ": collection columns are not supported; use forEach");
                }
                Expression path = expression(engine, text(c, "path", f), f + ".path");
                Focus type = new FhirPathGuard(fhir, path.field()).check(path.node(), inner);
                if (!type.primitive()) {
                    throw new InvalidRequestException(path.field(), path.field() + ": the column " + name + " ends in "
                            + String.join("|", type.typeNames()) + ", not a primitive value (e.g. go on to .code or .value)");
                }
                if (types.putIfAbsent(name, type) != null) {
                    throw new InvalidRequestException(f + ".name", f + ": the view already has a column named " + name);
                }
                columns.add(new Column(name, path));
            }
        }
        List<Select> nested = new ArrayList<>();
        JsonNode selectList = node.get("select");
        if (selectList != null) {
            array(selectList, field + ".select");
            for (int i = 0; i < selectList.size(); i++) {
                nested.add(select(fhir, engine, selectList.get(i), field + ".select[" + i + "]", inner, types, unnests));
            }
        }
        List<Select> union = new ArrayList<>();
        JsonNode unionList = node.get("unionAll");
        if (unionList != null) {
            array(unionList, field + ".unionAll");
            List<String> first = null;
            for (int i = 0; i < unionList.size(); i++) {
                Map<String, Focus> branchTypes = new LinkedHashMap<>();
                Select branch = select(fhir, engine, unionList.get(i), field + ".unionAll[" + i + "]", inner, branchTypes, unnests);
                List<String> names = List.copyOf(branchTypes.keySet());
                if (first == null) {
                    first = names;
                    for (Map.Entry<String, Focus> e : branchTypes.entrySet()) {
                        if (types.putIfAbsent(e.getKey(), e.getValue()) != null) {
                            throw new InvalidRequestException(field + ".unionAll", field + ": the view already has a column named " + e.getKey());
                        }
                    }
                } else if (!first.equals(names)) {
                    throw new InvalidRequestException(field + ".unionAll[" + i + "]", field + ".unionAll[" + i
                            + "] must have the columns " + first + ", in that order");
                }
                union.add(branch);
            }
            unnests[0] = true;
        }
        List<String> names = new ArrayList<>(types.keySet()).subList(before, types.size());
        return new Select(columns, nested, union, forEach, orNull, List.copyOf(names));
    }

    private static Expression expression(FhirPathEngines engine, String text, String field) {
        try {
            return new Expression(field, engine.engine().parse(text));
        } catch (FHIRException e) {
            throw new InvalidRequestException(field, field + ": " + e.getMessage());
        }
    }

    /** Refuses any field of the object but the allowed ones, naming it and listing those it may have. */
    static void onlyFields(JsonNode node, Set<String> allowed, String field) {
        if (node == null || !node.isObject()) {
            throw new InvalidRequestException(field, field + " must be an object");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw new InvalidRequestException(field + "." + name, field + "." + name + " is not supported here (expected one of "
                        + allowed.stream().sorted().toList() + ")");
            }
        }
    }

    private static void array(JsonNode node, String field) {
        if (!node.isArray()) {
            throw new InvalidRequestException(field, field + " must be an array");
        }
    }

    static String text(JsonNode node, String key, String field) {
        JsonNode value = node.get(key);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw new InvalidRequestException(field + "." + key, field + "." + key + " must be a non-empty string");
        }
        return value.asText();
    }
}
