package org.mydata.operator.link;

import org.mydata.operator.account.PersonIdentifier;
import org.mydata.operator.failure.SourceUnavailableException;
import org.mydata.operator.source.FhirSource;

/** Finds a person's Patient resource at a source by their verified identifier. */
public interface PatientLookup {

    /**
     * @throws SourceUnavailableException when the source fails, answers with something that is not a
     *     FHIR search result, or does not answer in time
     */
    PatientMatch findByIdentifier(FhirSource source, PersonIdentifier person);
}
