package org.mydata.operator.consent;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.UUID;
import org.mydata.operator.failure.NotFoundException;
import org.mydata.operator.store.Sql;
import org.mydata.operator.verify.consent.ConsentStatus;
import org.mydata.operator.verify.release.Validity;

/**
 * One of a person's consents, locked for a write of its own (confirming one's own decision, asking for erasure),
 * with its latest status record. The row lock orders the write after any status change of the same consent in
 * the node's batch; another person's consent is not found, never forbidden. A batch of grants and status changes
 * reads its consents in one statement instead ({@link ConsentBatch}).
 *
 * @param sequence      the latest status record's place in the consent's chain
 * @param record        the latest status record as signed, whose hash the next one names
 * @param majorityAt    when the person comes of age, for a consent a guardian gave; null otherwise
 * @param ownDecisionAt when the person, come of age, confirmed it; null when they have not
 */
record LockedConsent(UUID programmeId, Validity validity, int sequence, ConsentStatus status, String record,
                     Instant majorityAt, Instant ownDecisionAt) {

    /** Locks the consent for the rest of the transaction; not found when it is not the person's. */
    static LockedConsent lock(Connection c, UUID accountId, UUID consentId) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("select c.programme_id, c.valid_from, c.valid_until, "
                + "c.majority_at, c.own_decision_at, s.seq, s.status, s.record from consent c join lateral "
                + "(select seq, status, record from consent_status where consent_id = c.id order by seq desc "
                + "limit 1) s on true where c.id = ? and c.account_id = ? for update of c")) {
            ps.setObject(1, consentId);
            ps.setObject(2, accountId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    throw new NotFoundException("no consent " + consentId);
                }
                return new LockedConsent(Sql.uuid(rs, "programme_id"),
                        new Validity(Sql.instant(rs, "valid_from"), Sql.instant(rs, "valid_until")), rs.getInt("seq"),
                        ConsentStatus.fromWire(rs.getString("status")).orElseThrow(), rs.getString("record"),
                        Sql.instant(rs, "majority_at"), Sql.instant(rs, "own_decision_at"));
            }
        }
    }
}
