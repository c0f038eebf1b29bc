package org.mydata.operator.release;

import java.util.Objects;
import org.mydata.operator.consent.ConsentStatus;

/**
 * Where a consent stands at one moment, as far as the release decision cares.
 *
 * @param status   the status in force then; null when none had been recorded yet
 * @param validity the validity the consent record states
 * @param linked   whether at least one service link the consent names was live then
 */
public record Standing(ConsentStatus status, Validity validity, boolean linked) {
    public Standing {
        Objects.requireNonNull(validity, "validity");
    }
}
