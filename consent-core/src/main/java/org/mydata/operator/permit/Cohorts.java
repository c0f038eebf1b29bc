package org.mydata.operator.permit;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.mydata.operator.verify.consent.ConsentStatus;
import org.mydata.operator.json.Json;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Purpose;
import org.mydata.operator.release.ConsentGrant;
import org.mydata.operator.release.Grant;
import org.mydata.operator.release.Inclusion;
import org.mydata.operator.release.PermitTerms;
import org.mydata.operator.release.ReleasePolicy;
import org.mydata.operator.verify.release.Standing;
import org.mydata.operator.verify.release.Validity;
import org.mydata.operator.source.SourcePatient;
import org.mydata.operator.store.Sql;
import org.mydata.operator.store.Transactions;

/**
 * Who a permit may read right now. Computed from the database at the start of every request, never
 * cached: a withdrawal, pause, link removal or opt-out that has returned to the citizen is already in it.
 */
public final class Cohorts {
    private final Transactions tx;

    public Cohorts(Transactions tx) {
        this.tx = tx;
    }

    /**
     * Persons with a consent to the permit's programme that the release policy lets the permit rely on for
     * {@code resourceType} at {@code now}, each at every source their consent names through a live link. The
     * query only picks candidates (active, linked, not yet ended); {@link ReleasePolicy} decides. This reads the
     * whole cohort: a request about some persons asks {@link #ofPersons}, a walk over several types {@link #ofTypes}.
     */
    public List<CohortMember> of(Permit permit, String resourceType, Instant now) {
        return members(permit, List.of(resourceType), now, null).get(resourceType);
    }

    /**
     * The members of {@link #of} among the given persons only, by the same rule and in the same order: what one
     * request about a patient, or one page of results, needs to know. Indexed by person, so it costs the same
     * whatever the size of the cohort. An empty set of persons has no members.
     */
    public List<CohortMember> ofPersons(Permit permit, String resourceType, Instant now, Collection<UUID> accountIds) {
        return members(permit, List.of(resourceType), now, Objects.requireNonNull(accountIds)).get(resourceType);
    }

    /**
     * {@link #of} for each of the types, from one read of the candidates (each type decided by the release policy
     * on its own): what a walk over all of a permit's types needs, at the cost of one cohort read. Every type asked
     * is a key of the result.
     */
    public Map<String, List<CohortMember>> ofTypes(Permit permit, Collection<String> resourceTypes, Instant now) {
        return members(permit, resourceTypes, now, null);
    }

    /** The cohort of each type, of everyone ({@code accountIds} null) or of those persons only. */
    private Map<String, List<CohortMember>> members(Permit permit, Collection<String> resourceTypes, Instant now,
                                                    Collection<UUID> accountIds) {
        PermitTerms terms = PermitTerms.of(permit);
        Map<String, List<CohortMember>> byType = new LinkedHashMap<>();
        List<String> usable = new ArrayList<>();
        for (String type : resourceTypes) {
            byType.put(type, List.of());
            if (ReleasePolicy.whyNotForType(terms, type, now).isEmpty() && !usable.contains(type)) {
                usable.add(type);
            }
        }
        if (usable.isEmpty() || (accountIds != null && accountIds.isEmpty())) {
            return byType;
        }
        if (terms.basis().isOptOut()) {
            byType.putAll(included(permit, terms, usable, now, accountIds));
            return byType;
        }
        List<Candidate> candidates = tx.read(c -> candidates(c, permit.programmeId(), now, accountIds));
        for (String type : usable) {
            byType.put(type, reliedOn(candidates, terms, type, now));
        }
        return byType;
    }

    /**
     * The candidates the release policy lets the permit rely on for the type, one member per person and source.
     * In a stable order, down to a consent's links: a person linked at two sources is read as one Patient from the
     * first of them, and the export's run and its download must agree on which that is.
     */
    private static List<CohortMember> reliedOn(List<Candidate> candidates, PermitTerms terms, String resourceType,
                                               Instant now) {
        Map<SourcePatient, CohortMember> members = new LinkedHashMap<>();
        for (Candidate candidate : candidates) {
            if (!ReleasePolicy.whyNotReliable(candidate.grant(), terms, resourceType, now).isEmpty()) {
                continue;
            }
            members.merge(candidate.patient(), new CohortMember(candidate.grant().accountId(),
                    candidate.patient(), List.of(candidate.grant())), (a, b) -> {
                List<Grant> grants = new ArrayList<>(a.grants());
                grants.addAll(b.grants());
                return new CohortMember(a.accountId(), a.patient(), grants);
            });
        }
        return List.copyOf(members.values());
    }

