package org.mydata.operator.permit;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.mydata.operator.json.Json;
import org.mydata.operator.programme.DataScope;
import org.mydata.operator.programme.Purpose;
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
     * Persons whose consent to the permit's programme is active and in force at {@code now}, whose
     * purposes cover one of the permit's, and whose scope includes {@code resourceType}, each at every
     * source their consent names through a live link.
     */
    public List<CohortMember> of(Permit permit, String resourceType, Instant now) {
        if (!permit.scope().resourceTypes().contains(resourceType)) {
            return List.of();
        }
        return tx.read(c -> {
            Map<String, CohortMember> members = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement("""
                    select c.id as consent_id, c.account_id, c.purposes, c.scope, sl.source_id, sl.surrogate_id
                      from consent c
                      join lateral (select s.status from consent_status s where s.consent_id = c.id
                                     order by s.seq desc limit 1) latest on true
                      join consent_link cl on cl.consent_id = c.id
                      join service_link sl on sl.id = cl.link_id and sl.removed_at is null
                     where c.programme_id = ? and latest.status = 'active'
                       and c.valid_from <= ? and (c.valid_until is null or c.valid_until > ?)
                     order by c.created_at, c.id
                    """)) {
                ps.setObject(1, permit.programmeId());
                ps.setTimestamp(2, Sql.timestamp(now));
                ps.setTimestamp(3, Sql.timestamp(now));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        List<Purpose> purposes = Sql.strings(rs, "purposes").stream()
                                .map(p -> Purpose.fromCode(p).orElseThrow()).toList();
                        DataScope scope = DataScope.fromJson(Json.read(rs.getString("scope")));
                        boolean purposeCovered = permit.purposes().stream()
                                .anyMatch(wanted -> purposes.stream().anyMatch(given -> given.covers(wanted)));
                        if (!purposeCovered || !scope.resourceTypes().contains(resourceType)) {
                            continue;
                        }
                        UUID sourceId = Sql.uuid(rs, "source_id");
                        String surrogateId = rs.getString("surrogate_id");
                        CohortMember.Grant grant = new CohortMember.Grant(Sql.uuid(rs, "consent_id"), scope);
                        members.merge(sourceId + "|" + surrogateId,
                                new CohortMember(Sql.uuid(rs, "account_id"), sourceId, surrogateId, List.of(grant)),
                                (a, b) -> {
                                    List<CohortMember.Grant> grants = new ArrayList<>(a.grants());
                                    grants.addAll(b.grants());
                                    return new CohortMember(a.accountId(), a.sourceId(), a.surrogateId(), grants);
                                });
                    }
                }
            }
            return List.copyOf(members.values());
        });
    }
}
