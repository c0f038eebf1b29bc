package org.mydata.operator.statistics;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.mydata.operator.failure.InvalidRequestException;
import org.mydata.operator.programme.DisclosureSettings;

/**
 * The aggregation half of a statistical request, over rows the views already made, and the disclosure
 * control of its answer. Pure: the same persons, settings and reference date give the same answer.
 *
 * <p>Semantics (docs/statistics.md, "Requests"):
 * <ul>
 *   <li>A person is in the cohort when, for every criterion, they have at least one row of its view (that
 *       has a value in its set, when it names a column).</li>
 *   <li>A <em>person-level</em> view (Patient, without forEach) gives each person one value per column; a
 *       person whose rows disagree has no value. Any other view is an <em>event</em> view: its rows are
 *       events, and at most one event view may be grouped by.</li>
 *   <li>Grouped by person-level columns only, each person falls in one cell; measures over a view take the
 *       rows of that view of the cell's persons. Grouped by an event view's columns, each of its rows falls
 *       in one cell, a person is counted in every cell one of their rows falls in, and measures must be over
 *       that view.</li>
 *   <li>Every combination of groups and "all" ({@value StatisticalAnswer#ALL}) is a row: the cells, the
 *       margins and the total.</li>
 * </ul>
 */
public record Aggregation(List<Criterion> cohort, List<Grouping> groupBy, List<Measure> measures) {
    /** Most group columns in one request: more dimensions mean smaller cells and more margins to protect. */
    public static final int MAX_GROUPS = 3;
    public static final String METHOD = "minimum cell size, secondary suppression, cell-key perturbation, dominance rule";

    private static final MathContext SIGNIFICANT = new MathContext(4, RoundingMode.HALF_EVEN);

    /** Has a row of the view, with a value in {@code in} when {@code column} is named. */
    public record Criterion(String view, String viewHash, String column, Set<String> in) {
        public Criterion {
            Objects.requireNonNull(viewHash, "viewHash");
            in = in == null ? null : Set.copyOf(in);
            if ((column == null) != (in == null)) {
                throw new IllegalArgumentException("a column criterion names both the column and its values");
            }
        }

        boolean matches(PersonRows person) {
            for (Map<String, Object> row : person.rows(viewHash)) {
                if (column == null || in.contains(Generalisation.plain(row.get(column)))) {
                    return true;
                }
            }
            return false;
        }
    }

    /** A group column: a view's column, generalised, named {@code as} in the answer. */
    public record Grouping(String view, String viewHash, boolean personLevel, String column, String as,
                           Generalisation generalisation) {
        public Grouping {
            Objects.requireNonNull(viewHash, "viewHash");
            Objects.requireNonNull(column, "column");
            Objects.requireNonNull(as, "as");
            Objects.requireNonNull(generalisation, "generalisation");
        }
    }

    /** One measure column of the answer. */
    public sealed interface Measure permits Persons, Resources, Sum, Mean, Quantile {
        String name();

        /** The view whose rows the measure takes, or null for persons. */
        String viewHash();

        /** The numeric column, or null for counts. */
        default String column() {
            return null;
        }
    }

    /** Distinct persons in the cell. */
    public record Persons(String name) implements Measure {
        @Override
        public String viewHash() {
            return null;
        }
    }

    /** Rows of a view in the cell (resources, or the view's forEach items). */
    public record Resources(String name, String view, String viewHash) implements Measure {
    }

    /** Sum of a numeric column over the cell's rows. */
    public record Sum(String name, String view, String viewHash, String column) implements Measure {
    }

    /** Mean of a numeric column over the cell's rows. */
    public record Mean(String name, String view, String viewHash, String column) implements Measure {
    }

    /** A quantile of a numeric column over the cell's rows; extreme probabilities would be the minimum or maximum. */
    public record Quantile(String name, String view, String viewHash, String column, double probability) implements Measure {
        public static final double LOWEST = 0.1;
        public static final double HIGHEST = 0.9;

        public Quantile {
            if (!(probability >= LOWEST && probability <= HIGHEST)) {
                throw new IllegalArgumentException("a quantile's probability lies in [0.1, 0.9]");
            }
        }
    }

