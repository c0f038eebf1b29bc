package org.mydata.operator.release;

import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.mydata.operator.permit.Permit;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Purpose;

/**
 * What a permit lets its researcher read, how, and when: the permit side of every release decision.
 *
 * @param basis the legal basis of the permit's programme: whether it relies on consents or includes the linked
 *              persons who did not opt out
 * @param mode  how its researcher receives the data: statistical answers or pseudonymised records
 */
public record PermitTerms(UUID permitId, List<Purpose> purposes, DataScope scope, Validity validity,
                          boolean revoked, LegalBasis basis, AccessMode mode) {
    public PermitTerms {
        purposes = List.copyOf(purposes);
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(validity, "validity");
        Objects.requireNonNull(basis, "basis");
        Objects.requireNonNull(mode, "mode");
    }

    public static PermitTerms of(Permit permit) {
        return new PermitTerms(permit.id(), permit.purposes(), permit.scope(),
                new Validity(permit.validFrom(), permit.validUntil()), permit.revokedAt() != null,
                permit.legalBasis(), permit.accessMode());
    }
}
