package org.mydata.operator.gateway.pseudonym;

import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Calendar;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.hl7.fhir.r4.model.Base;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.PrimitiveType;
import org.hl7.fhir.r4.model.Property;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Range;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.mydata.operator.gateway.SourceReference;
import org.mydata.operator.gateway.registry.BrokeredTypes;
import org.mydata.operator.permit.PermitPseudonyms;
import org.mydata.operator.permit.Permits.PseudonymKey;
import org.mydata.operator.programme.DataScope;

/**
 * Turns a source's resource into what one research project may see, by the allowlist of
 * {@link DeidentificationProfiles}: each element is kept, shifted, pseudonymised or generalised as its type's
 * profile says, and everything the profile does not name is dropped. Per permit:
 * <ul>
 *   <li>a resource's logical id and every reference become {@code HMAC-SHA256(permit key, type|source|id)}, 128
 *       bits in hex: stable within the permit, unlinkable across permits, not reversible;</li>
 *   <li>the person is one Patient, {@code HMAC(permit key, person|account)}, whichever sources hold their
 *       records;</li>
 *   <li>every released date of a person's data moves by the same number of days, a per-person, per-permit
 *       offset in [-182, 182] that is never zero: intervals within one person's record stay true, calendar
 *       dates do not.</li>
 * </ul>
 * One instance serves one permit's request or export and may be used from several threads at once (the broker
 * decides chunks in parallel); each resource it changes belongs to one thread.
 */
public final class Pseudonymiser {
    /** The extension that states a released birth year's band when it is wider than one year. */
    public static final String BIRTH_YEAR_BAND = "urn:mydata-operator:fhir:birth-year-band";
    public static final String OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category";
    /** UCUM's year: a Quantity in years over 89 is an age a top-coded person must not show. */
    private static final String UCUM = "http://unitsofmeasure.org";
    /** The scope category that releases social history, and with it the social-context codes of the profiles. */
    public static final String SOCIAL_HISTORY = "social-history";
    /**
     * The element naming what a resource is: when the release plan drops every coding of it (all rare), the
     * resource would say nothing but a date and is withheld.
     */
    private static final Map<String, String> WHAT_IT_IS = Map.of("Observation", "code", "Condition", "code",
            "Procedure", "code", "MedicationRequest", "medication[x]", "Immunization", "vaccineCode",
            "DiagnosticReport", "code", "AllergyIntolerance", "code");

    private final DeidentificationProfiles profiles;
    private final Set<String> releasedTypes;
    private final Set<String> observationCategories;
    /** Whether the scope releases social history: else the profiles' social-context codings never leave. */
    private final boolean socialHistory;
    private final ReleasePlan plan;
    private final Counts counts;
    /** One per pseudonymiser: looking an HMAC up and keying it cost more than computing one. */
    private final PermitPseudonyms pseudonyms;
    /**
     * Dates, birth and death as the source holds them, every code kept, no release plan: what the statistics store
     * holds, from which only protected aggregates leave (disclosure control takes the place of the plan there).
     */
    private final boolean trueDates;

    /**
     * A pseudonymiser that names persons and resources only: with no release plan, it releases no resource
     * ({@link #apply} withholds all), which is what the gateway does for a person no plan covers.
     */
    public Pseudonymiser(PseudonymKey permitKey, Collection<String> releasedTypes, Clock clock) {
        this(permitKey, releasedTypes, DataScope.DEFAULT_OBSERVATION_CATEGORIES, null, clock,
                DeidentificationProfiles.standard());
    }

    /**
     * @param releasedTypes the types the permit releases: a reference to any other type is dropped
     * @param observationCategories the Observation categories the permit's scope releases; any other
     *     Observation is withheld
     * @param plan the permit's release plan (null: nothing is released)
     * @param clock unused: the plan carries the year ages are counted to (kept for the callers' one signature)
     */
    public Pseudonymiser(PseudonymKey permitKey, Collection<String> releasedTypes,
                         Collection<String> observationCategories, ReleasePlan plan, Clock clock) {
        this(permitKey, releasedTypes, observationCategories, plan, clock, DeidentificationProfiles.standard());
    }

