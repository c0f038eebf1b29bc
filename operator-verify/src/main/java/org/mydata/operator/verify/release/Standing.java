package org.mydata.operator.verify.release;

import java.util.Objects;
import org.mydata.operator.verify.consent.ConsentStatus;

/**
 * Where a consent stands at one moment, as far as the release decision cares.
 *
 * @param status   the status in force then; null when none had been recorded yet
 * @param validity the validity the consent record states
 * @param linked   whether at least one service link the consent names was live then
 * @param ownDecisionDue for a consent a guardian gave for a minor who has not yet decided themself: from when it
 *                 releases nothing until they do (coming of age plus the grace period); null otherwise
 */
public record Standing(ConsentStatus status, Validity validity, boolean linked, java.time.Instant ownDecisionDue) {
    public Standing {
        Objects.requireNonNull(validity, "validity");
    }

    /** A standing with no own decision awaited (every consent the person gave themself). */
    public Standing(ConsentStatus status, Validity validity, boolean linked) {
        this(status, validity, linked, null);
    }
}