    /**
     * A permit whose cohort includes one person now: the types it may read of theirs (the permit's types for
     * which {@link #of} would list them), the consents it relies on for them (under an opt-out basis: the links
     * through which the person is included), and who the project is.
     *
     * @param projectTitle the data request's title
     * @param decidedBy    the steward who approved the request (and so issued the permit)
     */
    public record Reach(Permit permit, String projectTitle, String decidedBy, List<String> resourceTypes,
                        List<ConsentGrant> grants, List<Inclusion> inclusions) {
        public Reach {
            resourceTypes = List.copyOf(resourceTypes);
            grants = List.copyOf(grants);
            inclusions = List.copyOf(inclusions);
        }

        /** Whether the permit reads the person because they did not opt out, rather than through a consent. */
        public boolean throughOptOutBasis() {
            return !inclusions.isEmpty();
        }
    }

    /**
     * Every permit whose cohort includes the person at {@code now}, by the same rule as {@link #of}: the permit
     * is usable and names the type, and one of the person's consents to its programme, live-linked, may be
     * relied on for that type ({@link ReleasePolicy#whyNotReliable}); under an opt-out basis, one of their live
     * links at the programme's sources, unless they opted out. Oldest permit first.
     */
    public List<Reach> reaching(UUID accountId, Instant now) {
        return tx.read(c -> {
            Map<UUID, List<ConsentGrant>> grantsByProgramme = new LinkedHashMap<>();
            // The same candidates as the cohort query, for one person: active, not ended, with a live link.
            try (PreparedStatement ps = c.prepareStatement("""
                    select c.id as consent_id, c.account_id, c.programme_id, c.purposes, c.scope, c.access_modes,
                           c.programme_version, c.valid_from,
                           c.valid_until, latest.status, c.own_decision_due
                      from consent c
                      join lateral (select s.status from consent_status s where s.consent_id = c.id
                                     order by s.seq desc limit 1) latest on true
                     where c.account_id = ? and latest.status = 'active'
                       and (c.valid_until is null or c.valid_until > ?)
                       and exists (select 1 from consent_link cl
                                     join service_link sl on sl.id = cl.link_id and sl.removed_at is null
                                    where cl.consent_id = c.id)
                     order by c.created_at, c.id
                    """)) {
                ps.setObject(1, accountId);
                ps.setTimestamp(2, Sql.timestamp(now));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        grantsByProgramme.computeIfAbsent(Sql.uuid(rs, "programme_id"), k -> new ArrayList<>())
                                .add(candidate(rs));
                    }
                }
            }
            Map<UUID, List<Inclusion>> inclusionsByProgramme = inclusionsByProgramme(c, accountId);
            Set<UUID> programmeIds = new LinkedHashSet<>(grantsByProgramme.keySet());
            programmeIds.addAll(inclusionsByProgramme.keySet());
            if (programmeIds.isEmpty()) {
                return List.<Reach>of();
            }
            List<Reach> reaches = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    select p.*, r.title, r.decided_by, """ + Permits.programmeColumns("g") + ", "
                    + Permits.reachColumn("p") + """
                      from permit p join data_request r on r.id = p.request_id join programme g on g.id = p.programme_id
                     where p.programme_id = any (?) and p.revoked_at is null
                     order by p.created_at, p.id
                    """)) {
                ps.setArray(1, c.createArrayOf("uuid", programmeIds.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Permit permit = Permits.map(rs);
                        List<Grant> candidates = new ArrayList<>(grantsByProgramme.getOrDefault(permit.programmeId(),
                                List.of()));
                        candidates.addAll(inclusionsByProgramme.getOrDefault(permit.programmeId(), List.of()));
                        reach(permit, rs.getString("title"), rs.getString("decided_by"), candidates, now)
                                .ifPresent(reaches::add);
                    }
                }
            }
            return List.copyOf(reaches);
        });
    }

    /**
     * What the permit may read of the person now, as the release policy decides it from the person's candidate
     * consents and inclusions in the permit's programme: empty when nothing.
     */
    private static Optional<Reach> reach(Permit permit, String title, String decidedBy, List<Grant> candidates,
                                         Instant now) {
        PermitTerms terms = PermitTerms.of(permit);
        List<String> types = new ArrayList<>();
        Set<Grant> reliedOn = new LinkedHashSet<>();
        for (String type : permit.scope().resourceTypes()) {
            if (ReleasePolicy.whyNotForType(terms, type, now).isPresent()) {
                continue;
            }
            for (Grant grant : candidates) {
                if (ReleasePolicy.whyNotReliable(grant, terms, type, now).isEmpty()) {
                    if (!types.contains(type)) {
                        types.add(type);
                    }
                    reliedOn.add(grant);
                }
            }
        }
        if (types.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Reach(permit, title, decidedBy, types,
                reliedOn.stream().filter(g -> g instanceof ConsentGrant).map(g -> (ConsentGrant) g).toList(),
                reliedOn.stream().filter(g -> g instanceof Inclusion).map(g -> (Inclusion) g).toList()));
    }

    /** Under an opt-out basis: the person's live links at the programme's sources, as the cohort query reads them. */
    private static Map<UUID, List<Inclusion>> inclusionsByProgramme(Connection c, UUID accountId) throws SQLException {
        Map<UUID, List<Inclusion>> inclusionsByProgramme = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(INCLUDED_SELECT
                + " where p.legal_basis <> 'consent' and sl.account_id = ? order by sl.created_at, sl.id")) {
            ps.setObject(1, accountId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    inclusionsByProgramme.computeIfAbsent(Sql.uuid(rs, "programme_id"), k -> new ArrayList<>())
                            .add(inclusion(rs));
                }
            }
        }
        return inclusionsByProgramme;
    }

    /** A candidate row as the release policy reads it: its links are live, which the queries make sure of. */
    private static ConsentGrant candidate(ResultSet rs) throws SQLException {
        return candidate(rs, new HashMap<>());
    }

    /**
     * The same, with the scopes already read in this result: a programme's consents mostly share one scope, and
     * reading its JSON once per distinct text instead of once per row is most of a cohort read's Java side.
     */
    private static ConsentGrant candidate(ResultSet rs, Map<String, DataScope> scopes) throws SQLException {
        String scope = rs.getString("scope");
        DataScope read = scopes.get(scope);
        if (read == null) {
            read = DataScope.fromJson(Json.read(scope));
            scopes.put(scope, read);
        }
        return new ConsentGrant(Sql.uuid(rs, "consent_id"), Sql.uuid(rs, "account_id"),
                Sql.strings(rs, "purposes").stream().map(p -> Purpose.fromCode(p).orElseThrow()).toList(),
                read, Sql.accessModes(rs, "access_modes"),
                ConsentGrant.version(rs.getObject("programme_version", Integer.class)),
                new Standing(ConsentStatus.fromWire(rs.getString("status")).orElse(null),
                        new Validity(Sql.instant(rs, "valid_from"), Sql.instant(rs, "valid_until")), true,
                        Sql.instant(rs, "own_decision_due")));
    }

    /**
     * The consents, each with its person, that the permit may rely on at {@code at} for at least one type of its
     * scope: the whole cohort, as the notification of a revoked or expired permit names it. Runs on the caller's
     * connection, so that it sees the caller's transaction.
     */
    public static List<ConsentGrant> wholeCohort(Connection c, Permit permit, Instant at) throws SQLException {
        PermitTerms terms = PermitTerms.of(permit);
        Map<UUID, ConsentGrant> grants = new LinkedHashMap<>();
        for (Candidate candidate : candidates(c, permit.programmeId(), at, null)) {
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
     * The candidates: active, linked, not yet ended consents to the programme, of everyone or ({@code accountIds}
     * not null) of those persons only, through the index on the consent's person; the release policy decides. No
     * valid_from condition: the policy judges validity in whole seconds, which can begin up to a second before
     * the stored instant; a candidate too many is harmless, one too few is not.
     */
    private static List<Candidate> candidates(Connection c, UUID programmeId, Instant now,
                                              Collection<UUID> accountIds) throws SQLException {
        List<Candidate> candidates = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("""
                select c.id as consent_id, c.account_id, c.purposes, c.scope, c.access_modes, c.valid_from,
                       c.valid_until, c.own_decision_due, c.programme_version,
                       latest.status, sl.source_id, sl.surrogate_id
                  from consent c
                  join lateral (select s.status from consent_status s where s.consent_id = c.id
                                 order by s.seq desc limit 1) latest on true
                  join consent_link cl on cl.consent_id = c.id
                  join service_link sl on sl.id = cl.link_id and sl.removed_at is null
                 where c.programme_id = ? and latest.status = 'active'
                   and (c.valid_until is null or c.valid_until > ?)
                """ + (accountIds == null ? "" : "   and c.account_id = any (?)\n") + """
                 order by c.created_at, c.id, sl.created_at, sl.id
                """)) {
            ps.setObject(1, programmeId);
            ps.setTimestamp(2, Sql.timestamp(now));
            if (accountIds != null) {
                ps.setArray(3, c.createArrayOf("uuid", accountIds.toArray()));
            }
            // A whole cohort is streamed in pages rather than held by the driver all at once.
            ps.setFetchSize(accountIds == null ? 10_000 : 0);
            Map<String, DataScope> scopes = new HashMap<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    candidates.add(new Candidate(candidate(rs, scopes), new SourcePatient(Sql.uuid(rs, "source_id"),
                            rs.getString("surrogate_id"))));
                }
            }
        }
        return candidates;
    }

    /**
     * Under an opt-out basis: every person with a live link at one of the programme's sources (or, with
     * {@code accountIds}, those persons' links only), each at every such source, unless the release policy finds
     * them opted out; for each of the types. The query reads whether each has a live opt-out of the programme in
     * the same statement, so an opt-out that has returned is seen by every request that starts after it.
     */
    private Map<String, List<CohortMember>> included(Permit permit, PermitTerms terms, List<String> resourceTypes,
                                                     Instant now, Collection<UUID> accountIds) {
        return tx.read(c -> {
            Map<String, List<CohortMember>> byType = new LinkedHashMap<>();
            resourceTypes.forEach(type -> byType.put(type, new ArrayList<>()));
            try (PreparedStatement ps = c.prepareStatement(INCLUDED_SELECT + " where p.id = ?"
                    + (accountIds == null ? "" : " and sl.account_id = any (?)") + " order by sl.created_at, sl.id")) {
                ps.setObject(1, permit.programmeId());
                if (accountIds != null) {
                    ps.setArray(2, c.createArrayOf("uuid", accountIds.toArray()));
                }
                ps.setFetchSize(accountIds == null ? 10_000 : 0);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Inclusion inclusion = inclusion(rs);
                        SourcePatient patient = new SourcePatient(Sql.uuid(rs, "source_id"),
                                rs.getString("surrogate_id"));
                        for (String type : resourceTypes) {
                            if (ReleasePolicy.whyNotReliable(inclusion, terms, type, now).isEmpty()) {
                                byType.get(type).add(new CohortMember(inclusion.accountId(), patient,
                                        List.of(inclusion)));
                            }
                        }
                    }
                }
            }
            byType.replaceAll((type, members) -> List.copyOf(members));
            return byType;
        });
    }

    /**
     * The live links at opt-out programmes' sources, each with whether its person has a live opt-out of the
     * programme, read in the same statement, so that an opt-out that has returned is seen at once.
     */
    private static final String INCLUDED_SELECT = """
            select p.id as programme_id, sl.id as link_id, sl.account_id, sl.source_id, sl.surrogate_id, sl.created_at,
                   exists (select 1 from opt_out o where o.account_id = sl.account_id
                              and o.programme_id = p.id and o.withdrawn_at is null) as opted_out,
                   (select max(o.withdrawn_at) from opt_out o where o.account_id = sl.account_id
                              and o.programme_id = p.id) as last_withdrawn
              from programme p
              join service_link sl on sl.source_id = any (p.source_ids) and sl.removed_at is null
            """;

    /** A row of {@link #INCLUDED_SELECT} as the release policy reads it: included since linked or since the last undo. */
    private static Inclusion inclusion(ResultSet rs) throws SQLException {
        Instant linked = Sql.instant(rs, "created_at");
        Instant withdrawn = Sql.instant(rs, "last_withdrawn");
        return new Inclusion(Sql.uuid(rs, "link_id"), Sql.uuid(rs, "account_id"), true, rs.getBoolean("opted_out"),
                withdrawn != null && withdrawn.isAfter(linked) ? withdrawn : linked);
    }
}
