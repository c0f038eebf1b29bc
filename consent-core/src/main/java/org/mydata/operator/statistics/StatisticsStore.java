package org.mydata.operator.statistics;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.mydata.operator.store.Sql;
import org.mydata.operator.store.Transactions;

/**
 * The statistics store in PostgreSQL (docs/statistics.md, "The store"): per permit, each counted person under an
 * opaque key; per person and type, what was read of them (de-identified, true dates, gzipped NDJSON) and under
 * which consents or links; per person and ViewDefinition (by hash), the view's rows as JSON. One store for every
 * node: a change made through one node is seen by the next answer on any other, and deleting a person's key row
 * deletes everything stored of them. It holds no decision: who may be counted is the release policy's, asked at
 * every answer.
 */
public final class StatisticsStore {
    private final Transactions tx;

    public StatisticsStore(Transactions tx) {
        this.tx = tx;
    }

    /** What the store holds of one person for one type at one source: read under which grants, how many. */
    public record Held(UUID sourceId, List<UUID> grantIds, int resourceCount) {
        public Held {
            grantIds = List.copyOf(grantIds);
        }
    }

    /** The opaque key of each person in the permit's store, made for those who have none yet. */
    public Map<UUID, UUID> personKeys(UUID permitId, Collection<UUID> accountIds) {
        if (accountIds.isEmpty()) {
            return Map.of();
        }
        return tx.inTransaction(c -> {
            Object[] accounts = accountIds.toArray();
            try (PreparedStatement ps = c.prepareStatement("insert into statistics_person (permit_id, account_id, "
                    + "person_key) select ?, a, gen_random_uuid() from unnest(?::uuid[]) as t(a) "
                    + "on conflict (permit_id, account_id) do nothing")) {
                ps.setObject(1, permitId);
                ps.setArray(2, c.createArrayOf("uuid", accounts));
                ps.executeUpdate();
            }
            Map<UUID, UUID> keys = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("select account_id, person_key from statistics_person "
                    + "where permit_id = ? and account_id = any (?)")) {
                ps.setObject(1, permitId);
                ps.setArray(2, c.createArrayOf("uuid", accounts));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        keys.put(Sql.uuid(rs, "account_id"), Sql.uuid(rs, "person_key"));
                    }
                }
            }
            return keys;
        });
    }

    /**
     * Deletes everything stored under the permit of anyone not in {@code counted}: who the release policy does not
     * let the permit count now is not kept (data minimisation). Returns how many persons were deleted.
     */
    public int keepOnly(UUID permitId, Set<UUID> counted) {
        return tx.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("delete from statistics_person where permit_id = ? "
                    + "and not (account_id = any (?))")) {
                ps.setObject(1, permitId);
                ps.setArray(2, c.createArrayOf("uuid", counted.toArray()));
                return ps.executeUpdate();
            }
        });
    }

    /** What the store holds of the type for each of the persons (by key), per source; persons never read are absent. */
    public Map<UUID, List<Held>> held(String resourceType, Collection<UUID> personKeys) {
        return tx.read(c -> {
            Map<UUID, List<Held>> held = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("select person_key, source_id, grant_ids, resource_count "
                    + "from statistics_resources where resource_type = ? and person_key = any (?)")) {
                ps.setString(1, resourceType);
                ps.setArray(2, c.createArrayOf("uuid", personKeys.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        held.computeIfAbsent(Sql.uuid(rs, "person_key"), k -> new ArrayList<>()).add(new Held(
                                Sql.uuid(rs, "source_id"), Sql.uuids(rs, "grant_ids"), rs.getInt("resource_count")));
                    }
                }
            }
            return held;
        });
    }

    /**
     * Forgets what is held of the type of these persons, and every view row of theirs, before they are read again
     * (their consents, links or sources changed).
     */
    public void forget(String resourceType, Collection<UUID> personKeys) {
        if (personKeys.isEmpty()) {
            return;
        }
        tx.inTransaction(c -> {
            Object[] keys = personKeys.toArray();
            try (PreparedStatement resources = c.prepareStatement("delete from statistics_resources "
                    + "where resource_type = ? and person_key = any (?)");
                 PreparedStatement rows = c.prepareStatement("delete from statistics_view_rows "
                         + "where person_key = any (?)")) {
                resources.setString(1, resourceType);
                resources.setArray(2, c.createArrayOf("uuid", keys));
                resources.executeUpdate();
                rows.setArray(1, c.createArrayOf("uuid", keys));
                rows.executeUpdate();
            }
            return null;
        });
    }

    /** What was read of one person, type and source. */
    public record Read(UUID personKey, UUID sourceId, List<UUID> grantIds, int resourceCount, byte[] resources) {
        public Read {
            grantIds = List.copyOf(grantIds);
        }
    }

    /**
     * Stores reads in one transaction, each replacing what was held of its person, type and source (two answers
     * that read the same person at once write the same). A person deleted meanwhile (their consent ended while
     * they were read) stays deleted: the rows of a key that no longer exists are not inserted.
     *
     * @param onlyNew keep what is held already (a person with nothing at a source is stored as such only if
     *                nothing was stored for them meanwhile)
     */
    public void put(String resourceType, List<Read> reads, Instant at, boolean onlyNew) {
        if (reads.isEmpty()) {
            return;
        }
        tx.inTransaction(c -> {
            String onConflict = onlyNew ? "do nothing" : "do update set grant_ids = excluded.grant_ids, "
                    + "resource_count = excluded.resource_count, resources = excluded.resources, "
                    + "read_at = excluded.read_at";
            try (PreparedStatement ps = c.prepareStatement("insert into statistics_resources (person_key, "
                    + "resource_type, source_id, grant_ids, resource_count, resources, read_at) "
                    + "select ?, ?, ?, ?, ?, ?, ? where exists (select 1 from statistics_person where person_key = ?) "
                    + "on conflict (person_key, resource_type, source_id) " + onConflict)) {
                for (Read read : reads) {
                    ps.setObject(1, read.personKey());
                    ps.setString(2, resourceType);
                    ps.setObject(3, read.sourceId());
                    ps.setArray(4, c.createArrayOf("uuid", read.grantIds().toArray()));
                    ps.setInt(5, read.resourceCount());
                    ps.setBytes(6, read.resources());
                    ps.setTimestamp(7, Sql.timestamp(at));
                    ps.setObject(8, read.personKey());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    /** The stored resources of the type (gzipped NDJSON, one per source read) of each of the persons. */
    public Map<UUID, List<byte[]>> resources(String resourceType, Collection<UUID> personKeys) {
        return tx.read(c -> {
            Map<UUID, List<byte[]>> found = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("select person_key, resources from statistics_resources "
                    + "where resource_type = ? and person_key = any (?)")) {
                ps.setString(1, resourceType);
                ps.setArray(2, c.createArrayOf("uuid", personKeys.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        found.computeIfAbsent(Sql.uuid(rs, "person_key"), k -> new ArrayList<>())
                                .add(rs.getBytes("resources"));
                    }
                }
            }
            return found;
        });
    }

    /** The view's materialised rows (a JSON array) of each of the persons that has them. */
    public Map<UUID, String> viewRows(String viewHash, Collection<UUID> personKeys) {
        return tx.read(c -> {
            Map<UUID, String> found = new HashMap<>();
            try (PreparedStatement ps = c.prepareStatement("select person_key, rows::text as rows "
                    + "from statistics_view_rows where view_hash = ? and person_key = any (?)")) {
                ps.setString(1, viewHash);
                ps.setArray(2, c.createArrayOf("uuid", personKeys.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        found.put(Sql.uuid(rs, "person_key"), rs.getString("rows"));
                    }
                }
            }
            return found;
        });
    }

    /** Stores views' rows (JSON arrays) by person key; rows made meanwhile by another answer are kept. */
    public void putViewRows(String viewHash, Map<UUID, String> rowsByPerson) {
        if (rowsByPerson.isEmpty()) {
            return;
        }
        List<Map.Entry<UUID, String>> entries = new ArrayList<>(rowsByPerson.entrySet());
        tx.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("""
                    insert into statistics_view_rows (person_key, view_hash, rows)
                    select ?, ?, ?::jsonb where exists (select 1 from statistics_person where person_key = ?)
                    on conflict (view_hash, person_key) do nothing
                    """)) {
                for (Map.Entry<UUID, String> entry : entries) {
                    ps.setObject(1, entry.getKey());
                    ps.setString(2, viewHash);
                    ps.setString(3, entry.getValue());
                    ps.setObject(4, entry.getKey());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }
}
