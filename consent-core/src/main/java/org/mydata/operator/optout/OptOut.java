package org.mydata.operator.optout;

import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.mydata.operator.verify.release.LegalBasis;

/**
 * A person's objection to one programme that rests on an opt-out basis: live from {@code createdAt} until the
 * person withdraws it ({@code withdrawnAt}), when they are included again. Its records are the opt-out record
 * and, once withdrawn, the withdrawal; both sit in the person's one chain for the programme.
 */
public record OptOut(UUID id, UUID accountId, UUID programmeId, LegalBasis legalBasis, Instant createdAt,
                     Instant withdrawnAt, List<OptOutRecord> records) {
    public OptOut {
        records = List.copyOf(records);
    }

    public boolean isLive() {
        return withdrawnAt == null;
    }

    /** The signed opt-out record: the person's receipt. */
    public OptOutRecord optOutRecord() {
        return records.get(0);
    }
}
