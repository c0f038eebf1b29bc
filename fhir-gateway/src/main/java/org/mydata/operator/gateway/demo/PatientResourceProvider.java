package org.mydata.operator.gateway.demo;

import ca.uhn.fhir.rest.annotation.OptionalParam;
import ca.uhn.fhir.rest.annotation.Search;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.param.DateAndListParam;
import ca.uhn.fhir.rest.param.TokenAndListParam;
import java.util.Collection;
import org.hl7.fhir.r4.model.Patient;

/** Read and search for Patients: by {@code identifier}, the way the operator finds a person at a source. */
public class PatientResourceProvider extends InMemoryResourceProvider<Patient> {

    PatientResourceProvider(Collection<Patient> patients) {
        super(Patient.class, patients);
    }

    @Search
    public IBundleProvider search(
            @OptionalParam(name = Patient.SP_IDENTIFIER) TokenAndListParam identifier,
            @OptionalParam(name = "_id") TokenAndListParam ids,
            @OptionalParam(name = "_lastUpdated") DateAndListParam lastUpdated) {
        return page(all().stream()
                .filter(p -> SearchMatch.allOfAnyOf(identifier, t -> SearchMatch.identifiers(p.getIdentifier(), t)))
                .filter(commonFilters(ids, lastUpdated))
                .toList());
    }
}
