package org.mydata.operator.release;

import org.mydata.operator.verify.release.AccessMode;
import org.mydata.operator.verify.release.ConsentInForce;
import org.mydata.operator.verify.release.ConsentModes;
import org.mydata.operator.verify.release.LegalBasis;
import org.mydata.operator.verify.release.OptOutInclusion;
import org.mydata.operator.verify.release.ProgrammeVersions;
import org.mydata.operator.verify.release.Refusal;
import org.mydata.operator.verify.release.Standing;
import org.mydata.operator.verify.release.TermsOfUse;
import org.mydata.operator.verify.release.Validity;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Purpose;

/**
 * The one answer to "may this leave, for this permit, at this moment?". Every path that releases data or
 * judges a release asks here: the cohort query, the gateway's per-resource decision, the export's per-line
 * decision at download, {@code AccessLog}'s last check before an event is written, and both auditors. Pure:
 * no database, no FHIR, no clock; the caller says what it knows and at which instant.
 *
 * <p>The rules:
 * <ul>
 * <li>A consent is <em>in force</em> at {@code t} when its status then is {@code active}, {@code t} lies in its
 * {@link Validity} (from inclusive, until exclusive, in whole seconds) and one of its service links is live.
 * That rule is {@link ConsentInForce}, in the auditor's module operator-verify with {@link Refusal},
 * {@link Standing} and {@link Validity}, so the auditors judge by it without the server.</li>
 * <li>A permit is <em>usable</em> at {@code t} when it is not revoked, {@code t} lies in its validity, and its
 * programme's current terms still cover its purposes and mode (a narrowing amendment applies to all at once; the
 * permit is read within those terms, see {@link PermitTerms#within}).</li>
 * <li>The rules on the terms alone (validity of the permit, types, purposes, data periods) are {@link TermsOfUse},
 * in operator-verify beside {@link ConsentInForce}, so the auditors judge an event's purpose, types and data
 * period by them too; this class hands over to them.</li>
 * <li>A consent may be <em>relied on</em> for a permit and a resource type when it is in force, its purposes
 * cover every purpose of the permit (a broader DPV purpose covers its narrower ones, see
 * {@link org.mydata.operator.programme.Purpose#covers}), its scope names the type, and its access modes allow
 * the permit's ({@link AccessMode#isAllowedBy}: a consent to records allows statistics, a statistics-only consent
 * allows no records permit; a consent given before access modes allows both, see {@link ConsentModes}), and it
 * is on a version of the programme the permit may reach: a permit issued under a version whose amendment (or an
 * earlier one's, after the consent's version) widened what a release does not intersect (stewards, promises,
 * texts) reaches only consents on that version or later ({@link ProgrammeVersions},
 * {@link Refusal#WIDENING_NOT_ACCEPTED}).</li>
 * <li>A resource is released when the permit is usable and names the type, and one of the person's consents
 * may be relied on; and, unless it is the {@value #PERSON} resource itself, when its clinical day lies in the
 * permit's data period and in that consent's. A data period is calendar days, both ends inclusive; a resource
 * without a clinical day is never released under a data period. The {@value #PERSON} resource is the person
 * themself, not data of a day: any consent that may be relied on releases it.</li>
 * <li>The permit's programme rests on a {@link LegalBasis}: under {@code consent} only consents may be relied
 * on; under an opt-out basis only {@link Inclusion}s, and a person is <em>included</em> when a link of theirs
 * to one of the programme's sources is live and they have no live opt-out of the programme (that rule is
 * {@link OptOutInclusion}, in operator-verify beside {@link ConsentInForce}). An inclusion covers what the
 * permit covers: the permit is never wider than its programme, and there is no consent to narrow it. That holds
 * for the access mode too: a request may ask only for a mode its programme offers, so the programme's modes
 * apply to the persons it includes.</li>
 * </ul>
 */
public final class ReleasePolicy {
    /** The resource type that is the person themself, judged by no data period. */
    public static final String PERSON = TermsOfUse.PERSON;

    private ReleasePolicy() {
    }

    /** What keeps a permit from being used at {@code at}; empty when it may be. */
    public static Optional<Refusal> whyNotUsable(PermitTerms permit, Instant at) {
        if (permit.revoked()) {
            return Optional.of(Refusal.PERMIT_REVOKED);
        }
        if (permit.narrowedAway() != null) {
            return Optional.of(permit.narrowedAway());
        }
        return TermsOfUse.whyNotInPermitValidity(permit.validity(), at);
    }