    public Aggregation {
        cohort = List.copyOf(cohort);
        groupBy = List.copyOf(groupBy);
        measures = List.copyOf(measures);
        if (groupBy.size() > MAX_GROUPS) {
            throw new InvalidRequestException("groupBy", "at most " + MAX_GROUPS + " group columns, not " + groupBy.size());
        }
        if (measures.isEmpty()) {
            throw new InvalidRequestException("measures", "name at least one measure");
        }
        String event = null;
        for (int i = 0; i < groupBy.size(); i++) {
            Grouping g = groupBy.get(i);
            if (!g.personLevel()) {
                if (event != null && !event.equals(g.viewHash())) {
                    throw new InvalidRequestException("groupBy[" + i + "].view",
                            "group columns may come from one event view only; " + g.view() + " is a second one");
                }
                event = g.viewHash();
            }
        }
        Set<String> names = new HashSet<>();
        groupBy.forEach(g -> names.add(g.as()));
        if (names.size() != groupBy.size()) {
            throw new InvalidRequestException("groupBy", "two group columns have the same name");
        }
        for (int i = 0; i < measures.size(); i++) {
            Measure m = measures.get(i);
            if (!names.add(m.name())) {
                throw new InvalidRequestException("measures[" + i + "]", "the answer already has a column named " + m.name());
            }
            if (event != null && m.viewHash() != null && !m.viewHash().equals(event)) {
                throw new InvalidRequestException("measures[" + i + "]",
                        "grouped by an event view's columns, measures must be over that view");
            }
        }
    }

    /** The event view grouped by, or null when all groups are person-level. */
    private String eventView() {
        return groupBy.stream().filter(g -> !g.personLevel()).map(Grouping::viewHash).findFirst().orElse(null);
    }

    /** The columns of the answer: group columns, then measures. */
    List<AnswerColumn> columns() {
        List<AnswerColumn> columns = new ArrayList<>();
        groupBy.forEach(g -> columns.add(new AnswerColumn(g.as(), "string")));
        for (Measure m : measures) {
            columns.add(new AnswerColumn(m.name(), m instanceof Persons || m instanceof Resources ? "integer" : "decimal"));
        }
        return columns;
    }

    /**
     * The protected answer over exactly the persons the release policy allows.
     *
     * @param persons       every person allowed for the permit now (the cohort is chosen among them)
     * @param referenceDate the date ages are taken at
     */
    public StatisticalAnswer answer(List<PersonRows> persons, DisclosureSettings settings, LocalDate referenceDate) {
        int threshold = settings.minimumCellSize();
        List<PersonRows> members = persons.stream().filter(p -> cohort.stream().allMatch(c -> c.matches(p))).toList();
        int excluded = persons.size() - members.size();
        // a cohort that leaves out only a few of the allowed persons is the complement of a small group
        // ("everyone except ..."): its counts minus the total would single those few out
        boolean smallComplement = excluded > 0 && excluded < threshold;

        Map<List<String>, Cell> cells = new HashMap<>();
        int k = groupBy.size();
        cells.put(allKey(k), new Cell(measures.size()));
        String event = eventView();
        for (PersonRows person : members) {
            String[] personValues = personValues(person, referenceDate);
            if (event == null) {
                List<String> key = Arrays.asList(personValues);
                for (List<String> margin : margins(key)) {
                    Cell cell = cells.computeIfAbsent(margin, x -> new Cell(measures.size()));
                    cell.persons.put(person.personKey(), person);
                    for (int m = 0; m < measures.size(); m++) {
                        Measure measure = measures.get(m);
                        if (measure.viewHash() != null) {
                            for (Map<String, Object> row : person.rows(measure.viewHash())) {
                                cell.add(m, person, value(measure, m, row));
                            }
                        }
                    }
                }
            } else {
                for (Map<String, Object> row : person.rows(event)) {
                    String[] key = personValues.clone();
                    for (int g = 0; g < k; g++) {
                        Grouping grouping = groupBy.get(g);
                        if (!grouping.personLevel()) {
                            key[g] = grouping.generalisation().apply(row.get(grouping.column()), referenceDate);
                        }
                    }
                    for (List<String> margin : margins(Arrays.asList(key))) {
                        Cell cell = cells.computeIfAbsent(margin, x -> new Cell(measures.size()));
                        cell.persons.put(person.personKey(), person);
                        for (int m = 0; m < measures.size(); m++) {
                            if (measures.get(m).viewHash() != null) {
                                cell.add(m, person, value(measures.get(m), m, row));
                            }
                        }
                    }
                }
            }
        }

        List<List<String>> keys = new ArrayList<>(cells.keySet());
        keys.sort(KEY_ORDER);
        int rowsCount = keys.size();
        Object[][] values = new Object[rowsCount][measures.size()];
        boolean[][] suppressed = new boolean[rowsCount][measures.size()];
        int[] sizes = new int[rowsCount];
        for (int r = 0; r < rowsCount; r++) {
            Cell cell = cells.get(keys.get(r));
            sizes[r] = cell.persons.size();
            // the cell's own count is perturbed before it is compared with the threshold, so a true count
            // just under or at the threshold is not a yes/no answer
            double key = PerturbationTable.cellKey(cell.persons.values().stream().mapToDouble(PersonRows::recordKey).sum());
            boolean small = smallComplement || PerturbationTable.releasedCount(cell.persons.size(), threshold, key) == null;
            for (int m = 0; m < measures.size(); m++) {
                Object released = small ? null : release(measures.get(m), cell, m, settings);
                values[r][m] = released;
                suppressed[r][m] = released == null;
            }
        }
        secondarySuppression(keys, sizes, suppressed);

        // a cell with nothing to release is absent: its labels (the group values) would otherwise tell that
        // such a combination occurs, which for fine groups is a person's record; it counts in "suppressed" only
        List<List<Object>> rows = new ArrayList<>(rowsCount);
        int nulls = 0;
        for (int r = 0; r < rowsCount; r++) {
            List<Object> row = new ArrayList<>(keys.get(r));
            boolean any = false;
            for (int m = 0; m < measures.size(); m++) {
                if (suppressed[r][m]) {
                    nulls++;
                    row.add(null);
                } else {
                    any = true;
                    row.add(values[r][m]);
                }
            }
            if (any) {
                rows.add(row);
            }
        }
        return new StatisticalAnswer(columns(), rows, nulls, protection(settings, referenceDate));
    }

