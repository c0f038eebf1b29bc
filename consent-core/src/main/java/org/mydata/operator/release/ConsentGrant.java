package org.mydata.operator.release;

import org.mydata.operator.verify.release.AccessMode;
import org.mydata.operator.verify.release.ConsentModes;
import org.mydata.operator.verify.release.Standing;

import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Purpose;

/**
 * A consent as a release may rely on it: whose, for what, over which data, in which access modes, and where it
 * stands.
 *
 * @param accessModes the modes the consent allows, as its record states them ({@link ConsentModes#fromClaim}: a
 *                    consent given before access modes allows both); required, so that no caller can forget them
 * @param programmeVersion the version of the programme's terms the person signed ({@link #version}: 1 for a consent
 *                         given before programmes had versions); a permit issued under a later version that widened
 *                         beyond a release does not reach it (permitver, {@link PermitTerms#oldestConsentVersion})
 */
public record ConsentGrant(UUID consentId, UUID accountId, List<Purpose> purposes, DataScope scope,
                           List<AccessMode> accessModes, int programmeVersion, Standing standing) implements Grant {
    /** The version a consent's stored {@code programme_version} names: null (before versions) is version 1. */
    public static int version(Integer stored) {
        return stored == null ? 1 : stored;
    }

    public ConsentGrant {
        if (programmeVersion < 1) {
            throw new IllegalArgumentException("programme version " + programmeVersion);
        }
        Objects.requireNonNull(consentId, "consentId");
        purposes = List.copyOf(purposes);
        accessModes = ConsentModes.normalised(Objects.requireNonNull(accessModes, "accessModes"));
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(standing, "standing");
    }

    @Override
    public UUID id() {
        return consentId;
    }

    @Override
    public org.mydata.operator.verify.access.PersonAccess access(int resourceCount) {
        return new org.mydata.operator.verify.access.PersonAccess(accountId, consentId, resourceCount);
    }
}
