package org.mydata.operator.source;

import java.net.URI;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/** A registered data holder: a FHIR R4 server the operator reads persons' records from. */
public record FhirSource(UUID id, String name, URI fhirBaseUrl, SourceAuth auth, Instant createdAt) {
    public FhirSource {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(fhirBaseUrl, "fhirBaseUrl");
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(createdAt, "createdAt");
    }
}
