package org.mydata.operator.release;

import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Purpose;

/** A consent as a release may rely on it: whose, for what, over which data, and where it stands. */
public record ConsentGrant(UUID consentId, UUID accountId, List<Purpose> purposes, DataScope scope,
                           Standing standing) implements Grant {
    public ConsentGrant {
        Objects.requireNonNull(consentId, "consentId");
        purposes = List.copyOf(purposes);
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(standing, "standing");
    }

    @Override
    public UUID id() {
        return consentId;
    }

    @Override
    public org.mydata.operator.access.PersonAccess access(int resourceCount) {
        return new org.mydata.operator.access.PersonAccess(accountId, consentId, resourceCount);
    }
}
