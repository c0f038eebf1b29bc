package org.mydata.operator.source;

import java.util.Objects;
import java.util.UUID;

/** A patient at one source: the source and the patient's logical id there (the link's surrogate id). */
public record SourcePatient(UUID sourceId, String surrogateId) {
    public SourcePatient {
        Objects.requireNonNull(sourceId, "sourceId");
        Objects.requireNonNull(surrogateId, "surrogateId");
    }
}