    Pseudonymiser(PseudonymKey permitKey, Collection<String> releasedTypes, Collection<String> observationCategories,
                  ReleasePlan plan, Clock clock, DeidentificationProfiles profiles) {
        this(permitKey, releasedTypes, observationCategories, plan, profiles, false);
    }

    private Pseudonymiser(PseudonymKey permitKey, Collection<String> releasedTypes,
                          Collection<String> observationCategories, ReleasePlan plan, DeidentificationProfiles profiles,
                          boolean trueDates) {
        this.trueDates = trueDates;
        this.profiles = profiles;
        this.releasedTypes = Set.copyOf(releasedTypes);
        this.observationCategories = Set.copyOf(observationCategories);
        this.socialHistory = this.observationCategories.contains(SOCIAL_HISTORY);
        this.plan = plan;
        this.pseudonyms = new PermitPseudonyms(permitKey);
        this.counts = new Counts();
    }

    /**
     * What a statistical request sees (docs/statistics.md, "The store"): the same allowlist and Observation
     * categories as records, so identifiers, names, addresses, telecoms and free text never reach a view, except
     * that dates, birth and death stay as the source holds them and no release plan applies (no code is
     * generalised or dropped: the answer's disclosure control protects small groups instead). Only protected
     * aggregates leave, never these resources.
     */
    public static Pseudonymiser withTrueDates(PseudonymKey permitKey, Collection<String> releasedTypes,
                                              Collection<String> observationCategories) {
        return new Pseudonymiser(permitKey, releasedTypes, observationCategories, null,
                DeidentificationProfiles.standard(), true);
    }

    /** The pseudonym of a source's logical id of the given type. */
    public String id(String resourceType, UUID sourceId, String sourceLogicalId) {
        return pseudonyms.id(resourceType, sourceId, sourceLogicalId);
    }

    /** The id of the person's one Patient in this permit. */
    public String person(UUID accountId) {
        return pseudonyms.person(accountId);
    }

    /** The person's date offset in days within this permit; never zero, so no date is released as it was. */
    public int dayShift(UUID accountId) {
        return pseudonyms.dayShift(accountId);
    }

    /** The person's whole date offset within this permit in seconds: the day shift and a time of day. */
    public long shiftSeconds(UUID accountId) {
        return dayShift(accountId) * 86_400L + pseudonyms.secondShift(accountId);
    }

    /** The plan this pseudonymiser applies; null when it has none. */
    public ReleasePlan plan() {
        return plan;
    }

    /** What this pseudonymiser generalised and dropped so far (an export's manifest reports them). */
    public Counts counts() {
        return counts;
    }

    /** Counts of values the release plan and the date rules changed or withheld; thread-safe. */
    public static final class Counts {
        private final AtomicLong generalisedCodes = new AtomicLong();
        private final AtomicLong droppedCodes = new AtomicLong();
        private final AtomicLong droppedDates = new AtomicLong();
        private final AtomicLong droppedAges = new AtomicLong();
        private final AtomicLong withheldResources = new AtomicLong();

        public Map<String, Long> toMap() {
            Map<String, Long> map = new LinkedHashMap<>();
            map.put("generalisedCodes", generalisedCodes.get());
            map.put("droppedCodes", droppedCodes.get());
            map.put("droppedDates", droppedDates.get());
            map.put("droppedAges", droppedAges.get());
            map.put("withheldResources", withheldResources.get());
            return map;
        }
    }

