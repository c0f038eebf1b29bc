package org.mydata.operator.link;

/** What a source answered when asked who a person is there. */
public sealed interface PatientMatch {

    /** Exactly one Patient carries the person's identifier; its logical id becomes the surrogate id. */
    record Found(String patientId) implements PatientMatch {
    }

    record NotFound() implements PatientMatch {
    }

    /** Several Patients carry the identifier; linking to any one of them would be a guess. */
    record Ambiguous(int count) implements PatientMatch {
    }
}
