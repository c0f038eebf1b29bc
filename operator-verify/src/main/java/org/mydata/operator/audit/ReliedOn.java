package org.mydata.operator.audit;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.mydata.operator.release.ConsentInForce;
import org.mydata.operator.release.Refusal;
import org.mydata.operator.release.Standing;
import org.mydata.operator.release.Validity;

/**
 * Whether an access event could rely on one consent, judged by the release policy's rule ({@link ConsentInForce}) with what the log shows:
 * the status in force at the event's log position, the validity the consent record states, whether one of its
 * links was live at that position, and the event's {@code iat}. The full-log audit and the bundle verifier both
 * judge through here, so they reach the same verdict, in the same words, on the same entries.
 */
final class ReliedOn {
    private ReliedOn() {
    }

    /**
     * @param consent   how to name the consent in a report: "consent {id}" or "the consent"
     * @param status    the status record in force just before the event's log position, if any
     * @param validFrom the record's {@code valid_from}, seconds since the epoch; null if it states none
     * @param validUntil the record's {@code valid_until}; null if open-ended
     * @param linked    whether one of the consent's links was live at that position
     * @param at        the event's time ({@code iat})
     * @return every reason the event could not rely on it; empty when it could
     */
    static List<String> problems(String consent, Optional<StatusChain.Step> status, Long validFrom, Long validUntil,
                                 boolean linked, Instant at) {
        Standing standing = new Standing(status.map(StatusChain.Step::status).orElse(null),
                Validity.ofEpochSeconds(validFrom, validUntil), linked);
        List<String> problems = new ArrayList<>();
        for (Refusal refusal : ConsentInForce.whyNotInForce(standing, at)) {
            problems.add(switch (refusal) {
                case NO_STATUS -> consent + " had no status record before it";
                case PAUSED, WITHDRAWN -> consent + " was " + status.get().status().wire() + " at that position (csr #"
                        + status.get().logIndex() + ")";
                case CONSENT_NOT_YET_VALID -> consent + "'s validity had not begun at its time " + at;
                case CONSENT_EXPIRED -> consent + "'s validity had ended at its time " + at;
                case NO_LIVE_LINK -> consent + " had no live service link at that position";
                default -> consent + ": " + refusal.text();
            });
        }
        return problems;
    }
}