    /**
     * De-identifies the resource in place and returns it; empty when it may not leave at all (a type without a
     * profile, a modifier whose meaning the gateway cannot judge, a person the release plan does not cover, an
     * Observation outside the scope's categories, a social-context Condition without social history in scope, an
     * age over 89, or a resource whose own code the plan drops). The gateway owns every resource it read
     * from a source for the length of one request, so no copy is made.
     *
     * @param person whose resource it is and where it was read
     */
    public Optional<Resource> apply(Resource resource, Person person) {
        Optional<Rule.Children> profile = profiles.of(resource.fhirType());
        ReleasePlan.PersonPlan planned = plan == null ? null : plan.persons().get(person.accountId());
        if (profile.isEmpty() || (planned == null && !trueDates) || !inScope(resource)) {
            counts.withheldResources.incrementAndGet();
            return Optional.empty();
        }
        if (!trueDates && ageOverTopCode(resource)) {
            counts.droppedAges.incrementAndGet();
            counts.withheldResources.incrementAndGet();
            return Optional.empty();
        }
        String pseudonym = resource.fhirType().equals("Patient") ? person(person.accountId())
                : id(resource.fhirType(), person.sourceId(), resource.getIdElement().getIdPart());
        Walk walk = new Walk(person, planned);
        try {
            walk.children(resource, profile.get());
        } catch (Withheld withheld) {
            counts.withheldResources.incrementAndGet();
            return Optional.empty();
        }
        String what = WHAT_IT_IS.get(resource.fhirType());
        if (what != null && resource.getNamedProperty(what) != null && walk.emptiedCodes > 0
                && resource.getNamedProperty(what).getValues().stream().allMatch(Base::isEmpty)) {
            counts.withheldResources.incrementAndGet();
            return Optional.empty();
        }
        if (resource instanceof Patient patient && !trueDates) {
            demographics(patient, person.accountId(), planned, walk.died);
        }
        resource.setId(resource.fhirType() + "/" + pseudonym);
        return Optional.of(resource);
    }

    /**
     * An Observation leaves only in a category the permit's scope names (vital signs and laboratory unless the
     * request named more and a steward approved): survey and social-history answers carry race, income, housing
     * and violence, quasi-identifiers and worse, in their values and components.
     */
    private boolean inScope(Resource resource) {
        if (resource instanceof org.hl7.fhir.r4.model.Condition condition) {
            return socialHistory || condition.getCode().getCoding().stream().noneMatch(this::socialContext);
        }
        if (!(resource instanceof Observation observation)) {
            return true;
        }
        // Every category must be in scope: one tagged laboratory and social-history is social history too.
        List<Coding> categories = observation.getCategory().stream().flatMap(c -> c.getCoding().stream())
                .filter(c -> OBSERVATION_CATEGORY.equals(c.getSystem())).toList();
        return !categories.isEmpty() && categories.stream().allMatch(c -> observationCategories.contains(c.getCode()));
    }

    /** A coding the profiles list as social context, released only when the scope releases social history. */
    private boolean socialContext(Coding coding) {
        return coding.hasSystem() && coding.hasCode() && profiles.socialContext(coding.getSystem(), coding.getCode());
    }

    /**
     * The released Patient's quasi-identifiers as the plan says: the birth year band (as its first year, with
     * the band in an extension when wider than a year), sex, death as a boolean, the country; all of them gone
     * for a person the plan suppresses.
     */
    private void demographics(Patient patient, UUID accountId, ReleasePlan.PersonPlan planned, boolean died) {
        ReleasePlan.Scheme scheme = plan.scheme();
        boolean suppressed = planned.suppressed();
        int[] band = plan.band(accountId);
        if (band == null) {
            patient.setBirthDateElement(null);
        } else {
            patient.setBirthDateElement(new DateType(String.format("%04d", band[0])));
            if (band[1] > band[0]) {
                patient.addExtension(BIRTH_YEAR_BAND, new Range()
                        .setLow(new Quantity(band[0]).setUnit("a").setSystem(UCUM).setCode("a"))
                        .setHigh(new Quantity(band[1]).setUnit("a").setSystem(UCUM).setCode("a")));
            }
        }
        if (suppressed || !scheme.sex()) {
            patient.setGenderElement(null);
        }
        patient.setDeceased(null);
        if (died && !suppressed && scheme.deceased()) {
            patient.setDeceased(new BooleanType(true));
        }
        if (suppressed || !scheme.country()) {
            patient.getAddress().clear();
        }
    }

