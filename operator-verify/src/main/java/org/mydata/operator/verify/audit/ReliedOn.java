package org.mydata.operator.verify.audit;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.mydata.operator.verify.access.AccessEntry;
import org.mydata.operator.verify.access.PersonAccess;
import org.mydata.operator.verify.consent.ConsentStatus;
import org.mydata.operator.verify.release.AccessMode;
import org.mydata.operator.verify.release.ConsentModes;
import org.mydata.operator.verify.release.ConsentInForce;
import org.mydata.operator.verify.release.OptOutInclusion;
import org.mydata.operator.verify.release.ProgrammeVersions;
import org.mydata.operator.verify.release.Refusal;
import org.mydata.operator.verify.release.Standing;
import org.mydata.operator.verify.release.Validity;

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
     * Whether a service link was live at a log position: made before it and not removed before it. The auditors'
     * one rule for it, whatever they hold the link's history in.
     *
     * @param madeAt    the link record's log index; null when unknown (then it was not live)
     * @param removedAt the log index of its first removal; null when not removed
     */
    static boolean linkLiveAt(Long madeAt, Long removedAt, long index) {
        return madeAt != null && madeAt < index && (removedAt == null || removedAt > index);
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
    static List<String> problems(String consent, Optional<RecordChain.Step<ConsentStatus>> status, Long validFrom, Long validUntil,
                                 boolean linked, Instant at) {
        Standing standing = new Standing(status.map(RecordChain.Step::status).orElse(null),
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

    /**
     * Whether the event's use of the data (a statistical answer, or records read) is one the consent's signed
     * record allows ({@link ConsentModes}: a record without {@code access_modes} was given for records, which imply
     * statistics). Empty when it is.
     *
     * @param consent    how to name the consent in a report
     * @param modesClaim the consent record's {@code access_modes} claim, null when absent
     */
    static List<String> modeProblems(String consent, Object modesClaim, AccessEntry event) {
        Optional<List<AccessMode>> allowed = ConsentModes.fromClaim(modesClaim);
        if (allowed.isEmpty()) {
            return List.of(consent + " states access modes the auditor does not know: " + modesClaim);
        }
        AccessMode used = ConsentModes.ofInteraction(event.interaction());
        return ConsentModes.whyNot(used, allowed.get()).map(refusal -> List.of(consent + " allows only "
                + String.join(" and ", allowed.get().stream().map(AccessMode::wireName).toList()) + ", and the event "
                + "read records (" + event.interaction() + ")")).orElse(List.of());
    }

    /**
     * permitver: whether a permit issued under {@code permitVersion} of its programme could rely on a consent on
     * {@code consentVersion}: not when an amendment after the consent's version, up to the permit's, widened what a
     * release does not intersect ({@link ProgrammeVersions}). Empty when it could.
     *
     * @param consent         how to name the consent in a report
     * @param oldestReachable the oldest version whose consents the permit may rely on
     */
    static List<String> versionProblems(String consent, int consentVersion, int permitVersion, int oldestReachable) {
        return ProgrammeVersions.whyNot(consentVersion, oldestReachable).map(refusal -> List.of(consent
                + " is on version " + consentVersion + " of its programme, and its permit was issued under version "
                + permitVersion + ", after version " + oldestReachable + " widened what a release does not intersect "
                + "(stewards, promises, texts, the terms document or Observation categories), which the consent's "
                + "person had not accepted")).orElse(List.of());
    }

    /** Whether the event is of a kind its permit's mode allows: a statistics permit reads no records. */
    static List<String> permitModeProblems(AccessEntry event, PermitBasis permit) {
        if (permit.mode().isEmpty()) {
            return List.of("its permit states an access mode the auditor does not know");
        }
        AccessMode used = ConsentModes.ofInteraction(event.interaction());
        return used.isAllowedBy(List.of(permit.mode().get())) ? List.of()
                : List.of("it read records (" + event.interaction() + ") under a " + permit.mode().get().wireName()
                + " permit");
    }

    /**
     * Whether a person's row relies on what its permit's programme rests on: a consent under {@code consent}, a
     * service link (an opt-out basis's inclusion) under an opt-out basis. Empty when it does.
     */
    static List<String> basisProblems(PersonAccess person, PermitBasis permit) {
        if (permit.basis().isEmpty()) {
            return List.of("its permit states a legal basis the auditor does not know");
        }
        if (person.consentId() != null && permit.optOut()) {
            return List.of("it relies on consent " + person.consentId() + " of account " + person.accountId()
                    + ", but its permit's programme rests on " + permit.wire() + " (opt-out), not on consent");
        }
        if (person.slrId() != null && !permit.optOut()) {
            return List.of("it relies on an opt-out basis for account " + person.accountId() + " (slr "
                    + person.slrId() + "), but its permit's programme rests on consent");
        }
        return List.of();
    }

    /**
     * Whether an access event could include a person under an opt-out basis, judged by the release policy's rule
     * ({@link OptOutInclusion}) with what the log shows at the event's position.
     *
     * @param person   how to name the person in a report: "account {id}"
     * @param optOut   the person's opt-out of the programme live just before the event's position, if any
     * @param linked   whether the link the row names was the person's, live at that position, and at one of the
     *                 permit's sources
     */
    static List<String> inclusionProblems(String person, Optional<RecordChain.Step<String>> optOut, boolean linked) {
        List<String> problems = new ArrayList<>();
        for (Refusal refusal : OptOutInclusion.whyNot(linked, optOut.isPresent())) {
            problems.add(switch (refusal) {
                case OPTED_OUT -> person + " had opted out of the programme at that position (opt-out #"
                        + optOut.get().logIndex() + ")";
                case NOT_LINKED -> person + " had no live service link to a source of the programme at that position";
                default -> person + ": " + refusal.text();
            });
        }
        return problems;
    }
}
