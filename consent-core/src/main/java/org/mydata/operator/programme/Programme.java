package org.mydata.operator.programme;

import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * A data-donor programme: who runs it, for what, which data, on which terms, who decides its requests, and what
 * it promises its donors.
 */
public record Programme(UUID id, String name, String description, String organisation, List<Purpose> purposes,
                        DataScope scope, URI termsUri, String termsVersion, List<String> stewards, Instant createdAt,
                        List<Promise> promises) {
    public Programme {
        Objects.requireNonNull(id, "id");
        purposes = List.copyOf(purposes);
        stewards = List.copyOf(stewards);
        promises = promises == null ? List.of() : List.copyOf(promises);
    }

    /** A programme that declares no promises. */
    public Programme(UUID id, String name, String description, String organisation, List<Purpose> purposes,
                     DataScope scope, URI termsUri, String termsVersion, List<String> stewards, Instant createdAt) {
        this(id, name, description, organisation, purposes, scope, termsUri, termsVersion, stewards, createdAt,
                List.of());
    }

    /** The purposes a consent may give: each must be one of the programme's or narrower. */
    public boolean allowsPurpose(Purpose purpose) {
        return purposes.stream().anyMatch(p -> p.covers(purpose));
    }
}
