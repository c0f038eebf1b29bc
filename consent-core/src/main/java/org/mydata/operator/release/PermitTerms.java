package org.mydata.operator.release;

import org.mydata.operator.verify.release.AccessMode;
import org.mydata.operator.verify.release.LegalBasis;
import org.mydata.operator.verify.release.Refusal;
import org.mydata.operator.verify.release.Validity;

import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Purpose;

/**
 * What a permit lets its researcher read, how, and when: the permit side of every release decision.
 *
 * @param basis the legal basis of the permit's programme: whether it relies on consents or includes the linked
 *              persons who did not opt out
 * @param mode  how its researcher receives the data: statistical answers or pseudonymised records
 * @param narrowedAway why an amendment of its programme leaves the permit nothing to read ({@link
 *                     Refusal#NARROWED_BY_AMENDMENT}); null when the programme's current terms still hold it
 * @param oldestConsentVersion the oldest version of its programme whose consents it may rely on (permitver,
 *                             {@link IssuedUnder#oldestReachable}): a consent on an older one is refused
 *                             {@link Refusal#WIDENING_NOT_ACCEPTED}
 */
public record PermitTerms(UUID permitId, List<Purpose> purposes, DataScope scope, Validity validity,
                          boolean revoked, LegalBasis basis, AccessMode mode, Refusal narrowedAway,
                          int oldestConsentVersion) {
    public PermitTerms {
        if (oldestConsentVersion < 1) {
            throw new IllegalArgumentException("oldest consent version " + oldestConsentVersion);
        }
        purposes = List.copyOf(purposes);
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(validity, "validity");
        Objects.requireNonNull(basis, "basis");
        Objects.requireNonNull(mode, "mode");
    }

    /**
     * A permit's terms as signed, not (yet) read within its programme's current terms, reaching consents on every
     * version of its programme: for this package's tests only, since anything else skipping the version rule would
     * fail open ({@link #of} is the way in).
     */
    PermitTerms(UUID permitId, List<Purpose> purposes, DataScope scope, Validity validity,
                       boolean revoked, LegalBasis basis, AccessMode mode) {
        this(permitId, purposes, scope, validity, revoked, basis, mode, null, 1);
    }

    /** The permit's terms, read within its programme's current terms when the permit was loaded with them. */
    public static PermitTerms of(PermitRecord permit) {
        PermitTerms signed = new PermitTerms(permit.id(), permit.purposes(), permit.scope(),
                new Validity(permit.validFrom(), permit.validUntil()), permit.revokedAt() != null,
                permit.legalBasis(), permit.accessMode(), null, permit.issuedUnder().oldestReachable());
        return permit.programmeNow() == null ? signed : signed.within(permit.programmeNow());
    }

    /**
     * These terms within what the programme allows now (amend, docs/amendments.md): the data kinds both name, the
     * days both periods hold; and nothing at all ({@link Refusal#NARROWED_BY_AMENDMENT}) when the programme no
     * longer covers one of the permit's purposes or its access mode, or the periods share no day. A narrowing
     * amendment thus applies to every release at once, without touching the signed permit.
     */
    PermitTerms within(ProgrammeBounds now) {
        boolean purposesKept = purposes.stream().allMatch(p -> now.purposes().stream().anyMatch(q -> q.covers(p)));
        boolean modeKept = mode.isAllowedBy(now.accessModes());
        java.time.LocalDate from = later(scope.dataFrom(), now.scope().dataFrom());
        java.time.LocalDate until = earlier(scope.dataUntil(), now.scope().dataUntil());
        boolean periodKept = from == null || until == null || !until.isBefore(from);
        List<String> types = scope.resourceTypes().stream().filter(now.scope().resourceTypes()::contains).toList();
        DataScope narrowed = periodKept ? new DataScope(types, from, until, scope.observationCategories()) : scope;
        Refusal away = narrowedAway != null ? narrowedAway
                : purposesKept && modeKept && periodKept ? null : Refusal.NARROWED_BY_AMENDMENT;
        return new PermitTerms(permitId, purposes, narrowed, validity, revoked, basis, mode, away,
                oldestConsentVersion);
    }

    private static java.time.LocalDate later(java.time.LocalDate a, java.time.LocalDate b) {
        return a == null ? b : b == null || a.isAfter(b) ? a : b;
    }

    private static java.time.LocalDate earlier(java.time.LocalDate a, java.time.LocalDate b) {
        return a == null ? b : b == null || a.isBefore(b) ? a : b;
    }
}
