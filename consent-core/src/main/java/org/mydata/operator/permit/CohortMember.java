package org.mydata.operator.permit;

import java.util.List;
import java.util.UUID;
import org.mydata.operator.release.Grant;
import org.mydata.operator.source.SourcePatient;

/**
 * A person whose data a request may read, at one source: the patient there, and every consent that the
 * release policy lets this permit rely on for this type (a resource goes under the first that covers it); under
 * an opt-out basis, the person's inclusion through their link there.
 */
public record CohortMember(UUID accountId, SourcePatient patient, List<Grant> grants) {

    public CohortMember {
        grants = List.copyOf(grants);
    }

    public UUID sourceId() {
        return patient.sourceId();
    }

    public String surrogateId() {
        return patient.surrogateId();
    }

    /** The key that names this person at this source within a request. */
    public SourcePatient key() {
        return patient;
    }
}
