package org.mydata.operator.permit;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.mydata.operator.json.Json;
import org.mydata.operator.programme.Programme;
import org.mydata.operator.programme.ProgrammeRegistry;
import org.mydata.operator.store.Sql;
import org.mydata.operator.store.Transactions;

/**
 * Where each records permit's release plan is kept between requests and across nodes (V18). The plan itself is
 * the gateway's ({@code ReleasePlan}); this stores it as JSON with the hash of the cohort it was made for.
 */
public final class ReleasePlanStore {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ReleasePlanStore.class);
    private final Transactions tx;
    private final Integer smallCohortK;

    /**
     * @param smallCohortK the k used instead for a cohort smaller than the programme's k, or null (the default)
     *     to keep it: then such a cohort's records carry no demographic value and no code. For test fixtures whose
     *     cohorts are one or two persons (operator.gateway.small-cohort-k, docs/gateway.md); never in production
     * @throws IllegalArgumentException when it is set below 1 (no k at all)
     */
    public ReleasePlanStore(Transactions tx, Integer smallCohortK) {
        if (smallCohortK != null) {
            if (smallCohortK < 1) {
                throw new IllegalArgumentException("operator.gateway.small-cohort-k must be at least 1 (test fixtures "
                        + "only) or unset, not " + smallCohortK);
            }
            // Loud on purpose: 1 is allowed only because test cohorts are one or two persons.
            LOG.warn("operator.gateway.small-cohort-k is set to {}: every records permit whose cohort is smaller than "
                    + "its programme's k releases demographics and codes at k = {} instead, which may single persons "
                    + "out. This setting is for test fixtures and must never be set in production", smallCohortK,
                    smallCohortK);
        }
        this.tx = tx;
        this.smallCohortK = smallCohortK;
    }

    /** The k a release plan applies to a cohort of the given size in a programme. */
    public int kFor(UUID programmeId, int cohortSize) {
        int k = kOf(programmeId);
        return smallCohortK != null && cohortSize < k ? smallCohortK : k;
    }

    /** The k of a programme's records permits, its {@code disclosure.recordsK} setting. */
    int kOf(UUID programmeId) {
        return tx.read(c -> kOf(ProgrammeRegistry.find(c, programmeId).orElseThrow()));
    }

    /** The k of a programme: fewest persons per released demographic combination and per released code. */
    static int kOf(Programme programme) {
        return programme.disclosure().recordsK();
    }

    /** A stored plan and the cohort it was made for. */
    public record Stored(String cohort, Map<String, Object> plan, Instant computedAt) {
    }

    public Optional<Stored> find(UUID permitId) {
        return tx.read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "select cohort, plan, computed_at from release_plan where permit_id = ?")) {
                ps.setObject(1, permitId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new Stored(rs.getString("cohort"), Json.read(rs.getString("plan")),
                            Sql.instant(rs, "computed_at"))) : Optional.empty();
                }
            }
        });
    }

    /** Keeps the plan for the permit, replacing an older one. */
    public void save(UUID permitId, String cohort, Map<String, Object> plan, Instant at) {
        tx.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("insert into release_plan (permit_id, cohort, plan, "
                    + "computed_at) values (?,?,?::jsonb,?) on conflict (permit_id) do update set cohort = "
                    + "excluded.cohort, plan = excluded.plan, computed_at = excluded.computed_at")) {
                ps.setObject(1, permitId);
                ps.setString(2, cohort);
                ps.setString(3, Json.write(plan));
                ps.setTimestamp(4, Sql.timestamp(at));
                ps.executeUpdate();
            }
            return null;
        });
    }
}
