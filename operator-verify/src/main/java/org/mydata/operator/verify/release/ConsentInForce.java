package org.mydata.operator.verify.release;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.mydata.operator.verify.consent.ConsentStatus;

/**
 * The release policy's rule on a consent alone: is it <em>in force</em> at {@code t}? It is when its status then
 * is {@code active}, {@code t} lies in its {@link Validity} (from inclusive, until exclusive, in whole seconds)
 * and one of its service links is live; and, for a consent a guardian gave for a minor who has since come of age
 * and not yet decided themself, {@code t} lies before the end of the grace period for that decision
 * ({@link Standing#ownDecisionDue()}, refused as {@link Refusal#AWAITING_OWN_DECISION}).
 *
 * <p>It lives in the auditor's module because both sides must judge by the very same rule: the operator asks it
 * through consent-core's {@code ReleasePolicy} (which adds the permit's rules, the purposes and the data period),
 * and the auditors ask it directly, without the server on their classpath. Nothing else re-implements it.
 */
public final class ConsentInForce {
    private ConsentInForce() {
    }

    /**
     * What keeps a consent from being in force at {@code at} by its own terms (status and validity), without
     * its links; every reason that applies, empty when none does.
     */
    public static List<Refusal> whyNotInForceByTerms(ConsentStatus status, Validity validity, Instant at) {
        List<Refusal> refusals = new ArrayList<>(2);
        if (status == null) {
            refusals.add(Refusal.NO_STATUS);
        } else if (status == ConsentStatus.PAUSED) {
            refusals.add(Refusal.PAUSED);
        } else if (status == ConsentStatus.WITHDRAWN) {
            refusals.add(Refusal.WITHDRAWN);
        }
        if (!validity.hasBegunAt(at)) {
            refusals.add(Refusal.CONSENT_NOT_YET_VALID);
        } else if (validity.hasEndedAt(at)) {
            refusals.add(Refusal.CONSENT_EXPIRED);
        }
        return refusals;
    }

    /** What keeps a consent from being in force at {@code at}: every reason that applies, empty when none. */
    public static List<Refusal> whyNotInForce(Standing standing, Instant at) {
        List<Refusal> refusals = whyNotInForceByTerms(standing.status(), standing.validity(), at);
        if (!standing.linked()) {
            refusals.add(Refusal.NO_LIVE_LINK);
        }
        if (standing.ownDecisionDue() != null && !at.isBefore(standing.ownDecisionDue())) {
            refusals.add(Refusal.AWAITING_OWN_DECISION);
        }
        return refusals;
    }

    public static boolean isInForce(Standing standing, Instant at) {
        return whyNotInForce(standing, at).isEmpty();
    }
}
