package org.mydata.operator.log;

import org.mydata.operator.verify.log.Hash;
import org.mydata.operator.verify.log.Subtree;
import org.mydata.operator.verify.log.SubtreeHashes;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.mydata.operator.store.StoreException;

/**
 * The log's subtree hashes as stored in PostgreSQL, read on the caller's connection so a proof sees one
 * snapshot. A batch costs at most two primary-key lookups' worth of queries: leaves from log_entry,
 * interior subtrees from log_subtree.
 */
final class StoredSubtrees implements SubtreeHashes {
    private final Connection connection;

    StoredSubtrees(Connection connection) {
        this.connection = connection;
    }

    @Override
    public Hash hash(Subtree subtree) {
        return hashes(List.of(subtree)).get(subtree);
    }

    @Override
    public Map<Subtree, Hash> hashes(Collection<Subtree> subtrees) {
        List<Long> leaves = new ArrayList<>();
        List<Integer> levels = new ArrayList<>();
        List<Long> indices = new ArrayList<>();
        for (Subtree s : subtrees) {
            if (s.isLeaf()) {
                leaves.add(s.index());
            } else {
                levels.add(s.level());
                indices.add(s.index());
            }
        }
        Map<Subtree, Hash> found = new HashMap<>();
        try {
            if (!leaves.isEmpty()) {
                try (PreparedStatement ps = connection.prepareStatement(
                        "select idx, leaf_hash from log_entry where idx = any (?)")) {
                    ps.setArray(1, connection.createArrayOf("bigint", leaves.toArray(new Long[0])));
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            found.put(Subtree.leaf(rs.getLong(1)), new Hash(rs.getBytes(2)));
                        }
                    }
                }
            }
            if (!levels.isEmpty()) {
                try (PreparedStatement ps = connection.prepareStatement(
                        "select s.level, s.idx, s.hash from log_subtree s "
                                + "join unnest(?::integer[], ?::bigint[]) as w (level, idx) "
                                + "on s.level = w.level and s.idx = w.idx")) {
                    Array levelArray = connection.createArrayOf("integer", levels.toArray(new Integer[0]));
                    Array indexArray = connection.createArrayOf("bigint", indices.toArray(new Long[0]));
                    ps.setArray(1, levelArray);
                    ps.setArray(2, indexArray);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            found.put(new Subtree(rs.getInt(1), rs.getLong(2)), new Hash(rs.getBytes(3)));
                        }
                    }
                }
            }
        } catch (SQLException e) {
            throw new StoreException("reading the log's subtree hashes failed", e);
        }
        for (Subtree s : subtrees) {
            if (!found.containsKey(s)) {
                throw new IllegalStateException("the log holds no hash for subtree " + s
                        + ": asked beyond the integrated tree, or the store lost a row");
            }
        }
        return found;
    }
}
