package org.mydata.operator.gateway.demo;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Patient;
import org.mydata.operator.account.PersonIdentifier;

/**
 * A person of the demo dataset, to wire a demo user to: the Patient's logical id at the demo source,
 * the identifier that finds it there, and a display name.
 */
public record DemoPerson(String patientId, PersonIdentifier identifier, String name) {

    /** The identifier system the demo persons are known by: Synthea gives every adult a (fake, 999-) SSN. */
    public static final String SSN_SYSTEM = "http://hl7.org/fhir/sid/us-ssn";

    public DemoPerson {
        Objects.requireNonNull(patientId, "patientId");
        Objects.requireNonNull(identifier, "identifier");
        Objects.requireNonNull(name, "name");
    }

    /**
     * The first {@code n} Patients in order of their logical id that carry an SSN identifier. The ids
     * are Synthea's seeded UUIDs, so the same dataset always yields the same persons in the same order.
     */
    public static List<DemoPerson> firstOf(Collection<Patient> patients, int n) {
        return patients.stream()
                .sorted(Comparator.comparing(p -> p.getIdElement().getIdPart()))
                .map(DemoPerson::of)
                .flatMap(Optional::stream)
                .limit(n)
                .toList();
    }

    /** Given names and family name, without the "Mr."/"Mrs." prefixes Synthea adds. */
    private static String displayName(Patient patient) {
        HumanName name = patient.getNameFirstRep();
        return (name.getGivenAsSingleString() + " " + Objects.toString(name.getFamily(), "")).trim();
    }

    private static Optional<DemoPerson> of(Patient patient) {
        return patient.getIdentifier().stream()
                .filter(i -> SSN_SYSTEM.equals(i.getSystem()) && i.hasValue())
                .findFirst()
                .map(Identifier::getValue)
                .map(ssn -> new DemoPerson(patient.getIdElement().getIdPart(), new PersonIdentifier(SSN_SYSTEM, ssn),
                        displayName(patient)));
    }
}
