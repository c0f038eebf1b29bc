package org.mydata.operator.representation;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Objects;
import java.util.UUID;
import org.mydata.operator.json.Json;
import org.mydata.operator.store.Sql;

/**
 * A consent a guardian gave for a minor: when the person comes of age ({@code majorityAt}), from when it awaits
 * their own decision, and when it stops releasing without one ({@code due}: coming of age plus the grace period,
 * {@link ComingOfAge}). The person's confirmation is a status record of their own with the claim
 * {@value #CLAIM}: {@value #CONFIRMED}.
 */
public record OwnDecision(Instant majorityAt, Instant due) {
    public static final String CLAIM = "own_decision";
    public static final String CONFIRMED = "confirmed";

    public OwnDecision {
        Objects.requireNonNull(majorityAt, "majorityAt");
        Objects.requireNonNull(due, "due");
    }

    /** What a consent the guardian gives now carries, by the rule, for a representation; null when none applies. */
    static OwnDecision of(Representation representation, ComingOfAge rule) {
        Instant majority = representation.comesOfAge(rule);
        return majority == null ? null : new OwnDecision(majority, rule.ownDecisionDue(majority));
    }

    /** Stores who gave the consent and, for a minor, when it comes to await their decision (same transaction). */
    static void store(Connection c, UUID consentId, Acting acting, OwnDecision minor) throws SQLException {
        if (acting == null && minor == null) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("update consent set acted_by = ?::jsonb, majority_at = ?, "
                + "own_decision_due = ? where id = ?")) {
            ps.setString(1, acting == null ? null : Json.write(acting.claim()));
            ps.setTimestamp(2, minor == null ? null : Sql.timestamp(minor.majorityAt()));
            ps.setTimestamp(3, minor == null ? null : Sql.timestamp(minor.due()));
            ps.setObject(4, consentId);
            ps.executeUpdate();
        }
    }

    /** The {@code acted_by} column of a record's row (the claim's JSON): null when the person acted. */
    public static String actedBy(Acting acting) {
        return acting == null ? null : Json.write(acting.claim());
    }

    /** The person decided: no deadline any more. */
    public static void confirmed(Connection c, UUID consentId, Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "update consent set own_decision_at = ?, own_decision_due = null where id = ?")) {
            ps.setTimestamp(1, Sql.timestamp(at));
            ps.setObject(2, consentId);
            ps.executeUpdate();
        }
    }
}
