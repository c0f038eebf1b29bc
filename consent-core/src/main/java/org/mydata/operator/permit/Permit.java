package org.mydata.operator.permit;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Purpose;
import org.mydata.operator.verify.release.AccessMode;
import org.mydata.operator.verify.release.LegalBasis;
import org.mydata.operator.release.PermitRecord;
import org.mydata.operator.release.PermitTerms;
import org.mydata.operator.release.ReleasePolicy;

/**
 * A data permit: what one research project may read from one programme, signed. The request's id is
 * the project id. The pseudonymisation key is not part of this value: it never leaves the store
 * except to the gateway's pseudonymiser.
 *
 * @param accessMode how its researcher receives the data: statistical answers only, or pseudonymised records
 * @param issuedUnder the version of its programme's terms it was issued under (permitver): it reaches a consent on an
 *                    older version only when no amendment in between widened beyond a release
 * @param programmeNow what its programme's current terms allow, when loaded with them: the release reads the permit
 *                     within them (a narrowing amendment applies at once); null when not loaded
 */
public record Permit(UUID id, UUID projectId, UUID programmeId, String researcher, String organisation,
                     List<Purpose> purposes, DataScope scope, Instant validFrom, Instant validUntil, String record,
                     Instant revokedAt, String revocationRecord, Instant createdAt, LegalBasis legalBasis,
                     AccessMode accessMode, org.mydata.operator.release.IssuedUnder issuedUnder,
                     org.mydata.operator.release.ProgrammeBounds programmeNow)
        implements PermitRecord {

    public Permit {
        purposes = List.copyOf(purposes);
        legalBasis = legalBasis == null ? LegalBasis.CONSENT : legalBasis;
        java.util.Objects.requireNonNull(accessMode, "accessMode");
        java.util.Objects.requireNonNull(issuedUnder, "issuedUnder");
    }

    /** A permit loaded without its programme's current terms. */
    public Permit(UUID id, UUID projectId, UUID programmeId, String researcher, String organisation,
                  List<Purpose> purposes, DataScope scope, Instant validFrom, Instant validUntil, String record,
                  Instant revokedAt, String revocationRecord, Instant createdAt, LegalBasis legalBasis,
                  AccessMode accessMode, org.mydata.operator.release.IssuedUnder issuedUnder) {
        this(id, projectId, programmeId, researcher, organisation, purposes, scope, validFrom, validUntil, record,
                revokedAt, revocationRecord, createdAt, legalBasis, accessMode, issuedUnder, null);
    }

    /** Not revoked and within its validity, by the release policy's rule. */
    public boolean isUsable(Instant now) {
        return ReleasePolicy.whyNotUsable(PermitTerms.of(this), now).isEmpty();
    }
}
