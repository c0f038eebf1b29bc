package org.mydata.operator.release;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * A person included by an opt-out basis, at one source: through which of their service links, and where they
 * stand, as far as the release decision cares.
 *
 * @param linkId   the service link through which the person is included
 * @param linked   whether that link is live (and at one of the programme's sources)
 * @param optedOut whether the person has a live opt-out of the programme
 * @param since    from when the person is included without a break (the later of the link and the withdrawal
 *                 of their last opt-out); null when unknown. An export's {@code _since} reads it.
 */
public record Inclusion(UUID linkId, UUID accountId, boolean linked, boolean optedOut, Instant since)
        implements Grant {
    public Inclusion {
        Objects.requireNonNull(linkId, "linkId");
        Objects.requireNonNull(accountId, "accountId");
    }

    @Override
    public UUID id() {
        return linkId;
    }

    @Override
    public org.mydata.operator.verify.access.PersonAccess access(int resourceCount) {
        return org.mydata.operator.verify.access.PersonAccess.underOptOut(accountId, linkId, resourceCount);
    }
}