    private static Protection protection(DisclosureSettings settings, LocalDate referenceDate) {
        Map<String, Object> parameters = new LinkedHashMap<>(PerturbationTable.published());
        parameters.put("dominanceShare", settings.dominanceShare());
        parameters.put("referenceDate", referenceDate.toString());
        parameters.put("magnitudeSignificantDigits", SIGNIFICANT.getPrecision());
        parameters.put("quantileMethod", "over one value per person (the mean of the person's values in the cell), "
                + "linear interpolation between order statistics (Hyndman and Fan type 7)");
        parameters.put("magnitudeMinimumPersons", "threshold persons whose contribution is not zero");
        parameters.put("resourcesDominance", "no one person carries more than dominanceShare of a resources count");
        parameters.put("suppressedCells", "absent from the rows, counted in suppressed");
        parameters.put("quantileProbabilities", List.of(Quantile.LOWEST, Quantile.HIGHEST));
        parameters.put("secondarySuppression",
                "in every sum relation (a margin or total and the cells it adds up), never exactly one value suppressed");
        parameters.put("cohortComplement", "no value released when the cohort leaves out fewer than threshold of the allowed persons");
        return new Protection(METHOD, settings.minimumCellSize(), parameters);
    }

    private String[] personValues(PersonRows person, LocalDate referenceDate) {
        String[] values = new String[groupBy.size()];
        for (int g = 0; g < groupBy.size(); g++) {
            Grouping grouping = groupBy.get(g);
            if (grouping.personLevel()) {
                Set<String> distinct = new HashSet<>();
                for (Map<String, Object> row : person.rows(grouping.viewHash())) {
                    distinct.add(grouping.generalisation().apply(row.get(grouping.column()), referenceDate));
                }
                values[g] = distinct.size() == 1 ? distinct.iterator().next() : null;
            }
        }
        return values;
    }

    private static BigDecimal value(Measure measure, int index, Map<String, Object> row) {
        if (measure.column() == null) {
            return BigDecimal.ZERO;
        }
        Object value = row.get(measure.column());
        // a value that is not a number depends on the data, not on the request: it is missing, never an error
        // (an error would tell the researcher something about a record, outside any protected answer)
        return value instanceof BigDecimal number ? number : null;
    }

