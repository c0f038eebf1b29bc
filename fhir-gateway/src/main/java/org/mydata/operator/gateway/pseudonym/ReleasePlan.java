package org.mydata.operator.gateway.pseudonym;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * What a records permit may release of its cohort's quasi-identifiers and codes, worked out from a survey of the
 * cohort's data before anything is released (k-anonymity by global recoding, in the manner of ARX):
 * <ul>
 *   <li>the demographic quasi-identifiers of the released Patient (birth year, sex, whether the person died, the
 *       country) are generalised by one scheme for the whole cohort: birth years into bands of a width from
 *       {@link #WIDTHS}, anchored at the top-coded year, and sex, death and country released or not, choosing the
 *       scheme that loses least among those under which every combination holds at least k persons; a few persons
 *       (at most {@link #MAX_SUPPRESSED_SHARE} of the cohort, and then at least k) may instead be released with no
 *       demographic value at all;</li>
 *   <li>a code ({@code system|code}) is released only if at least k persons of the cohort hold it; an ICD-10 code
 *       held by fewer is released as its three-character category if that is held by at least k; any other is
 *       dropped (the operator holds no hierarchy of SNOMED CT, LOINC, RxNorm or CVX).</li>
 * </ul>
 * Pure: no database, no FHIR; the gateway surveys and stores, {@link Pseudonymiser} applies.
 *
 * @param k              fewest persons per released combination and per released code
 * @param referenceYear  the year ages are counted to; birth years before {@code referenceYear - 90} are top-coded
 * @param scheme         the chosen generalisation of the demographic quasi-identifiers
 * @param persons        per account: the start of their birth-year band (null: no demographic value released) and
 *                       the keyed tags of the days an outsider may know (birth, death)
 * @param codes          every {@code system|code} that may be released as it is
 * @param generalised    released instead of a rare code: {@code system|code -> system|category}
 * @param figures        the uniqueness figures of the cohort before and after, for the steward and the manifest
 */
public record ReleasePlan(int k, int referenceYear, Scheme scheme, Map<UUID, PersonPlan> persons, Set<String> codes,
                          Map<String, String> generalised, Figures figures) {
    /** Birth-year band widths tried, narrowest first; 0 releases no birth year at all. */
    static final int[] WIDTHS = {1, 2, 3, 5, 10, 15, 20, 30, 50, 100, 0};
    /** Share of the cohort that may be released without demographic values rather than coarsen everyone. */
    static final double MAX_SUPPRESSED_SHARE = 0.05;
    /** HIPAA Safe Harbor: ages over 89 are one category. */
    public static final int TOP_CODED_AGE = 90;
    /**
     * Days either side of a birth or death day that are guarded too: an event a day or two from a known day (the
     * birth encounter recorded the next morning, the death certificate after the death) gives the offset away
     * almost as well as one on the day.
     */
    public static final int GUARD_WINDOW_DAYS = 3;

    /** The keyed tags of the days within {@link #GUARD_WINDOW_DAYS} of each known day (null days are skipped). */
    public static Set<String> guardedDays(org.mydata.operator.permit.PermitPseudonyms pseudonyms, UUID account,
                                          Collection<LocalDate> knownDays) {
        Set<String> tags = new HashSet<>();
        for (LocalDate day : knownDays) {
            if (day == null) {
                continue;
            }
            for (int d = -GUARD_WINDOW_DAYS; d <= GUARD_WINDOW_DAYS; d++) {
                tags.add(pseudonyms.dayTag(account, day.plusDays(d)));
            }
        }
        return tags;
    }
    public static final List<String> ICD10_SYSTEMS = List.of("http://hl7.org/fhir/sid/icd-10",
            "http://hl7.org/fhir/sid/icd-10-cm");

    public ReleasePlan {
        persons = Map.copyOf(persons);
        codes = Set.copyOf(codes);
        generalised = Map.copyOf(generalised);
    }

    /**
     * How the demographic quasi-identifiers are generalised.
     *
     * @param bandWidth birth-year band width in years (1: the year itself; 0: no birth year released)
     */
    public record Scheme(int bandWidth, boolean sex, boolean deceased, boolean country) {
    }

    /** One person's part of the plan. */
    public record PersonPlan(Integer bandStart, Set<String> guardedDays) {
        public PersonPlan {
            guardedDays = Set.copyOf(guardedDays);
        }

        public boolean suppressed() {
            return bandStart == null;
        }
    }

    /**
     * The uniqueness figures: shares are of the cohort's persons (0..1).
     *
     * @param uniqueBefore        unique on (birth year, sex) as the sources hold them (birth year as released
     *                            before this plan: top-coded at 90)
     * @param uniqueAfter         unique on the released demographic combination under the plan
     * @param uniqueWithCodes     unique on (birth year, sex, the set of codes held) before the plan
     * @param uniqueWithCodesAfter the same, on the released demographics and released codes
     * @param smallestClass       the fewest persons sharing a released demographic combination
     * @param rareCodes           distinct codes held by fewer than k persons
     * @param generalisedCodes    of those, released as their ICD-10 category
     * @param droppedCodes        of those, dropped
     * @param suppressedPersons   persons released with no demographic value
     */
    public record Figures(int persons, double uniqueBefore, double uniqueAfter, double uniqueWithCodes,
                          double uniqueWithCodesAfter, int smallestClass, int rareCodes, int generalisedCodes,
                          int droppedCodes, int suppressedPersons) {
        public Map<String, Object> toJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("persons", persons);
            json.put("unique_birth_year_sex_before", round(uniqueBefore));
            json.put("unique_birth_year_sex_after", round(uniqueAfter));
            json.put("unique_with_codes_before", round(uniqueWithCodes));
            json.put("unique_with_codes_after", round(uniqueWithCodesAfter));
            json.put("smallest_class", smallestClass);
            json.put("rare_codes", rareCodes);
            json.put("generalised_codes", generalisedCodes);
            json.put("dropped_codes", droppedCodes);
            json.put("suppressed_persons", suppressedPersons);
            return json;
        }

        private static double round(double share) {
            return Math.round(share * 10_000) / 10_000.0;
        }
    }

    /**
     * One person as the survey found them. Null values are unknown at the source (and released as nothing).
     *
     * @param codes       every {@code system|code} in their releasable resources
     * @param guardedDays keyed tags of days an outsider may know (birth, death), carried into the plan
     */
    public record Surveyed(UUID accountId, LocalDate birthDate, String sex, boolean deceased, String country,
                           Set<String> codes, Set<String> guardedDays) {
        public Surveyed {
            codes = Set.copyOf(codes);
            guardedDays = Set.copyOf(guardedDays);
        }
    }

    /** The plan for a surveyed cohort; the same cohort always gives the same plan. */
    public static ReleasePlan of(Collection<Surveyed> cohort, int k, LocalDate today) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1");
        }
        int referenceYear = today.getYear();
        List<Surveyed> people = new ArrayList<>(cohort);
        people.sort((a, b) -> a.accountId().compareTo(b.accountId()));
        Scheme best = null;
        Set<UUID> bestSuppressed = Set.of();
        double bestLoss = Double.MAX_VALUE;
        for (int level = 0; level < WIDTHS.length; level++) {
            for (int flags = 0; flags < 8; flags++) {
                Scheme scheme = new Scheme(WIDTHS[level], (flags & 4) == 0, (flags & 2) == 0, (flags & 1) == 0);
                Set<UUID> small = smallClasses(people, scheme, k, today);
                boolean acceptable = small.isEmpty() || (small.size() >= k
                        && small.size() <= MAX_SUPPRESSED_SHARE * people.size());
                if (!acceptable) {
                    continue;
                }
                // Loss: a band level costs 2, losing sex 6, death 4, country 1, each percent suppressed 1.
                double loss = 2.0 * level + ((flags & 4) != 0 ? 6 : 0) + ((flags & 2) != 0 ? 4 : 0)
                        + ((flags & 1) != 0 ? 1 : 0) + 100.0 * small.size() / Math.max(1, people.size());
                if (loss < bestLoss) {
                    bestLoss = loss;
                    best = scheme;
                    bestSuppressed = small;
                }
            }
        }
        if (best == null) {
            // Fewer than k persons in all: nothing demographic can be released of anyone.
            best = new Scheme(0, false, false, false);
            Set<UUID> everyone = new HashSet<>();
            people.forEach(p -> everyone.add(p.accountId()));
            bestSuppressed = everyone;
        }
        Map<UUID, PersonPlan> persons = new HashMap<>();
        for (Surveyed p : people) {
            Integer band = bestSuppressed.contains(p.accountId()) ? null : bandStart(p.birthDate(), best.bandWidth(), today);
            if (!bestSuppressed.contains(p.accountId()) && band == null) {
                band = NO_BAND;
            }
            persons.put(p.accountId(), new PersonPlan(bestSuppressed.contains(p.accountId()) ? null : band,
                    p.guardedDays()));
        }
        // Codes: who holds what, and each rare ICD-10 code's category.
        Map<String, Set<UUID>> holders = new HashMap<>();
        Map<String, Set<UUID>> categoryHolders = new HashMap<>();
        for (Surveyed p : people) {
            for (String code : p.codes()) {
                holders.computeIfAbsent(code, c -> new HashSet<>()).add(p.accountId());
                String category = icd10Category(code);
                if (category != null) {
                    categoryHolders.computeIfAbsent(category, c -> new HashSet<>()).add(p.accountId());
                }
            }
        }
        Set<String> allowed = new TreeSet<>();
        Map<String, String> generalised = new TreeMap<>();
        int rare = 0;
        for (Map.Entry<String, Set<UUID>> entry : holders.entrySet()) {
            if (entry.getValue().size() >= k) {
                allowed.add(entry.getKey());
                continue;
            }
            rare++;
            String category = icd10Category(entry.getKey());
            if (category != null && categoryHolders.get(category).size() >= k) {
                generalised.put(entry.getKey(), category);
            }
        }
        Figures figures = figures(people, best, persons, allowed, generalised, k, rare, today);
        return new ReleasePlan(k, referenceYear, best, persons, allowed, generalised, figures);
    }

    /** The plan as stored with its permit (JSON). */
    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("k", k);
        json.put("reference_year", referenceYear);
        json.put("band_width", scheme.bandWidth());
        json.put("sex", scheme.sex());
        json.put("deceased", scheme.deceased());
        json.put("country", scheme.country());
        Map<String, Object> people = new TreeMap<>();
        persons.forEach((account, person) -> {
            Map<String, Object> one = new LinkedHashMap<>();
            one.put("band", person.bandStart());
            one.put("guarded", List.copyOf(new TreeSet<>(person.guardedDays())));
            people.put(account.toString(), one);
        });
        json.put("persons", people);
        json.put("codes", List.copyOf(new TreeSet<>(codes)));
        json.put("generalised", new TreeMap<>(generalised));
        json.put("figures", figures.toJson());
        return json;
    }

    @SuppressWarnings("unchecked")
    public static ReleasePlan fromJson(Map<String, Object> json) {
        Map<UUID, PersonPlan> persons = new HashMap<>();
        ((Map<String, Object>) json.get("persons")).forEach((account, value) -> {
            Map<String, Object> one = (Map<String, Object>) value;
            Number band = (Number) one.get("band");
            persons.put(UUID.fromString(account), new PersonPlan(band == null ? null : band.intValue(),
                    new HashSet<>((Collection<String>) one.get("guarded"))));
        });
        Map<String, Object> f = (Map<String, Object>) json.get("figures");
        Figures figures = new Figures(num(f, "persons").intValue(), num(f, "unique_birth_year_sex_before").doubleValue(),
                num(f, "unique_birth_year_sex_after").doubleValue(), num(f, "unique_with_codes_before").doubleValue(),
                num(f, "unique_with_codes_after").doubleValue(), num(f, "smallest_class").intValue(),
                num(f, "rare_codes").intValue(), num(f, "generalised_codes").intValue(),
                num(f, "dropped_codes").intValue(), num(f, "suppressed_persons").intValue());
        return new ReleasePlan(num(json, "k").intValue(), num(json, "reference_year").intValue(),
                new Scheme(num(json, "band_width").intValue(), (Boolean) json.get("sex"), (Boolean) json.get("deceased"),
                        (Boolean) json.get("country")),
                persons, new HashSet<>((Collection<String>) json.get("codes")),
                (Map<String, String>) json.get("generalised"), figures);
    }

    private static Number num(Map<String, Object> json, String name) {
        return (Number) json.get(name);
    }

    /** Band start of a person the sources hold no birth date of: they form a class of their own. */
    public static final int NO_BAND = Integer.MIN_VALUE;

    /** The year a birth year is released as before banding: the year itself, or the top-coded year at 90 and over. */
    public static int topCodedYear(LocalDate born, LocalDate today) {
        return born.plusYears(TOP_CODED_AGE).isAfter(today) ? born.getYear() : today.getYear() - TOP_CODED_AGE;
    }

    /**
     * The first year of the person's band: bands are anchored at the top-coded year, so the oldest band starts at
     * exactly that year and no released birth year implies an age over 89. Null when no birth year is released.
     */
    static Integer bandStart(LocalDate born, int width, LocalDate today) {
        if (born == null || width == 0) {
            return null;
        }
        int anchor = today.getYear() - TOP_CODED_AGE;
        int year = Math.max(anchor, topCodedYear(born, today));
        return anchor + Math.floorDiv(year - anchor, width) * width;
    }

    /** The released birth-year band of a person under this plan, as {@code [first, last]}; null if none. */
    public int[] band(UUID accountId) {
        PersonPlan person = persons.get(accountId);
        if (person == null || person.suppressed() || person.bandStart() == NO_BAND || scheme.bandWidth() == 0) {
            return null;
        }
        return new int[] {person.bandStart(), Math.min(referenceYear, person.bandStart() + scheme.bandWidth() - 1)};
    }

    /** What a coding {@code system|code} is released as: itself, its category, or null (dropped). */
    public String releasedCode(String system, String code) {
        String key = system + "|" + code;
        if (codes.contains(key)) {
            return key;
        }
        return generalised.get(key);
    }

    /** {@code system|A00} for an ICD-10 code {@code system|A00.1}; null for any other system. */
    static String icd10Category(String code) {
        int bar = code.lastIndexOf('|');
        if (bar < 0 || !ICD10_SYSTEMS.contains(code.substring(0, bar))) {
            return null;
        }
        String value = code.substring(bar + 1).replace(".", "");
        return value.length() > 3 ? code.substring(0, bar) + "|" + value.substring(0, 3) : null;
    }

    private static Set<UUID> smallClasses(List<Surveyed> people, Scheme scheme, int k, LocalDate today) {
        Map<List<Object>, List<UUID>> classes = new HashMap<>();
        for (Surveyed p : people) {
            classes.computeIfAbsent(key(p, scheme, bandStart(p.birthDate(), scheme.bandWidth(), today)),
                    c -> new ArrayList<>()).add(p.accountId());
        }
        Set<UUID> small = new HashSet<>();
        classes.values().stream().filter(c -> c.size() < k).forEach(small::addAll);
        return small;
    }

    private static List<Object> key(Surveyed p, Scheme scheme, Integer band) {
        List<Object> key = new ArrayList<>(4);
        key.add(band == null ? "*" : band);
        key.add(scheme.sex() ? Objects.toString(p.sex(), "?") : "*");
        key.add(scheme.deceased() ? p.deceased() : "*");
        key.add(scheme.country() ? Objects.toString(p.country(), "?") : "*");
        return key;
    }

    private static Figures figures(List<Surveyed> people, Scheme scheme, Map<UUID, PersonPlan> plan,
                                   Set<String> allowed, Map<String, String> generalised, int k, int rare,
                                   LocalDate today) {
        Map<List<Object>, Integer> before = new HashMap<>();
        Map<List<Object>, Integer> after = new HashMap<>();
        Map<List<Object>, Integer> beforeCodes = new HashMap<>();
        Map<List<Object>, Integer> afterCodes = new HashMap<>();
        Scheme plain = new Scheme(1, true, false, false);
        Scheme none = new Scheme(0, false, false, false);
        for (Surveyed p : people) {
            List<Object> b = key(p, plain, bandStart(p.birthDate(), 1, today));
            PersonPlan mine = plan.get(p.accountId());
            List<Object> a = mine.suppressed() ? key(p, none, null) : key(p, scheme, mine.bandStart());
            before.merge(b, 1, Integer::sum);
            after.merge(a, 1, Integer::sum);
            Set<String> released = new TreeSet<>();
            for (String code : p.codes()) {
                if (allowed.contains(code)) {
                    released.add(code);
                } else if (generalised.containsKey(code)) {
                    released.add(generalised.get(code));
                }
            }
            List<Object> bc = new ArrayList<>(b);
            bc.add(new TreeSet<>(p.codes()));
            List<Object> ac = new ArrayList<>(a);
            ac.add(released);
            beforeCodes.merge(bc, 1, Integer::sum);
            afterCodes.merge(ac, 1, Integer::sum);
        }
        int n = people.size();
        int smallest = after.values().stream().mapToInt(Integer::intValue).min().orElse(0);
        int suppressed = (int) plan.values().stream().filter(PersonPlan::suppressed).count();
        return new Figures(n, uniqueShare(before, n), uniqueShare(after, n), uniqueShare(beforeCodes, n), uniqueShare(afterCodes, n), smallest, rare,
                generalised.size(), rare - generalised.size(), suppressed);
    }

    private static double uniqueShare(Map<List<Object>, Integer> classes, int n) {
        if (n == 0) {
            return 0;
        }
        return classes.values().stream().filter(c -> c == 1).count() / (double) n;
    }
}