    /** What keeps the permit from reading any resource of the type at {@code at}; empty when it may. */
    public static Optional<Refusal> whyNotForType(PermitTerms permit, String type, Instant at) {
        Optional<Refusal> unusable = whyNotUsable(permit, at);
        if (unusable.isPresent()) {
            return unusable;
        }
        return TermsOfUse.whyNotPermitted(permit.scope().resourceTypes(), type);
    }

    /**
     * What keeps the grant from being relied on for the permit and the type at {@code at}, whatever the
     * resource's day: every reason that applies, empty when none does. The cohort is the persons with a
     * grant for which this is empty.
     */
    public static List<Refusal> whyNotReliable(Grant grant, PermitTerms permit, String type, Instant at) {
        if (grant instanceof Inclusion inclusion) {
            List<Refusal> refusals = new ArrayList<>();
            if (!permit.basis().isOptOut()) {
                refusals.add(Refusal.BASIS_MISMATCH);
            }
            refusals.addAll(OptOutInclusion.whyNot(inclusion.linked(), inclusion.optedOut()));
            return refusals;
        }
        ConsentGrant consent = (ConsentGrant) grant;
        List<Refusal> refusals = ConsentInForce.whyNotInForce(consent.standing(), at);
        if (permit.basis().isOptOut()) {
            refusals.add(0, Refusal.BASIS_MISMATCH);
        }
        refusals.addAll(TermsOfUse.whyNotCovered(codes(consent.purposes()), consent.scope().resourceTypes(),
                codes(permit.purposes()), type));
        ConsentModes.whyNot(permit.mode(), consent.accessModes()).ifPresent(refusals::add);
        ProgrammeVersions.whyNot(consent.programmeVersion(), permit.oldestConsentVersion()).ifPresent(refusals::add);
        return refusals;
    }

    /**
     * The decision on one resource of a person.
     *
     * @param grants   the person's consents to the permit's programme, or under an opt-out basis their
     *                 inclusions, in the order to prefer them
     * @param day      the resource's clinical day at the source (before any shift); null when it has none
     * @return released under the first grant that covers it, or refused: for the permit's reason if the
     *         permit refuses, else for the first grant's first reason (so one consent's case reads plainly)
     */
    public static Decision decide(PermitTerms permit, List<? extends Grant> grants, String type, LocalDate day,
                                  Instant at) {
        Optional<Refusal> byPermit = whyNotForType(permit, type, at);
        if (byPermit.isEmpty() && !type.equals(PERSON)) {
            byPermit = outsidePeriod(permit.scope(), day, Refusal.UNDATED_UNDER_PERMIT_PERIOD,
                    Refusal.DAY_OUTSIDE_PERMIT_PERIOD);
        }
        if (byPermit.isPresent()) {
            return new Decision.Refuse(byPermit.get());
        }
        Refusal first = null;
        for (Grant grant : grants) {
            List<Refusal> refusals = whyNotReliable(grant, permit, type, at);
            // An inclusion has no data period of its own: the permit's, judged above, is the programme's or narrower.
            Optional<Refusal> refusal = !refusals.isEmpty() ? Optional.of(refusals.get(0))
                    : type.equals(PERSON) || !(grant instanceof ConsentGrant consent) ? Optional.empty()
                    : outsidePeriod(consent.scope(), day, Refusal.UNDATED_UNDER_CONSENT_PERIOD,
                    Refusal.DAY_OUTSIDE_CONSENT_PERIOD);
            if (refusal.isEmpty()) {
                return new Decision.Release(grant);
            }
            if (first == null) {
                first = refusal.get();
            }
        }
        return new Decision.Refuse(first != null ? first
                : permit.basis().isOptOut() ? Refusal.NOT_LINKED : Refusal.NO_CONSENT);
    }

    /** Why a day does not lie in the scope's data period; empty when it does or there is no period. */
    private static Optional<Refusal> outsidePeriod(DataScope scope, LocalDate day, Refusal undated, Refusal outside) {
        return TermsOfUse.outsidePeriod(scope.dataFrom(), scope.dataUntil(), day, undated, outside);
    }

    private static List<String> codes(List<Purpose> purposes) {
        return purposes.stream().map(Purpose::code).toList();
    }
}
