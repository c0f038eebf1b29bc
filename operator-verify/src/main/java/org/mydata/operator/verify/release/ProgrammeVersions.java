package org.mydata.operator.verify.release;

import java.util.Collection;
import java.util.Optional;
import java.util.Set;

/**
 * The release policy's rule on programme versions (docs/amendments.md, "What applies to whom"): a permit is issued
 * under one version of its programme's terms, a consent is signed on one; a permit may rely on a consent on an
 * older version only when no amendment between the two widened anything a release does not intersect.
 *
 * <p>A release intersects the consent's own signed purposes, kinds of data ({@code resource_types}), data period
 * and access modes with the permit's ({@link #INTERSECTED}): a widening of those reaches nobody who has not
 * accepted it, whatever version the permit was issued under. Everything else a person agrees to (the stewards who
 * decide on requests, the promises, the terms document and its version, the programme's words, the Observation
 * categories released) is not an attribute of a release: a permit issued under a version that widened one of them
 * was decided on terms the person never saw, so it reaches only persons on that version or a later one
 * ({@link Refusal#WIDENING_NOT_ACCEPTED}). A narrowing needs no consent and applies to everyone at once.
 *
 * <p>It lives in the auditor's module, as {@link ConsentInForce} does, so that consent-core's {@code ReleasePolicy}
 * (and its {@code Amendments}, which classify each change) and the full-log audit judge by the same rule.
 */
public final class ProgrammeVersions {
    /** The fields of an amendment's {@code changes} that every release intersects with the consent's own terms. */
    public static final Set<String> INTERSECTED = Set.of("purposes", "resource_types", "data_period", "access_modes");

    /** The direction a change that widens states in an amendment record's {@code changes}. */
    public static final String WIDENING = "widening";

    private ProgrammeVersions() {
    }

    /**
     * Whether one change of an amendment (its {@code field} and {@code direction}, as the amendment record states
     * them) widens something a release does not intersect: then no consent on an earlier version is reached by a
     * permit issued under it or later.
     */
    public static boolean widensBeyondRelease(String field, String direction) {
        return WIDENING.equals(direction) && !INTERSECTED.contains(field);
    }

    /**
     * The oldest version whose consents a permit issued under {@code permitVersion} may rely on.
     *
     * @param widenedBeyondRelease the versions of the programme whose amendment widened beyond a release (any
     *                             order; those above {@code permitVersion} are ignored)
     * @return the highest of them up to {@code permitVersion}, or 1 when there is none
     */
    public static int oldestReachable(int permitVersion, Collection<Integer> widenedBeyondRelease) {
        return widenedBeyondRelease.stream().filter(v -> v <= permitVersion).max(Integer::compare).orElse(1);
    }

    /**
     * Why a consent on {@code consentVersion} may not be relied on for a permit that reaches consents from
     * {@code oldestReachable} on; empty when it may.
     */
    public static Optional<Refusal> whyNot(int consentVersion, int oldestReachable) {
        return consentVersion < oldestReachable ? Optional.of(Refusal.WIDENING_NOT_ACCEPTED) : Optional.empty();
    }
}
