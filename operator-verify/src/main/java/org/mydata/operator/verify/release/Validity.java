package org.mydata.operator.verify.release;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * When a consent or a permit may be relied on: from {@code from} (inclusive) until {@code until} (exclusive),
 * either open when null. Held in whole seconds, truncated, because the signed records state their validity in
 * whole seconds and the auditors can judge only what the records say: with the same truncated bounds on both
 * sides, whatever the gateway releases at an instant {@code t} an auditor also accepts at {@code t}'s whole
 * second, so the two can never disagree. (Truncating {@code until} can only end a validity earlier, never later
 * than the person chose.)
 */
public record Validity(Instant from, Instant until) {

    public Validity {
        from = from == null ? null : from.truncatedTo(ChronoUnit.SECONDS);
        until = until == null ? null : until.truncatedTo(ChronoUnit.SECONDS);
    }

    /** As the signed records state it: seconds since the epoch, either absent. */
    public static Validity ofEpochSeconds(Long from, Long until) {
        return new Validity(from == null ? null : Instant.ofEpochSecond(from),
                until == null ? null : Instant.ofEpochSecond(until));
    }

    public boolean hasBegunAt(Instant at) {
        return from == null || !at.isBefore(from);
    }

    public boolean hasEndedAt(Instant at) {
        return until != null && !at.isBefore(until);
    }

    public boolean contains(Instant at) {
        return hasBegunAt(at) && !hasEndedAt(at);
    }
}
