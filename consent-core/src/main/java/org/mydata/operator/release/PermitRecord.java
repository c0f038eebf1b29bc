package org.mydata.operator.release;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Purpose;
import org.mydata.operator.verify.release.AccessMode;
import org.mydata.operator.verify.release.LegalBasis;

/**
 * What a stored permit states that the release policy reads, as the permit record ({@code permit.Permit})
 * offers it. Declared here, beside the policy, so that the policy never depends on the permit store's package:
 * the permit package depends on the policy, not the other way round.
 */
public interface PermitRecord {
    UUID id();

    List<Purpose> purposes();

    DataScope scope();

    Instant validFrom();

    Instant validUntil();

    /** Null while the permit is not revoked. */
    Instant revokedAt();

    LegalBasis legalBasis();

    AccessMode accessMode();

    /** permitver: the version of its programme's terms the permit was issued under; never null. */
    IssuedUnder issuedUnder();

    /** What the permit's programme allows now (amendments); null when the permit was loaded without it. */
    ProgrammeBounds programmeNow();
}
