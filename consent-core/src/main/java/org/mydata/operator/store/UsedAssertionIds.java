package org.mydata.operator.store;

import java.sql.PreparedStatement;
import java.time.Instant;

/**
 * The ids ({@code jti}) of the client assertions the authorization server accepted, until they expire. An
 * assertion is good once (RFC 7523 section 3 allows refusing a replayed {@code jti}; SMART Backend Services
 * require it), across every node, because the ids live in the shared database.
 */
public final class UsedAssertionIds {
    private final Transactions tx;

    public UsedAssertionIds(Transactions tx) {
        this.tx = tx;
    }

    /**
     * Records the assertion's id; true the first time, false when the client used it before and it has not yet
     * expired. Ids expired at {@code now} are forgotten on the way, so the table holds only live ones.
     */
    public boolean firstUse(String clientId, String jti, Instant expiresAt, Instant now) {
        return tx.inTransaction(c -> {
            try (PreparedStatement purge = c.prepareStatement("delete from used_client_assertion where expires_at <= ?")) {
                purge.setTimestamp(1, Sql.timestamp(now));
                purge.executeUpdate();
            }
            try (PreparedStatement ps = c.prepareStatement("insert into used_client_assertion (client_id, jti, "
                    + "expires_at) values (?, ?, ?) on conflict do nothing")) {
                ps.setString(1, clientId);
                ps.setString(2, jti);
                ps.setTimestamp(3, Sql.timestamp(expiresAt));
                return ps.executeUpdate() == 1;
            }
        });
    }
}