    private Object release(Measure measure, Cell cell, int m, DisclosureSettings settings) {
        int threshold = settings.minimumCellSize();
        if (measure instanceof Persons) {
            long n = cell.persons.size();
            double key = PerturbationTable.cellKey(cell.persons.values().stream().mapToDouble(PersonRows::recordKey).sum());
            return PerturbationTable.releasedCount(n, threshold, key);
        }
        List<Contribution> contributions = cell.contributions.get(m);
        Map<UUID, List<Contribution>> byPerson = new LinkedHashMap<>();
        for (Contribution c : contributions) {
            if (measure instanceof Resources || c.value() != null) {
                byPerson.computeIfAbsent(c.person().personKey(), x -> new ArrayList<>()).add(c);
            }
        }
        // keyed by the distinct contributing persons, as the count of those persons would be
        double key = PerturbationTable.cellKey(byPerson.values().stream().mapToDouble(l -> l.get(0).person().recordKey()).sum());
        if (PerturbationTable.releasedCount(byPerson.size(), threshold, key) == null) {
            return null;
        }
        if (measure instanceof Resources) {
            // one person with many resources would carry the count: the dominance rule applies to counts too
            if (dominatedBy(byPerson, l -> l.size(), settings.dominanceShare())) {
                return null;
            }
            return PerturbationTable.releasedCount(contributions.size(), threshold, key);
        }
        // magnitudes need the threshold of persons whose contribution is not zero: zeros carry no cover
        long nonZero = byPerson.values().stream().filter(l -> absoluteSum(l) > 0).count();
        if (nonZero < threshold || dominatedBy(byPerson, Aggregation::absoluteSum, settings.dominanceShare())) {
            return null;
        }
        double multiplier = PerturbationTable.magnitudeMultiplier(key);
        if (measure instanceof Mean || measure instanceof Sum) {
            double[] xs = contributions.stream().map(Contribution::value).filter(Objects::nonNull)
                    .mapToDouble(BigDecimal::doubleValue).toArray();
            double scale = PerturbationTable.magnitudeScale(standardDeviation(xs) / Math.sqrt(byPerson.size()), meanAbsolute(xs));
            double noise = multiplier * scale;
            if (measure instanceof Sum) {
                // the sum's standard error is n times the mean's: the noise hides one person's share the same way
                return round(Arrays.stream(xs).sum() + noise * byPerson.size());
            }
            return round(Arrays.stream(xs).average().orElseThrow() + noise);
        }
        // quantiles over persons, not rows: each person gives one value, the mean of their values in the cell,
        // so one person with many readings moves a quantile no more than anyone else
        double[] perPerson = byPerson.values().stream()
                .mapToDouble(l -> l.stream().mapToDouble(c -> c.value().doubleValue()).average().orElseThrow())
                .sorted().toArray();
        double scale = PerturbationTable.magnitudeScale(standardDeviation(perPerson) / Math.sqrt(perPerson.length), meanAbsolute(perPerson));
        return round(quantile(perPerson, ((Quantile) measure).probability()) + multiplier * scale);
    }

    private static double absoluteSum(List<Contribution> own) {
        return own.stream().mapToDouble(c -> c.value().abs().doubleValue()).sum();
    }

    private static double meanAbsolute(double[] xs) {
        return Arrays.stream(xs).map(Math::abs).average().orElse(0);
    }

    /** Whether one person carries more than the allowed share of the total of a per-person amount. */
    private static boolean dominatedBy(Map<UUID, List<Contribution>> byPerson,
                                       java.util.function.ToDoubleFunction<List<Contribution>> amount, double share) {
        double total = 0;
        double largest = 0;
        for (List<Contribution> own : byPerson.values()) {
            double a = amount.applyAsDouble(own);
            total += a;
            largest = Math.max(largest, a);
        }
        return total > 0 && largest > share * total;
    }

    static double quantile(double[] sorted, double p) {
        double h = (sorted.length - 1) * p;
        int low = (int) Math.floor(h);
        int high = Math.min(low + 1, sorted.length - 1);
        return sorted[low] + (h - low) * (sorted[high] - sorted[low]);
    }

    private static double standardDeviation(double[] xs) {
        if (xs.length < 2) {
            return 0;
        }
        double mean = Arrays.stream(xs).average().orElseThrow();
        double squares = Arrays.stream(xs).map(x -> (x - mean) * (x - mean)).sum();
        return Math.sqrt(squares / (xs.length - 1));
    }

