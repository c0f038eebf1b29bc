package org.mydata.operator.permit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.mydata.operator.consent.ConsentStatus;
import org.mydata.operator.json.Json;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Purpose;
import org.mydata.operator.release.ConsentGrant;
import org.mydata.operator.release.PermitTerms;
import org.mydata.operator.release.ReleasePolicy;
import org.mydata.operator.release.Standing;
import org.mydata.operator.release.Validity;
import org.mydata.operator.source.SourcePatient;
import org.mydata.operator.store.Sql;
import org.mydata.operator.store.Transactions;

/**
 * Who a permit may read right now. Computed from the database at the start of every request, never
 * cached: a withdrawal, pause or link removal that has returned to the citizen is already in it.
 */
public final class Cohorts {
    private final Transactions tx;

    public Cohorts(Transactions tx) {
        this.tx = tx;
    }

    /**
     * Persons with a consent to the permit's programme that the release policy lets the permit rely on for
     * {@code resourceType} at {@code now}, each at every source their consent names through a live link. The
     * query only picks candidates (active, linked, not yet ended); {@link ReleasePolicy} decides.
     */
    public List<CohortMember> of(Permit permit, String resourceType, Instant now) {
        PermitTerms terms = PermitTerms.of(permit);
        if (ReleasePolicy.whyNotForType(terms, resourceType, now).isPresent()) {
            return List.of();
        }
        return tx.read(c -> {
            // In a stable order, down to a consent's links: a person linked at two sources is read as one Patient
            // from the first of them, and the export's run and its download must agree on which that is.
            Map<SourcePatient, CohortMember> members = new LinkedHashMap<>();
            for (Candidate candidate : candidates(c, permit.programmeId(), now)) {
                if (!ReleasePolicy.whyNotReliable(candidate.grant(), terms, resourceType, now).isEmpty()) {
                    continue;
                }
                members.merge(candidate.patient(), new CohortMember(candidate.grant().accountId(),
                        candidate.patient(), List.of(candidate.grant())), (a, b) -> {
                    List<ConsentGrant> grants = new ArrayList<>(a.grants());
                    grants.addAll(b.grants());
                    return new CohortMember(a.accountId(), a.patient(), grants);
                });
            }
            return List.copyOf(members.values());
        });
    }

    /**
     * The consents, each with its person, that the permit may rely on at {@code at} for at least one type of its
     * scope: the whole cohort, as the notification of a revoked or expired permit names it. Runs on the caller's
     * connection, so that it sees the caller's transaction.
     */
    public static List<ConsentGrant> wholeCohort(Connection c, Permit permit, Instant at) throws SQLException {
        PermitTerms terms = PermitTerms.of(permit);
        Map<java.util.UUID, ConsentGrant> grants = new LinkedHashMap<>();
        for (Candidate candidate : candidates(c, permit.programmeId(), at)) {
            for (String type : permit.scope().resourceTypes()) {
                if (ReleasePolicy.whyNotForType(terms, type, at).isEmpty()
                        && ReleasePolicy.whyNotReliable(candidate.grant(), terms, type, at).isEmpty()) {
                    grants.putIfAbsent(candidate.grant().consentId(), candidate.grant());
                    break;
                }
            }
        }
        return List.copyOf(grants.values());
    }

    /** A consent the cohort query picked, at one of the sources it names through a live link. */
    private record Candidate(ConsentGrant grant, SourcePatient patient) {
    }

    /**
     * The candidates: active, linked, not yet ended consents to the programme; the release policy decides. No
     * valid_from condition: the policy judges validity in whole seconds, which can begin up to a second before
     * the stored instant; a candidate too many is harmless, one too few is not.
     */
    private static List<Candidate> candidates(Connection c, java.util.UUID programmeId, Instant now)
            throws SQLException {
        List<Candidate> candidates = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                select c.id as consent_id, c.account_id, c.purposes, c.scope, c.valid_from, c.valid_until,
                       latest.status, sl.source_id, sl.surrogate_id
                  from consent c
                  join lateral (select s.status from consent_status s where s.consent_id = c.id
                                 order by s.seq desc limit 1) latest on true
                  join consent_link cl on cl.consent_id = c.id
                  join service_link sl on sl.id = cl.link_id and sl.removed_at is null
                 where c.programme_id = ? and latest.status = 'active'
                   and (c.valid_until is null or c.valid_until > ?)
                 order by c.created_at, c.id, sl.created_at, sl.id
                """)) {
            ps.setObject(1, programmeId);
            ps.setTimestamp(2, Sql.timestamp(now));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    UUID accountId = Sql.uuid(rs, "account_id");
                    ConsentGrant grant = new ConsentGrant(Sql.uuid(rs, "consent_id"), accountId,
                            Sql.strings(rs, "purposes").stream().map(p -> Purpose.fromCode(p).orElseThrow())
                                    .toList(),
                            DataScope.fromJson(Json.read(rs.getString("scope"))),
                            new Standing(ConsentStatus.fromWire(rs.getString("status")).orElse(null),
                                    new Validity(Sql.instant(rs, "valid_from"), Sql.instant(rs, "valid_until")),
                                    true));
                    candidates.add(new Candidate(grant, new SourcePatient(Sql.uuid(rs, "source_id"),
                            rs.getString("surrogate_id"))));
                }
            }
        }
        return candidates;
    }
}
