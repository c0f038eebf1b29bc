package org.mydata.operator.gateway.pseudonym;

import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Calendar;
import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.hl7.fhir.r4.model.Base;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.PrimitiveType;
import org.hl7.fhir.r4.model.Property;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.mydata.operator.gateway.registry.BrokeredTypes;
import org.mydata.operator.permit.PermitPseudonyms;
import org.mydata.operator.permit.Permits.PseudonymKey;

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
    /** HIPAA Safe Harbor: ages over 89 are one category. */
    private static final int TOP_CODED_AGE = 90;

    private final DeidentificationProfiles profiles;
    private final Set<String> releasedTypes;
    private final LocalDate today;
    /** One per pseudonymiser: looking an HMAC up and keying it cost more than computing one. */
    private final PermitPseudonyms pseudonyms;
    /** Dates as the source holds them: for the statistics store, from which only protected aggregates leave. */
    private final boolean trueDates;

    /**
     * @param releasedTypes the types the permit releases: a reference to any other type is dropped
     * @param clock today's date, against which birth years are top-coded
     */
    public Pseudonymiser(PseudonymKey permitKey, Collection<String> releasedTypes, Clock clock) {
        this(permitKey, releasedTypes, clock, DeidentificationProfiles.standard());
    }

    Pseudonymiser(PseudonymKey permitKey, Collection<String> releasedTypes, Clock clock,
                  DeidentificationProfiles profiles) {
        this(permitKey, releasedTypes, clock, profiles, false);
    }

    private Pseudonymiser(PseudonymKey permitKey, Collection<String> releasedTypes, Clock clock,
                          DeidentificationProfiles profiles, boolean trueDates) {
        this.trueDates = trueDates;
        this.profiles = profiles;
        this.releasedTypes = Set.copyOf(releasedTypes);
        this.today = clock.instant().atOffset(ZoneOffset.UTC).toLocalDate();
        this.pseudonyms = new PermitPseudonyms(permitKey);
    }

    /**
     * What a statistical request sees (docs/statistics.md, "The store"): the same allowlist as records, so
     * identifiers, names, addresses, telecoms and free text never reach a view, except that every date the profile
     * shifts or generalises stays as the source holds it. Only protected aggregates leave, never these resources.
     */
    public static Pseudonymiser withTrueDates(PseudonymKey permitKey, Collection<String> releasedTypes, Clock clock) {
        return new Pseudonymiser(permitKey, releasedTypes, clock, DeidentificationProfiles.standard(), true);
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

    /**
     * De-identifies the resource in place and returns it; empty when it may not leave at all (a type without a
     * profile, or a modifier whose meaning the gateway cannot judge). The gateway owns every resource it read
     * from a source for the length of one request, so no copy is made.
     *
     * @param person whose resource it is and where it was read
     */
    public Optional<Resource> apply(Resource resource, Person person) {
        Optional<Rule.Children> profile = profiles.of(resource.fhirType());
        if (profile.isEmpty()) {
            return Optional.empty();
        }
        String pseudonym = resource.fhirType().equals("Patient") ? person(person.accountId())
                : id(resource.fhirType(), person.sourceId(), resource.getIdElement().getIdPart());
        try {
            new Walk(person, dayShift(person.accountId())).children(resource, profile.get());
        } catch (Withheld withheld) {
            return Optional.empty();
        }
        resource.setId(resource.fhirType() + "/" + pseudonym);
        return Optional.of(resource);
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
        private final int shift;

        Walk(Person person, int shift) {
            this.person = person;
            this.shift = shift;
        }

        /** Keeps of the element's children what the rules release, each as its rule says; removes the rest. */
        void children(Base element, Rule.Children rules) throws Withheld {
            for (Property property : element.children()) {
                if (!property.hasValues()) {
                    continue;
                }
                String name = property.getName();
                if (name.equals("modifierExtension") || name.equals("implicitRules")) {
                    throw new Withheld();
                }
                for (Base value : new ArrayList<>(property.getValues())) {
                    if (value == null) {
                        continue;
                    }
                    Rule rule = rules.rules().get(concreteName(name, value));
                    if (rule == null || !release(value, rule, element)) {
                        element.removeChild(name, value);
                    }
                }
            }
        }

        /** Applies the rule to the value in place; false when the value must go instead. */
        private boolean release(Base value, Rule rule, Base parent) throws Withheld {
            if (rule instanceof Rule.Children nested) {
                if (value.isPrimitive()) {
                    return false;
                }
                children(value, nested);
                return !value.isEmpty();
            }
            return switch ((Rule.Action) rule) {
                case KEEP -> value instanceof PrimitiveType<?> primitive && bare(primitive);
                case KEEP_CODED -> value instanceof PrimitiveType<?> primitive && hasValue(parent, "system")
                        && hasValue(parent, "code") && bare(primitive);
                case SHIFT -> value instanceof BaseDateTimeType date && bare(date) && (trueDates || shifted(date));
                case BIRTH_YEAR -> value instanceof DateType date && bare(date) && (trueDates || birthYear(date));
                case PSEUDONYMISE -> value instanceof Reference reference && pseudonymised(reference);
                case DROP -> false;
            };
        }

        private boolean shifted(BaseDateTimeType date) {
            date.add(Calendar.DATE, shift);
            return true;
        }

        private boolean birthYear(DateType date) {
            LocalDate born = LocalDate.of(date.getYear(), date.getMonth() + 1, date.getDay());
            int year = born.plusYears(TOP_CODED_AGE).isAfter(today) ? born.getYear() : today.getYear() - TOP_CODED_AGE;
            date.setValueAsString(String.format("%04d", year));
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
            if (target.startsWith(person.sourceBaseUrl() + "/")) {
                target = target.substring(person.sourceBaseUrl().length() + 1);
            }
            String[] parts = target.split("/");
            boolean relative = (parts.length == 2 || (parts.length == 4 && parts[2].equals("_history")))
                    && !target.contains(":") && !target.startsWith("#") && !parts[1].isBlank();
            if (!relative) {
                return false;
            }
            String type = parts[0];
            String pseudonym;
            if (type.equals("Patient")) {
                if (!parts[1].equals(person.surrogateId())) {
                    return false;
                }
                pseudonym = person(person.accountId());
            } else if (releasedTypes.contains(type) && BrokeredTypes.named(type).isPresent()) {
                pseudonym = id(type, person.sourceId(), parts[1]);
            } else {
                return false;
            }
            reference.setReferenceElement(new StringType(type + "/" + pseudonym));
            return true;
        }
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