    /**
     * The person a resource is about, at the source it was read from.
     *
     * @param sourceBaseUrl the source's FHIR base, so absolute references into it are understood
     * @param surrogateId the person's Patient id at that source
     */
    public record Person(UUID accountId, UUID sourceId, String sourceBaseUrl, String surrogateId) {
        public Person {
            sourceBaseUrl = sourceBaseUrl.endsWith("/") ? sourceBaseUrl.substring(0, sourceBaseUrl.length() - 1)
                    : sourceBaseUrl;
        }
    }

    /** Thrown through the walk when the whole resource must be withheld. */
    private static final class Withheld extends Exception {
        Withheld() {
            super(null, null, false, false);
        }
    }

    /** One walk over one resource. */
    private final class Walk {
        private final Person person;
        private final ReleasePlan.PersonPlan planned;
        private final int dayShift;
        private final int secondShift;
        /** No released date lies before the first day of this year: the person's released birth year. */
        private final int floorYear;
        boolean died;
        int emptiedCodes;

        Walk(Person person, ReleasePlan.PersonPlan planned) {
            this.person = person;
            this.planned = planned;
            this.dayShift = pseudonyms.dayShift(person.accountId());
            this.secondShift = pseudonyms.secondShift(person.accountId());
            int[] band = trueDates ? null : plan.band(person.accountId());
            this.floorYear = trueDates ? Integer.MIN_VALUE
                    : band != null ? band[0] : plan.referenceYear() - ReleasePlan.TOP_CODED_AGE;
        }

        /**
         * Keeps of the element's children what the rules release, each as its rule says; removes the rest. Returns
         * whether any child is left: every child is listed by {@link Base#children()} and each one left was
         * released non-empty, so this is {@code !element.isEmpty()} without walking the element again (HAPI's
         * {@code isEmpty} walks the whole subtree, and asking it at every level made the walk quadratic in depth).
         */
        boolean children(Base element, Rule.Children rules) throws Withheld {
            boolean kept = false;
            for (Property property : element.children()) {
                if (!property.hasValues()) {
                    continue;
                }
                String name = property.getName();
                if (name.equals("modifierExtension") || name.equals("implicitRules")) {
                    throw new Withheld();
                }
                List<Base> values = property.getValues();
                // Removing from the element changes its list, which the property may hold: a copy only then.
                for (Base value : values.size() == 1 ? List.of(values.get(0)) : new ArrayList<>(values)) {
                    if (value == null) {
                        continue;
                    }
                    Rule rule = rules.rules().get(concreteName(name, value));
                    if (rule == null || !release(value, rule, element)) {
                        element.removeChild(name, value);
                    } else {
                        kept = true;
                    }
                }
            }
            return kept;
        }

        /** Applies the rule to the value in place; false when the value must go instead. */
        private boolean release(Base value, Rule rule, Base parent) throws Withheld {
            if (rule instanceof Rule.Children nested) {
                if (value.isPrimitive()) {
                    return false;
                }
                if (value instanceof Quantity quantity && !trueDates && overTopCode(quantity)) {
                    counts.droppedAges.incrementAndGet();
                    return false;
                }
                boolean kept = children(value, nested);
                if (value instanceof Coding coding && !socialHistory && socialContext(coding)) {
                    counts.droppedCodes.incrementAndGet();
                    return false;
                }
                if (value instanceof Coding coding && !trueDates && !planned(coding)) {
                    return false;
                }
                if (value instanceof CodeableConcept concept && concept.getCoding().isEmpty()) {
                    emptiedCodes++;
                }
                return kept;
            }
            return switch ((Rule.Action) rule) {
                case KEEP -> value instanceof PrimitiveType<?> primitive && bare(primitive);
                case KEEP_CODED -> value instanceof PrimitiveType<?> primitive && hasValue(parent, "system")
                        && hasValue(parent, "code") && bare(primitive);
                case SHIFT -> value instanceof BaseDateTimeType date && bare(date) && (trueDates || shifted(date));
                // The band is set on the Patient after the walk, from the plan: the source's date is not read.
                case BIRTH_YEAR -> trueDates && value instanceof DateType date && bare(date);
                case DECEASED -> {
                    if (trueDates) {
                        yield value instanceof PrimitiveType<?> primitive && bare(primitive);
                    }
                    died = died || value instanceof BaseDateTimeType
                            || (value instanceof BooleanType b && Boolean.TRUE.equals(b.getValue()));
                    yield false;
                }
                case PSEUDONYMISE -> value instanceof Reference reference && pseudonymised(reference);
                case DROP -> false;
            };
        }

