package org.mydata.operator.notify;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.mydata.operator.permit.Permit;
import org.mydata.operator.permit.Permits;
import org.mydata.operator.store.Sql;
import org.mydata.operator.store.Transactions;

/**
 * An expiry changes no status and signs no record: it just happens, at the permit's {@code valid_until}. So
 * the event is written by whichever node looks first after that moment: the permit's row is taken with {@code
 * SKIP LOCKED} and marked in the same transaction as its event, so the event is written exactly once, whatever
 * number of nodes look at once. A revoked permit has had its event and expires silently.
 */
public final class PermitExpiries {
    private static final int BATCH = 100;

    private final Transactions tx;
    private final Clock clock;

    public PermitExpiries(Transactions tx, Clock clock) {
        this.tx = tx;
        this.clock = clock;
    }

    /** Writes the events of permits that expired and were not told of yet; returns how many. */
    public int notifyExpired() {
        return tx.inTransaction(c -> {
            Instant now = clock.instant();
            List<UUID> due = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("select id from permit where revoked_at is null "
                    + "and expiry_notified_at is null and valid_until <= ? order by valid_until limit ? "
                    + "for update skip locked")) {
                ps.setTimestamp(1, Sql.timestamp(now));
                ps.setInt(2, BATCH);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        due.add(Sql.uuid(rs, "id"));
                    }
                }
            }
            for (UUID id : due) {
                Permit permit = Permits.find(c, id).orElseThrow();
                // The cohort of the permit's last moment: from valid_until on, it read nobody.
                Outbox.permitEnded(c, permit, NotificationType.PERMIT_EXPIRED, null, permit.validUntil(),
                        permit.validUntil().minusMillis(1));
                try (PreparedStatement ps = c.prepareStatement(
                        "update permit set expiry_notified_at = ? where id = ?")) {
                    ps.setTimestamp(1, Sql.timestamp(now));
                    ps.setObject(2, id);
                    ps.executeUpdate();
                }
            }
            return due.size();
        });
    }
}
