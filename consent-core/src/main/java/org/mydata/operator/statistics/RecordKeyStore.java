package org.mydata.operator.statistics;

import java.security.SecureRandom;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.mydata.operator.store.Sql;
import org.mydata.operator.store.Transactions;

/**
 * Each person's fixed random record key for cell-key perturbation (docs/statistics.md): drawn once, uniformly in
 * [0, 1), at the person's first statistical count, kept by the operator for good and never released. Because it
 * never changes, the same cell of the same persons always gets the same noise, whichever permit or node asks.
 */
public final class RecordKeyStore {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Transactions tx;
    private final Clock clock;

    public RecordKeyStore(Transactions tx, Clock clock) {
        this.tx = tx;
        this.clock = clock;
    }

    /** The record key of each of the accounts, made for those who have none yet. */
    public Map<UUID, Double> of(Collection<UUID> accountIds) {
        if (accountIds.isEmpty()) {
            return Map.of();
        }
        return tx.inTransaction(c -> {
            Object[] accounts = accountIds.toArray();
            Double[] keys = new Double[accounts.length];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = RecordKeys.newKey(RANDOM);
            }
            // A key drawn for someone who has one already is thrown away: the first one stays.
            try (PreparedStatement ps = c.prepareStatement("insert into statistics_record_key (account_id, "
                    + "record_key, created_at) select a, k, ? from unnest(?::uuid[], ?::float8[]) as t(a, k) "
                    + "on conflict (account_id) do nothing")) {
                ps.setTimestamp(1, Sql.timestamp(clock.instant()));
                ps.setArray(2, c.createArrayOf("uuid", accounts));
                ps.setArray(3, c.createArrayOf("float8", keys));
                ps.executeUpdate();
            }
            Map<UUID, Double> found = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("select account_id, record_key from statistics_record_key "
                    + "where account_id = any (?)")) {
                ps.setArray(1, c.createArrayOf("uuid", accounts));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        found.put(Sql.uuid(rs, "account_id"), rs.getDouble("record_key"));
                    }
                }
            }
            return found;
        });
    }
}