        /**
         * Moves the date by the person's offset: whole days and, where the value has a time, a time of day of
         * its own in this permit. A date on a day an outsider may know of the person (birth, death), or one that
         * would fall before the released birth year, is withheld instead: the first would hand over the offset,
         * the second the top-coded age.
         */
        private boolean shifted(BaseDateTimeType date) {
            if (date.getValue() == null || date.getYear() == null) {
                return false;
            }
            if (date.getPrecision().ordinal() >= TemporalPrecisionEnum.DAY.ordinal()) {
                LocalDate day = LocalDate.of(date.getYear(), date.getMonth() + 1, date.getDay());
                if (planned.guardedDays().contains(pseudonyms.dayTag(person.accountId(), day))) {
                    counts.droppedDates.incrementAndGet();
                    return false;
                }
            }
            date.add(Calendar.DATE, dayShift);
            if (date.getPrecision().ordinal() > TemporalPrecisionEnum.DAY.ordinal()) {
                if (date.getPrecision() == TemporalPrecisionEnum.MINUTE) {
                    date.setPrecision(TemporalPrecisionEnum.SECOND);
                }
                date.add(Calendar.SECOND, secondShift);
            }
            if (date.getYear() < floorYear) {
                counts.droppedDates.incrementAndGet();
                return false;
            }
            return true;
        }

        /**
         * Whether the coding may go as the plan says, rewritten to its ICD-10 category where that is what the
         * plan releases instead; a coding without a system and code cannot be judged and goes.
         */
        private boolean planned(Coding coding) {
            if (!coding.hasSystem() || !coding.hasCode()) {
                return false;
            }
            String released = plan.releasedCode(coding.getSystem(), coding.getCode());
            if (released == null) {
                counts.droppedCodes.incrementAndGet();
                return false;
            }
            String code = released.substring(released.lastIndexOf('|') + 1);
            if (!code.equals(coding.getCode())) {
                counts.generalisedCodes.incrementAndGet();
                coding.setCode(code);
                coding.setDisplayElement(null);
                coding.setVersionElement(null);
            }
            return true;
        }

        /**
         * A reference leaves only as a pseudonym of a resource the permit releases: the person's own Patient, or
         * a brokered type the permit covers, at the same source. Anything else (another person, a clinician, an
         * absolute URL elsewhere, a contained resource) could carry an outside identifier and goes.
         */
        private boolean pseudonymised(Reference reference) {
            String target = reference.getReference();
            reference.setId(null);
            reference.getExtension().clear();
            reference.setDisplayElement(null);
            reference.setIdentifier(null);
            reference.setTypeElement(null);
            reference.setReferenceElement((StringType) null);
            if (target == null) {
                return false;
            }
            Optional<SourceReference> relative = SourceReference.parse(target, person.sourceBaseUrl());
            if (relative.isEmpty()) {
                return false;
            }
            String type = relative.get().type();
            String pseudonym;
            if (type.equals("Patient")) {
                if (!relative.get().id().equals(person.surrogateId())) {
                    return false;
                }
                pseudonym = person(person.accountId());
            } else if (releasedTypes.contains(type) && BrokeredTypes.named(type).isPresent()) {
                pseudonym = id(type, person.sourceId(), relative.get().id());
            } else {
                return false;
            }
            reference.setReferenceElement(new StringType(type + "/" + pseudonym));
            return true;
        }
    }