    /** Four significant digits, written plainly (6200, not 6.2E+3). */
    static BigDecimal round(double value) {
        BigDecimal rounded = new BigDecimal(value).round(SIGNIFICANT).stripTrailingZeros();
        return rounded.scale() < 0 ? rounded.setScale(0) : rounded;
    }

    /**
     * Secondary suppression: in every sum relation the answer shows (a margin or total row, and the rows one
     * dimension finer that add up to it), a measure may not have exactly one suppressed value, or that value
     * would be the margin minus the others. Then the smallest released member is suppressed too, until no
     * relation has exactly one. Perturbed margins do not add up exactly anyway; this holds without them.
     */
    static void secondarySuppression(List<List<String>> keys, int[] sizes, boolean[][] suppressed) {
        if (keys.isEmpty() || keys.get(0).isEmpty()) {
            return;
        }
        Map<List<String>, Integer> index = new HashMap<>();
        for (int r = 0; r < keys.size(); r++) {
            index.put(keys.get(r), r);
        }
        List<int[]> relations = new ArrayList<>(); // [total, member, member, ...]
        int k = keys.get(0).size();
        for (int d = 0; d < k; d++) {
            Map<List<String>, List<Integer>> members = new LinkedHashMap<>();
            for (int r = 0; r < keys.size(); r++) {
                List<String> key = keys.get(r);
                if (!StatisticalAnswer.ALL.equals(key.get(d))) {
                    List<String> total = new ArrayList<>(key);
                    total.set(d, StatisticalAnswer.ALL);
                    members.computeIfAbsent(total, x -> new ArrayList<>()).add(r);
                }
            }
            members.forEach((total, rows) -> {
                int[] relation = new int[rows.size() + 1];
                relation[0] = index.get(total);
                for (int i = 0; i < rows.size(); i++) {
                    relation[i + 1] = rows.get(i);
                }
                relations.add(relation);
            });
        }
        int measures = suppressed[0].length;
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int[] relation : relations) {
                for (int m = 0; m < measures; m++) {
                    int count = 0;
                    for (int r : relation) {
                        if (suppressed[r][m]) {
                            count++;
                        }
                    }
                    if (count != 1) {
                        continue;
                    }
                    int pick = -1;
                    for (int i = 1; i < relation.length; i++) {
                        int r = relation[i];
                        if (!suppressed[r][m] && (pick < 0 || sizes[r] < sizes[pick])) {
                            pick = r;
                        }
                    }
                    if (pick < 0) {
                        pick = relation[0];
                    }
                    suppressed[pick][m] = true;
                    changed = true;
                }
            }
        }
    }

    private static List<String> allKey(int k) {
        List<String> key = new ArrayList<>(k);
        for (int i = 0; i < k; i++) {
            key.add(StatisticalAnswer.ALL);
        }
        return key;
    }

    /** The key itself and every key with some of its values replaced by "all": the margins it adds to. */
    private static List<List<String>> margins(List<String> key) {
        int k = key.size();
        List<List<String>> all = new ArrayList<>(1 << k);
        for (int mask = 0; mask < (1 << k); mask++) {
            List<String> margin = new ArrayList<>(k);
            for (int i = 0; i < k; i++) {
                margin.add((mask & (1 << i)) != 0 ? StatisticalAnswer.ALL : key.get(i));
            }
            all.add(margin);
        }
        return all;
    }

    /** Missing values first, then values in order, then "all". */
    private static final Comparator<String> VALUE_ORDER = (a, b) -> {
        if (Objects.equals(a, b)) {
            return 0;
        }
        if (a == null || StatisticalAnswer.ALL.equals(b)) {
            return -1;
        }
        if (b == null || StatisticalAnswer.ALL.equals(a)) {
            return 1;
        }
        return a.compareTo(b);
    };

    private static final Comparator<List<String>> KEY_ORDER = (a, b) -> {
        for (int i = 0; i < a.size(); i++) {
            int c = VALUE_ORDER.compare(a.get(i), b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return 0;
    };

    record Contribution(PersonRows person, BigDecimal value) {
    }

    private static final class Cell {
        final Map<UUID, PersonRows> persons = new LinkedHashMap<>();
        final List<List<Contribution>> contributions = new ArrayList<>();

        Cell(int measures) {
            for (int i = 0; i < measures; i++) {
                contributions.add(new ArrayList<>());
            }
        }

        void add(int measure, PersonRows person, BigDecimal value) {
            contributions.get(measure).add(new Contribution(person, value));
        }
    }
}
