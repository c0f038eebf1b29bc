package org.mydata.operator.permit;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Purpose;
import org.mydata.operator.release.AccessMode;
import org.mydata.operator.release.LegalBasis;
import org.mydata.operator.release.PermitTerms;
import org.mydata.operator.release.ReleasePolicy;

/**
 * A data permit: what one research project may read from one programme, signed. The request's id is
 * the project id. The pseudonymisation key is not part of this value: it never leaves the store
 * except to the gateway's pseudonymiser.
 *
 * @param accessMode how its researcher receives the data: statistical answers only, or pseudonymised records
 */
public record Permit(UUID id, UUID projectId, UUID programmeId, String researcher, String organisation,
                     List<Purpose> purposes, DataScope scope, Instant validFrom, Instant validUntil, String record,
                     Instant revokedAt, String revocationRecord, Instant createdAt, LegalBasis legalBasis,
                     AccessMode accessMode) {

    public Permit {
        purposes = List.copyOf(purposes);
        legalBasis = legalBasis == null ? LegalBasis.CONSENT : legalBasis;
        java.util.Objects.requireNonNull(accessMode, "accessMode");
    }

    /** Not revoked and within its validity, by the release policy's rule. */
    public boolean isUsable(Instant now) {
        return ReleasePolicy.whyNotUsable(PermitTerms.of(this), now).isEmpty();
    }
}