    /** LOINC's codes of a person's age: such an Observation over 89 is withheld whatever its unit says. */
    private static final Set<String> AGE_CODES = Set.of("http://loinc.org|30525-0", "http://loinc.org|21612-7");
    /** UCUM's units of time (and their common spellings), as a fraction of a year. */
    private static final Map<String, Double> YEARS_PER_UNIT = Map.ofEntries(Map.entry("a", 1.0),
            Map.entry("yr", 1.0), Map.entry("years", 1.0), Map.entry("year", 1.0), Map.entry("mo", 1 / 12.0),
            Map.entry("month", 1 / 12.0), Map.entry("months", 1 / 12.0), Map.entry("wk", 7 / 365.25),
            Map.entry("week", 7 / 365.25), Map.entry("weeks", 7 / 365.25), Map.entry("d", 1 / 365.25),
            Map.entry("day", 1 / 365.25), Map.entry("days", 1 / 365.25), Map.entry("h", 1 / 8766.0),
            Map.entry("hour", 1 / 8766.0), Map.entry("hours", 1 / 8766.0));

    /** The Quantity in years, when its code (UCUM) or its unit names a unit of time; else null. */
    private static Double years(Quantity quantity) {
        if (quantity.getValue() == null) {
            return null;
        }
        Double perUnit = UCUM.equals(quantity.getSystem()) && quantity.hasCode()
                ? YEARS_PER_UNIT.get(quantity.getCode()) : null;
        if (perUnit == null && quantity.hasUnit()) {
            perUnit = YEARS_PER_UNIT.get(quantity.getUnit().toLowerCase(java.util.Locale.ROOT));
        }
        return perUnit == null ? null : quantity.getValue().doubleValue() * perUnit;
    }

    /** A Quantity of time longer than 89 years: as an age it would undo the top code. */
    private static boolean overTopCode(Quantity quantity) {
        Double years = years(quantity);
        return years != null && years > ReleasePlan.TOP_CODED_AGE - 1;
    }

    /**
     * An Observation of the person's age (LOINC 30525-0, 21612-7) over 89: in years when its unit is one of time,
     * else by its bare number (fail closed).
     */
    private static boolean ageOverTopCode(Resource resource) {
        if (!(resource instanceof Observation observation) || observation.getCode().getCoding().stream()
                .noneMatch(c -> AGE_CODES.contains(c.getSystem() + "|" + c.getCode()))) {
            return false;
        }
        if (observation.hasValueQuantity()) {
            Quantity value = observation.getValueQuantity();
            Double years = years(value);
            return years != null ? years > ReleasePlan.TOP_CODED_AGE - 1 : value.getValue() == null
                    || value.getValue().doubleValue() > ReleasePlan.TOP_CODED_AGE - 1;
        }
        if (observation.hasValueIntegerType()) {
            return observation.getValueIntegerType().getValue() == null
                    || observation.getValueIntegerType().getValue() > ReleasePlan.TOP_CODED_AGE - 1;
        }
        return false;
    }

    /** The name a profile gives a child: a choice {@code value[x]} holding a Quantity is {@code valueQuantity}. */
    private static String concreteName(String propertyName, Base value) {
        if (!propertyName.endsWith("[x]")) {
            return propertyName;
        }
        String type = value.fhirType();
        return propertyName.substring(0, propertyName.length() - 3) + Character.toUpperCase(type.charAt(0))
                + type.substring(1);
    }

    /** Drops a primitive's element id and extensions (they are free to carry anything); true if a value is left. */
    private static boolean bare(PrimitiveType<?> primitive) {
        primitive.setId(null);
        primitive.getExtension().clear();
        return primitive.getValue() != null;
    }

    private static boolean hasValue(Base parent, String name) {
        Property property = parent.getNamedProperty(name);
        return property != null && property.hasValues() && property.getValues().get(0) instanceof PrimitiveType<?> p
                && p.getValue() != null;
    }

}
