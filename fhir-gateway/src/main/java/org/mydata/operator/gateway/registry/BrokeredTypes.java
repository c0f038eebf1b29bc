package org.mydata.operator.gateway.registry;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.hl7.fhir.r4.model.AllergyIntolerance;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Immunization;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Resource;

/**
 * The types the gateway brokers. A type outside this list is refused, never passed through unjudged;
 * adding a type is one entry here and one profile in {@code deidentification/profiles.yaml} (the profile
 * loader refuses to start without it).
 *
 * <p>Clinical dates follow R4's {@code clinical-date} search parameter, searched under the name R4 gives the
 * date search parameter on that element; the token parameters passed on to sources are those R4 defines for
 * the type (Encounter and Immunization have no {@code code} or {@code category} in R4). {@code SearchSupport}
 * checks both against R4's definitions when it loads.
 */
public final class BrokeredTypes {
    private static final List<String> CODE_AND_CATEGORY = List.of("code", "category");

    private static final List<BrokeredType> ALL = List.of(
            new BrokeredType("Patient", Patient.class, null, null, "_id", List.of(), null),
            new BrokeredType("Observation", Observation.class, r -> ((Observation) r).getSubject(),
                    r -> ((Observation) r).getEffective(), "patient", CODE_AND_CATEGORY, "date"),
            new BrokeredType("Condition", Condition.class, r -> ((Condition) r).getSubject(),
                    r -> ((Condition) r).hasOnset() ? ((Condition) r).getOnset() : ((Condition) r).getRecordedDateElement(),
                    "patient", CODE_AND_CATEGORY, "onset-date"),
            new BrokeredType("MedicationRequest", MedicationRequest.class, r -> ((MedicationRequest) r).getSubject(),
                    r -> ((MedicationRequest) r).getAuthoredOnElement(), "patient", CODE_AND_CATEGORY, "authoredon"),
            new BrokeredType("Encounter", Encounter.class, r -> ((Encounter) r).getSubject(),
                    r -> ((Encounter) r).getPeriod(), "patient", List.of(), "date"),
            new BrokeredType("Procedure", Procedure.class, r -> ((Procedure) r).getSubject(),
                    r -> ((Procedure) r).getPerformed(), "patient", CODE_AND_CATEGORY, "date"),
            new BrokeredType("Immunization", Immunization.class, r -> ((Immunization) r).getPatient(),
                    r -> ((Immunization) r).getOccurrence(), "patient", List.of(), "date"),
            new BrokeredType("DiagnosticReport", DiagnosticReport.class, r -> ((DiagnosticReport) r).getSubject(),
                    r -> ((DiagnosticReport) r).getEffective(), "patient", CODE_AND_CATEGORY, "date"),
            new BrokeredType("AllergyIntolerance", AllergyIntolerance.class,
                    r -> ((AllergyIntolerance) r).getPatient(),
                    r -> ((AllergyIntolerance) r).getRecordedDateElement(), "patient", CODE_AND_CATEGORY, null));

    private static final Map<String, BrokeredType> BY_NAME = new LinkedHashMap<>();

    static {
        ALL.forEach(t -> BY_NAME.put(t.name(), t));
    }

    private BrokeredTypes() {
    }

    public static List<BrokeredType> all() {
        return ALL;
    }

    public static List<String> names() {
        return List.copyOf(BY_NAME.keySet());
    }

    public static Optional<BrokeredType> named(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }

    /** The entry of a type the caller knows is brokered; a programming error otherwise. */
    public static BrokeredType of(String name) {
        return named(name).orElseThrow(() -> new IllegalArgumentException(name + " is not a brokered type"));
    }

    public static Optional<BrokeredType> of(Resource resource) {
        return named(resource.fhirType());
    }
}
